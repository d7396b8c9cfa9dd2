"""The decisions write-back makes without the network: values, the three-way diff, transport."""

from __future__ import annotations

import csv
import io

import pytest

from connectors.salesforce.writeback.bulk_ingest import updates_to_csv
from connectors.salesforce.writeback.crm_read import plan_read
from connectors.salesforce.writeback.crm_schema import CrmField
from connectors.salesforce.writeback.diff import plan_object
from connectors.salesforce.writeback.transport import RecordUpdate, choose_transport
from connectors.salesforce.writeback.values import InvalidValue, from_crm_value, to_crm_value

STRENGTH = CrmField("Account", "Relationship_Strength__c", "double", True, precision=5, scale=2)
TYPE = CrmField(
    "Account",
    "Relationship_Type__c",
    "picklist",
    True,
    length=255,
    picklist_values=("Ex", "Dating"),
)
STEP = CrmField("Account", "Relationship_Next_Step__c", "string", True, length=10)


def test_numbers_are_rounded_to_the_field_scale_on_both_sides():
    assert to_crm_value(STRENGTH, 73.456) == 73.46
    assert from_crm_value(STRENGTH, 73.46) == to_crm_value(STRENGTH, 73.4600001)
    with pytest.raises(
        InvalidValue, match=r"Account\.Relationship_Strength__c holds numbers below 1000"
    ):
        to_crm_value(STRENGTH, 1000.0)
    with pytest.raises(InvalidValue, match="takes a number"):
        to_crm_value(STRENGTH, "12")
    assert to_crm_value(STRENGTH, float("nan")) is None


def test_text_and_picklist_values_are_checked_against_the_field():
    assert to_crm_value(TYPE, "Ex") == "Ex"
    assert to_crm_value(STEP, "") is None
    assert from_crm_value(STEP, "") is None
    with pytest.raises(
        InvalidValue, match=r"Account\.Relationship_Type__c has no picklist value 'Married'"
    ):
        to_crm_value(TYPE, "Married")
    with pytest.raises(InvalidValue, match=r"Account\.Relationship_Next_Step__c holds at most 10"):
        to_crm_value(STEP, "a" * 11)


def diff(new, pushed, crm, policy="skip"):
    """The plan for one record and field: new value, last pushed (... = never), CRM value."""
    last = {} if pushed is ... else {"001": {"F": pushed}}
    return plan_object("Account", {"001": {"F": new}}, [], last, {"001": {"F": crm}}, {"F": policy})


def test_the_three_way_diff():
    assert diff(5, 5, 9).unchanged == 1  # nothing changed in Rapport: a hand edit stays
    in_sync = diff(6, 5, 6)
    assert [(p.field, p.value) for p in in_sync.in_sync] == [("F", 6)]
    assert in_sync.changes == []
    first = diff(6, ..., None)
    assert [(c.send, c.first_write) for c in first.changes] == [({"F": 6}, True)]
    update = diff(6, 5, 5)
    assert [(c.send, c.before, c.first_write) for c in update.changes] == [
        ({"F": 6}, {"F": 5}, False)
    ]
    kept = diff(6, 5, 7)
    assert kept.changes == [] and kept.unchanged == 0
    assert [(c.last_pushed, c.crm_value, c.new_value) for c in kept.conflicts] == [(5, 7, 6)]
    overwritten = diff(6, 5, 7, policy="overwrite")
    assert [c.send for c in overwritten.changes] == [{"F": 6}]
    assert overwritten.conflicted_records == 1


def test_a_changed_record_the_crm_does_not_have_is_missing():
    plan = plan_object("Account", {"001": {"F": 1}}, [], {}, {}, {})

    assert plan.missing == ["001"] and plan.changes == []


def test_transport_follows_the_api_call_estimate():
    small = choose_transport(150)
    large = choose_transport(10_000)

    assert (small.transport, small.composite_calls) == ("composite", 1)
    assert (large.transport, large.composite_calls) == ("bulk", 50)
    assert large.bulk_calls <= 8
    assert choose_transport(150, threshold=100).transport == "bulk"
    assert choose_transport(1_000, batch_size=50).transport == "bulk"  # 20 composite calls
    assert "composite ≈ 50 API calls" in large.describe()


def test_current_values_are_read_by_id_or_by_scanning_whichever_is_fewer_calls():
    by_id = plan_read(100, 10_000, 300)  # 1 call vs 5 (REST scan) or 4 (Bulk query)
    assert not by_id.full_scan and not by_id.bulk
    scan = plan_read(3_000, 6_000, 300)  # 3 calls vs 10 by Id or 4 by Bulk query
    assert scan.full_scan and not scan.bulk
    for changed, size in ((10_000, 10_000), (1_500, 100_000)):  # 4 calls vs 5 / 34; vs 50 / 5
        bulk = plan_read(changed, size, 300)
        assert bulk.bulk and not bulk.full_scan
    assert not plan_read(3_000, 8_000, 300).bulk  # 4 calls either way: REST, no job to wait on


def test_bulk_csv_leaves_absent_fields_alone_and_nulls_with_na():
    csv_text = updates_to_csv(
        [
            RecordUpdate("Account", "001A", {"A__c": None, "B__c": True}),
            RecordUpdate("Account", "001B", {"A__c": 'say "hi", then go'}),
        ]
    )

    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows == [
        ["Id", "A__c", "B__c"],
        ["001A", "#N/A", "true"],
        ["001B", 'say "hi", then go', ""],
    ]
