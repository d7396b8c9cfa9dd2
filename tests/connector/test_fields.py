"""Describe → columns and Arrow types; REST JSON and Bulk CSV land in identical tables."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

from connectors.salesforce.extract.fields import (
    UnknownFieldError,
    column_name,
    csv_batch_to_arrow,
    csv_convert_options,
    extractable_fields,
    records_to_arrow,
)
from tests.factories.connector import TRICKY_TEXT

DESCRIBE = {
    "fields": [
        {"name": "Id", "type": "id"},
        {"name": "IsDeleted", "type": "boolean"},
        {"name": "SystemModstamp", "type": "datetime"},
        {"name": "Name", "type": "string"},
        {"name": "BillingAddress", "type": "address"},
        {"name": "Logo__c", "type": "base64"},
        {"name": "Amount", "type": "currency"},
        {"name": "CloseDate", "type": "date"},
        {"name": "Employees", "type": "int"},
        {"name": "NPS_Score__c", "type": "double"},
    ]
}


def selected(**options) -> list[str]:
    return [f.name for f in extractable_fields("Account", DESCRIBE, **options)]


def test_compound_and_base64_fields_are_left_out():
    assert selected() == [
        "Id",
        "IsDeleted",
        "SystemModstamp",
        "Name",
        "Amount",
        "CloseDate",
        "Employees",
        "NPS_Score__c",
    ]


def test_include_keeps_the_fields_incremental_loading_needs():
    assert selected(include=["amount"]) == ["Id", "IsDeleted", "SystemModstamp", "Amount"]
    assert "IsDeleted" in selected(exclude=["IsDeleted", "name"])
    assert "Name" not in selected(exclude=["IsDeleted", "name"])


def test_rename_gives_catalog_columns():
    fields = extractable_fields("Account", DESCRIBE, rename={"NPS_Score__c": "Score__c"})
    renamed = next(f for f in fields if f.name == "NPS_Score__c")
    assert renamed.column == "score_c"
    assert column_name("Estimated_Annual_Wallet__c") == "estimated_annual_wallet_c"
    assert column_name("SystemModstamp") == "system_modstamp"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"include": ["Nope__c"]}, r"Account\.Nope__c is configured \(include\)"),
        ({"exclude": ["Nope__c"]}, r"Account\.Nope__c is configured \(exclude\)"),
        ({"rename": {"Nope__c": "Score__c"}}, r"Account\.Nope__c is configured \(rename\)"),
        ({"rename": {"NPS_Score__c": "Name"}}, "would both load into column name"),
    ],
)
def test_configuration_the_org_does_not_match_is_an_error(options, message):
    with pytest.raises(UnknownFieldError, match=message):
        extractable_fields("Account", DESCRIBE, **options)


def test_rest_json_and_bulk_csv_give_the_same_table():
    fields = extractable_fields("Account", DESCRIBE)
    records = [
        {
            "Id": "001000000000001AAA",
            "IsDeleted": False,
            "SystemModstamp": "2025-03-01T09:30:00.123+0000",
            "Name": TRICKY_TEXT,
            "Amount": 1250.5,
            "CloseDate": "2025-06-30",
            "Employees": 12,
            "NPS_Score__c": None,
        },
        {
            "Id": "001000000000002AAA",
            "IsDeleted": True,
            "SystemModstamp": "2025-03-02T00:00:00.000+0000",
            "Name": None,
            "Amount": None,
            "CloseDate": None,
            "Employees": None,
            "NPS_Score__c": 9.0,
        },
    ]
    csv_text = (
        '"Id","IsDeleted","SystemModstamp","Name","Amount","CloseDate","Employees","NPS_Score__c"\n'
        '"001000000000001AAA","false","2025-03-01T09:30:00.123Z",'
        + '"'
        + TRICKY_TEXT.replace('"', '""')
        + '"'
        + ',"1250.5","2025-06-30","12",\n'
        '"001000000000002AAA","true","2025-03-02T00:00:00.000Z",,,,,"9.0"\n'
    )
    header = [name.strip('"') for name in csv_text.split("\n", 1)[0].split(",")]
    parsed = pa_csv.read_csv(
        io.BytesIO(csv_text.encode()),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=csv_convert_options(fields, header),
    )
    from_json = records_to_arrow(records, fields)
    from_csv = csv_batch_to_arrow(parsed.to_batches()[0], fields)

    assert from_csv.equals(from_json)
    assert from_json.schema.field("system_modstamp").type == pa.timestamp("us", tz="UTC")
    first = from_json.to_pylist()[0]
    assert first["close_date"] == date(2025, 6, 30)
    assert first["system_modstamp"] == datetime(2025, 3, 1, 9, 30, 0, 123000, tzinfo=UTC)
    assert first["name"] == TRICKY_TEXT


def test_rest_and_bulk_extractions_load_identical_tables(rest_and_bulk):
    objects = ["User", "Account", "Contact", "Opportunity", "Survey_Response__c"]
    via_rest, via_bulk, summary = rest_and_bulk(objects, accounts=200, bulk_page_rows=70)

    assert set(summary.transports.values()) == {"bulk"}
    for object_name in objects:
        assert via_bulk.raw(object_name) == via_rest.raw(object_name), object_name
        via_bulk.assert_raw_equals_org(object_name)
    surveys = via_bulk.raw("Survey_Response__c").values()
    assert TRICKY_TEXT in {row["comment_c"] for row in surveys}
