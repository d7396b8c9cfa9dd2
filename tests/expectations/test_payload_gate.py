"""The write-back payload: only allow-listed fields, values the org will accept."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from connectors.salesforce.writeback.transport import RecordUpdate
from expectations.gate import GateFailed
from expectations.payload import gate_payload, payload_frame, validate_payload
from tests.factories import account_id

ALLOWED = ["Relationship_Type__c", "Relationship_Strength__c"]
DESCRIBE = {
    "name": "Account",
    "fields": [
        {"name": "Id", "type": "id", "length": 18, "nillable": False, "updateable": False},
        {"name": "Name", "type": "string", "length": 255, "nillable": False, "updateable": True},
        {
            "name": "Relationship_Type__c",
            "type": "picklist",
            "length": 255,
            "nillable": True,
            "updateable": True,
            "picklistValues": [
                {"value": v, "active": True} for v in ["Prospect", "Dating", "Steady", "Married"]
            ]
            + [{"value": "Retired", "active": False}],
        },
        {
            "name": "Relationship_Strength__c",
            "type": "double",
            "precision": 5,
            "scale": 2,
            "nillable": True,
            "updateable": True,
        },
    ],
}


def payload(*rows: tuple[str, object, object]) -> pd.DataFrame:
    return payload_frame(
        RecordUpdate(
            "Account",
            record_id,
            {"Relationship_Type__c": kind, "Relationship_Strength__c": strength},
        )
        for record_id, kind, strength in rows
    )


def failures(results):
    return {(r.check, r.column) for r in results if not r.success}


def test_a_valid_payload_passes():
    frame = payload((account_id(1), "Dating", 42.5), (account_id(2), "Married", None))

    results = validate_payload(frame, "Account", DESCRIBE, ALLOWED)

    assert failures(results) == set()
    assert {r.check for r in results} >= {
        "only_allow_listed_fields",
        "fields_updateable",
        "values_fit_field_types",
        "picklist_values",
    }


def test_a_field_outside_the_allow_list_is_refused_even_if_writable():
    frame = payload((account_id(1), "Dating", 42.5)).assign(Name="Renamed by a bug")

    results = validate_payload(frame, "Account", DESCRIBE, ALLOWED)

    [outside] = [r for r in results if r.check == "only_allow_listed_fields"]
    assert not outside.success and outside.severity == "error"
    assert "Name" in outside.observed_value


def test_values_must_fit_the_field_and_the_org_picklist():
    frame = payload(
        (account_id(1), "Soulmate", 42.5),  # not in the picklist
        (account_id(2), "Retired", 10.0),  # inactive value
        (account_id(3), "Dating", 1000.0),  # precision 5, scale 2: at most 999.99
        (account_id(4), "Steady", "strong"),  # not a number
    )

    results = validate_payload(frame, "Account", DESCRIBE, ALLOWED)

    bad = {
        (r.check, r.expectation, r.column, tuple(r.sample_ids)) for r in results if not r.success
    }
    assert (
        "picklist_values",
        "expect_column_values_to_be_in_set",
        "Relationship_Type__c",
        (account_id(1), account_id(2)),
    ) in bad
    assert (
        "values_fit_field_types",
        "expect_column_values_to_be_in_type_list",
        "Relationship_Strength__c",
        (account_id(4),),
    ) in bad
    between = [r for r in results if r.expectation == "expect_column_values_to_be_between"]
    assert between and not between[0].success


def test_too_long_text_and_a_bad_id_are_refused():
    describe = {
        "fields": [
            *DESCRIBE["fields"],
            {"name": "Next_Step__c", "type": "string", "length": 10, "updateable": True},
        ]
    }
    frame = pd.DataFrame(
        {
            "Id": [account_id(1), "not-an-id"],
            "Next_Step__c": ["Call them", "Call the CFO next week"],
        },
        dtype=object,
    )

    results = validate_payload(frame, "Account", describe, ["Next_Step__c"])

    assert failures(results) == {("values_fit_field_types", "Next_Step__c"), ("id_format", "Id")}
    [length] = [r for r in results if r.column == "Next_Step__c" and not r.success]
    assert length.sample_ids == ["not-an-id"]


def test_gate_payload_records_the_results_and_raises_on_error(make_settings, warehouse):
    settings = make_settings()
    frame = payload((account_id(1), "Soulmate", 42.5))

    with pytest.raises(GateFailed, match="suite payload_account"):
        gate_payload(settings, frame, "Account", DESCRIBE, ALLOWED, run_id="payload-run")

    stored = warehouse.rows(
        "select check_name, column_name, sample_ids from {cat}.rapport_audit.validation_results "
        "where run_id = 'payload-run' and not success"
    )
    assert stored == [("picklist_values", "Relationship_Type__c", json.dumps([account_id(1)]))]
