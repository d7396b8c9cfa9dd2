"""The catalog in config: add, drop and rename objects and fields; objects and fields an org lacks."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import ValidationError

from connectors.salesforce.api.ids import make_id
from connectors.salesforce.extract.catalog import ObjectConfig, configured_objects, default_objects
from connectors.salesforce.extract.fields import UnknownFieldError
from local_org.schema import SYSTEM_FIELDS, ObjectSpec, field_from_yaml, standard_objects
from local_org.store import OrgStore
from tests.connector.test_incremental import soql_sent
from tests.factories import account_id
from tests.factories.connector import connector_records, connector_store, stamp


def names(objects: list[ObjectConfig]) -> list[str]:
    return [entry.name for entry in objects]


def test_add_replace_and_drop_catalog_objects():
    catalog = default_objects()
    result = configured_objects(
        catalog,
        add=[
            ObjectConfig(name="Lead"),
            ObjectConfig(name="survey_response__c", source_name="NPS_Survey__c"),
        ],
        drop=["OpportunityCompetitor", "order"],
    )
    assert "Lead" in names(result)
    assert "OpportunityCompetitor" not in names(result) and "Order" not in names(result)
    survey = next(e for e in result if e.name.lower() == "survey_response__c")
    assert survey.api_name == "NPS_Survey__c"
    assert len(result) == len(catalog) - 1


def test_dropping_an_object_the_catalog_lacks_is_an_error():
    with pytest.raises(ValueError, match="drop_objects names Opportunites"):
        configured_objects(default_objects(), add=[], drop=["Opportunites"])


def test_renaming_two_fields_onto_one_is_refused():
    with pytest.raises(ValidationError, match="several fields onto score__c"):
        ObjectConfig(name="Survey_Response__c", rename={"A__c": "Score__c", "B__c": "score__c"})


def nps_org() -> OrgStore:
    """An org whose survey object and fields are named its own way."""
    objects = standard_objects()
    del objects["Survey_Response__c"]
    nps = ObjectSpec(name="NPS_Survey__c", label="NPS Survey", key_prefix="a05", custom=True)
    for name, raw in SYSTEM_FIELDS.items():
        nps.add_field(field_from_yaml(name, raw))
    nps.add_field(field_from_yaml("Name", {"type": "string", "length": 80}))
    nps.add_field(field_from_yaml("NPS_Score__c", {"type": "double", "precision": 3}))
    nps.add_field(
        field_from_yaml("Account_Ref__c", {"type": "reference", "reference_to": ["Account"]})
    )
    objects["NPS_Survey__c"] = nps
    store = connector_store(accounts=10, objects=objects)
    store.insert(
        "NPS_Survey__c",
        [
            {
                "Id": make_id("a05", n),
                "Name": f"NPS {n}",
                "NPS_Score__c": float(n),
                "Account_Ref__c": account_id(n),
                "SystemModstamp": stamp(n),
            }
            for n in range(1, 6)
        ],
    )
    return store


def test_an_org_naming_things_its_own_way_loads_into_the_catalog_tables(extraction):
    run = extraction(nps_org())
    run.configure(
        add_objects=[
            ObjectConfig(
                name="Survey_Response__c",
                source_name="NPS_Survey__c",
                rename={"NPS_Score__c": "Score__c", "Account_Ref__c": "Account__c"},
            )
        ]
    )

    summary = run.run(objects=["Survey_Response__c"])

    assert summary.rows_per_table["survey_response_c"] == 5
    raw = run.raw("Survey_Response__c")
    row = raw[make_id("a05", 3)]
    assert row["score_c"] == 3.0 and row["account_c"] == account_id(3)
    assert "nps_score_c" not in row
    [soql] = soql_sent(run.org, "NPS_Survey__c")
    assert "NPS_Score__c" in soql and "Account_Ref__c" in soql
    saved = json.loads(
        (run.settings.state_dir / "describe" / "Survey_Response__c.json").read_text()
    )
    assert saved["name"] == "NPS_Survey__c"  # kept under the catalog's name for the gates


def test_catalog_names_select_renamed_fields(extraction):
    run = extraction(nps_org())
    run.configure(
        add_objects=[
            ObjectConfig(
                name="Survey_Response__c",
                source_name="NPS_Survey__c",
                rename={"NPS_Score__c": "Score__c"},
                include=["score__c"],
            )
        ]
    )
    run.run(objects=["Survey_Response__c"])
    row = run.raw("Survey_Response__c")[make_id("a05", 2)]
    assert set(row) == {"id", "is_deleted", "system_modstamp", "score_c"}


def test_an_object_the_org_lacks_is_skipped_with_a_warning(extraction, caplog):
    objects = standard_objects()
    del objects["Survey_Response__c"]
    run = extraction(connector_store(accounts=5, objects=objects))
    caplog.set_level(logging.WARNING)

    summary = run.run(objects=["Account", "Survey_Response__c"])

    assert summary.skipped_objects == ["Survey_Response__c"]
    assert summary.rows_per_table["account"] == 6
    assert "Skipping Survey_Response__c: the org has no object Survey_Response__c" in caplog.text


@pytest.mark.parametrize("setting", ["include", "exclude"])
def test_a_configured_field_the_org_lacks_is_an_error_naming_object_and_field(extraction, setting):
    run = extraction(connector_store(accounts=5))
    run.configure(
        add_objects=[ObjectConfig(name="Account", **{setting: ["Name", "Tier__c"]})],
    )
    with pytest.raises(UnknownFieldError, match=rf"Account\.Tier__c is configured \({setting}\)"):
        run.run(objects=["Account"])
    assert run.raw("Account") == {}  # nothing half-written


def test_soql_uses_the_names_describe_returned(extraction):
    run = extraction(connector_store(accounts=5))
    run.configure(add_objects=[ObjectConfig(name="account", include=["name", "INDUSTRY"])])

    run.run(objects=["account"])

    [soql] = soql_sent(run.org, "Account")
    assert soql.startswith("SELECT Id, IsDeleted, SystemModstamp, Name, Industry FROM Account ")
    expected = {r["Id"] for r in connector_records(5)["Account"]}
    assert set(run.raw("Account")) == expected
