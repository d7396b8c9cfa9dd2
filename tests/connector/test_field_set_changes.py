"""A field that disappears between two runs, and one that appears.

An admin deletes a custom field, or field-level security hides it from the
integration user: run 1 read it, run 2's describe lacks it. The run must
finish with a warning that names the field, and the raw table must not mix
old values (unchanged rows) with nulls (changed rows): the object is read
whole, the column stays and is null on every row (the models read null as
no evidence). A field that appears (a new one, or one whose field-level
security is granted back) likewise makes the next read whole.
"""

from __future__ import annotations

import logging

import pytest

from connectors.salesforce.extract.field_set import (
    field_set_changed,
    remember_fields,
    vanished_fields,
)
from connectors.salesforce.extract.fields import ExtractField
from local_org.schema import FieldSpec
from tests.factories import account_id
from tests.factories.connector import connector_store

TRANSPORTS = {"rest": 1_000_000, "bulk": 0}  # bulk_threshold_rows forcing each transport
WALLET, WALLET_COLUMN = "Estimated_Annual_Wallet__c", "estimated_annual_wallet_c"
OBJECTS = ["Account", "User"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_field_that_disappears_is_nulled_on_every_row_with_a_warning(
    extraction, transport, caplog
):
    store = connector_store(12)
    run = extraction(store)
    run.configure(bulk_threshold_rows=TRANSPORTS[transport])
    first = run.run(objects=OBJECTS)
    assert first.vanished_fields == []
    live = [row for row in run.raw("Account").values() if not row["is_deleted"]]
    assert all(row[WALLET_COLUMN] is not None for row in live)
    # One record changes after run 1: an incremental read would null only it.
    store.update("Account", account_id(2), {"Name": "Renamed after run 1"})
    store.remove_field("Account", WALLET)

    with caplog.at_level(logging.WARNING):
        second = run.run(objects=OBJECTS)

    assert second.vanished_fields == [f"Account.{WALLET}"]
    assert second.transports["Account"] == transport
    assert f"Account.{WALLET} no longer in the org's describe" in caplog.text
    raw = run.raw("Account")
    assert raw[account_id(2)]["name"] == "Renamed after run 1"
    # Kept as a column, null on every row, changed or not.
    assert [row[WALLET_COLUMN] for row in raw.values()] == [None] * len(raw)
    # Every other column equals the org.
    org = run.in_org("Account")
    assert {i: {k: v for k, v in r.items() if k != WALLET_COLUMN} for i, r in raw.items()} == org

    caplog.clear()
    third = run.run(objects=OBJECTS)  # nothing changed: incremental again, no warning
    assert third.vanished_fields == []
    assert "no longer in the org's describe" not in caplog.text
    assert third.rows_per_table.get("account", 0) < len(raw)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_field_that_appears_is_read_on_every_row(extraction, transport):
    """A field granted back by field-level security already holds values on rows
    whose SystemModstamp did not move: only a whole read brings them in."""
    store = connector_store(12)
    run = extraction(store)
    run.configure(bulk_threshold_rows=TRANSPORTS[transport])
    run.run(objects=OBJECTS)
    store.add_field("Account", FieldSpec("Tier__c", "string", "Tier", 40, custom=True))
    store.update("Account", account_id(2), {"Tier__c": "Gold"})

    second = run.run(objects=OBJECTS)

    raw = run.raw("Account")
    assert second.rows_per_table["account"] == len(raw)  # whole, not just the one change
    assert {i: r["tier_c"] for i, r in raw.items() if r["tier_c"]} == {account_id(2): "Gold"}
    assert raw == run.in_org("Account")
    third = run.run(objects=OBJECTS)  # the new set is remembered: incremental again
    assert third.rows_per_table.get("account", 0) < len(raw)


def fields(*names: str) -> list[ExtractField]:
    return [ExtractField(name, "string") for name in names]


def test_the_field_set_is_compared_case_insensitively_and_only_after_a_first_read():
    state: dict = {}
    assert not field_set_changed(state, fields("Id", "Name"))  # nothing read yet
    assert vanished_fields(state, fields("Id")) == []
    remember_fields(state, fields("Id", "Name", "Wallet__c"))
    assert not field_set_changed(state, fields("ID", "name", "WALLET__C"))
    assert field_set_changed(state, fields("Id", "Name"))
    assert vanished_fields(state, fields("Id", "Name")) == ["Wallet__c"]
    assert field_set_changed(state, fields("Id", "Name", "Wallet__c", "Tier__c"))
    assert vanished_fields(state, fields("Id", "Name", "Wallet__c", "Tier__c")) == []
