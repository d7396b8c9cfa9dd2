"""Rows re-read in the overlap window that the warehouse holds unchanged are not loaded again."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from connectors.salesforce.extract.known_rows import drop_unchanged
from tests.factories import account_id
from tests.factories.connector import connector_store

STAMP = datetime(2026, 11, 30, 10, 0, 0, 123000, tzinfo=UTC)
SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("name", pa.string()),
        ("annual_revenue", pa.float64()),
        ("system_modstamp", pa.timestamp("us", tz="UTC")),
        ("_rapport_deleted_seen_at", pa.timestamp("us", tz="UTC")),
    ]
)


def rows(*records: tuple) -> pa.Table:
    return pa.Table.from_pylist(
        [dict(zip(SCHEMA.names, (*r, None), strict=True)) for r in records], schema=SCHEMA
    )


def test_only_rows_equal_in_every_column_are_dropped():
    stored = rows(
        ("A", "Same", 1.5, STAMP),
        ("B", "Before", 1.5, STAMP),  # changed in a transaction that started the same millisecond
        ("C", None, None, STAMP),
        ("D", "Was named", None, STAMP),
    )
    incoming = rows(
        ("A", "Same", 1.5, STAMP),
        ("B", "After", 1.5, STAMP),
        ("C", None, None, STAMP),  # null equals null
        ("D", None, None, STAMP),  # a value now null
        ("E", "New", 2.0, STAMP),  # not in the warehouse
    )
    kept = drop_unchanged(incoming, stored)
    assert kept["id"].to_pylist() == ["B", "D", "E"]
    assert kept.schema == incoming.schema


def test_the_loaders_bookkeeping_is_not_compared():
    stored = rows(("A", "Gone", 1.0, STAMP)).set_column(
        4, "_rapport_deleted_seen_at", pa.array([STAMP], SCHEMA.field(4).type)
    )
    incoming = rows(("A", "Gone", 1.0, STAMP)).set_column(
        4, "_rapport_deleted_seen_at", pa.array([datetime.now(UTC)], SCHEMA.field(4).type)
    )
    assert drop_unchanged(incoming, stored).num_rows == 0  # first seen deleted: kept as it was


def test_what_cannot_be_compared_is_kept():
    incoming = rows(("A", "Same", float("nan"), STAMP), ("B", "Same", 1.0, STAMP))
    stored = rows(("A", "Same", float("nan"), STAMP), ("B", "Same", 1.0, STAMP))
    assert drop_unchanged(incoming, stored)["id"].to_pylist() == ["A"]  # NaN is never equal
    assert drop_unchanged(incoming, stored.drop_columns(["name"])).num_rows == 2  # no such column
    text_stamps = stored.set_column(3, "system_modstamp", pa.array(["soon", "later"]))
    assert drop_unchanged(incoming, text_stamps).num_rows == 2  # types that do not cast
    assert drop_unchanged(incoming, None).num_rows == 2


@pytest.mark.parametrize("transport", {"rest": 1_000_000, "bulk": 0}.items(), ids=["rest", "bulk"])
def test_a_change_read_again_in_the_window_is_loaded_once(extraction, transport):
    run = extraction(connector_store(accounts=30))
    run.configure(bulk_threshold_rows=transport[1])
    run.run(objects=["Account"])
    run.org.store.update("Account", account_id(7), {"Name": "Renamed"})

    second = run.run(objects=["Account"])
    run.org.request_log.clear()
    third = run.run(objects=["Account"])  # reads account 7 again: inside the window

    assert second.rows_per_table == {"account": 1}
    assert third.rows_per_table.get("account", 0) == 0
    assert third.unchanged_rows == {"Account": 1}  # read again, not loaded
    assert second.unchanged_rows.get("Account", 0) == 0
    run.assert_raw_equals_org("Account")
    assert run.raw("Account")[account_id(7)]["name"] == "Renamed"
