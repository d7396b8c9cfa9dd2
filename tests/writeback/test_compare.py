"""The ledger comparison a column at a time (compare.py) decides as the row-by-row one does.

The reference is the row-by-row path, ``diff.desired_values`` then
``diff.changed_fields`` on the whole decoded ledger, which the vectorised one
replaced on the hot path: same changes (fields, values, record order), same
invalid records and messages, same count of valid records, on drawn marts
and ledgers full of the awkward cases.
"""

from __future__ import annotations

import functools
import random
from datetime import UTC, date, datetime

import pyarrow as pa
import pytest

from connectors.salesforce.api.ids import make_id
from connectors.salesforce.writeback import values as canonical
from connectors.salesforce.writeback.compare import compare_object, ids_to_18
from connectors.salesforce.writeback.crm_schema import CrmField
from connectors.salesforce.writeback.diff import changed_fields, desired_values
from connectors.salesforce.writeback.mapping import BoundField, BoundObject

FIELDS = (
    BoundField(
        "strength",
        CrmField("Account", "Strength__c", "double", True, precision=5, scale=2),
        "skip",
        None,
    ),
    BoundField("employees", CrmField("Account", "Employees__c", "int", True), "skip", None),
    BoundField(
        "trend",
        CrmField(
            "Account", "Trend__c", "picklist", True, 255, picklist_values=("Rising", "Falling")
        ),
        "overwrite",
        {"rising": "Rising", "falling": "Falling", "flat": "Flat"},  # Flat: not in the picklist
    ),
    BoundField("step", CrmField("Account", "Step__c", "string", True, length=10), "skip", None),
    BoundField("hostage", CrmField("Account", "Hostage__c", "boolean", True), "skip", None),
    BoundField("due", CrmField("Account", "Due__c", "date", True), "skip", None),
    BoundField("seen", CrmField("Account", "Seen__c", "datetime", True), "skip", None),
)
BOUND = BoundObject("Account", "account_relationship", "account_id", FIELDS, None)
TYPES = {
    "account_id": pa.string(),
    "strength": pa.float64(),
    "employees": pa.int64(),
    "trend": pa.string(),
    "step": pa.string(),
    "hostage": pa.bool_(),
    "due": pa.date32(),
    "seen": pa.timestamp("us", tz="UTC"),
}
CHOICES = {
    "strength": [None, 0.0, -0.0, -0.001, 12.345, 12.344999, 73.456, 73.46, 999.994, 1000.0, float("nan")],
    "employees": [None, 0, 1, 7, 250],
    "trend": [None, "rising", "falling", "flat", "sideways"],
    "step": [None, "", "Call", "Call back", "Call them back soon", "café ✓"],
    "hostage": [None, True, False],
    "due": [None, date(2026, 11, 23), date(2027, 1, 1)],
    "seen": [None, datetime(2026, 11, 30, 9, 0, tzinfo=UTC), datetime(2026, 11, 30, 9, 0, 0, 1500, tzinfo=UTC)],
}  # fmt: skip


def reference(table: pa.Table, ledger: pa.Table):
    """The row-by-row decision: (changes, invalid records, valid count)."""
    desired, invalid = desired_values(BOUND, table)
    pushed: dict = {}
    for row in ledger.to_pylist():
        pushed.setdefault(row["record_id"], {})[row["field"]] = canonical.load(
            row["last_pushed_value"]
        )
    return changed_fields(desired, pushed), invalid, len(desired)


def vectorised(table: pa.Table, ledger: pa.Table):
    comparison = compare_object(BOUND, table, ledger)
    return (
        changed_fields(comparison.desired, comparison.last_pushed),
        comparison.invalid,
        comparison.valid,
    )


def ledger_of(rows: list[tuple[str, str, str | None]]) -> pa.Table:
    names = ("record_id", "field", "last_pushed_value")
    return pa.table({n: pa.array([r[i] for r in rows], pa.string()) for i, n in enumerate(names)})


def mart(rows: list[dict]) -> pa.Table:
    return pa.table({name: pa.array([r[name] for r in rows], kind) for name, kind in TYPES.items()})


def draw(rng: random.Random, records: int, ids) -> tuple[pa.Table, pa.Table]:
    rows = [
        {"account_id": ids(n), **{name: rng.choice(values) for name, values in CHOICES.items()}}
        for n in range(records)
    ]
    table = mart(rows)
    # What was pushed: for most records what the row converts to now, or what an
    # earlier row did; sometimes a field never pushed, a text not canonical
    # (1 for 1.0), a stale null, or a field the mapping no longer has.
    ledger = []
    for row in rows:
        if rng.random() < 0.15:
            continue  # never pushed
        record_id = row["account_id"]
        for bound in FIELDS:
            roll = rng.random()
            value = row[bound.column] if roll < 0.7 else rng.choice(CHOICES[bound.column])
            try:
                text = canonical.dump(bound.convert(value))
            except Exception:
                continue  # never pushed: Rapport refused it then too
            if roll > 0.95:
                continue
            if roll > 0.9 and isinstance(bound.convert(value), float):
                text = (
                    canonical.dump(int(bound.convert(value)))
                    if bound.convert(value).is_integer()
                    else text
                )
            if 0.88 < roll <= 0.9:
                text = None  # SQL NULL: never written by Rapport, read as null all the same
            ledger.append((_to_18_or(record_id), bound.crm.name, text))
        if rng.random() < 0.05:
            ledger.append((_to_18_or(record_id), "Removed__c", '"old"'))
    return table, ledger_of(ledger)


@functools.cache
def _to_18_or(record_id: str) -> str:
    (value,) = ids_to_18(pa.array([record_id])).to_pylist()
    return value or record_id


def eighteen(n: int) -> str:
    return make_id("001", n)


def mixed_case(n: int) -> str:
    """15-character Ids, and 18-character ones with a lower-case suffix, among plain ones."""
    record_id = make_id("001", n).replace("5g", "5G") if n % 3 else make_id("001", n)
    return record_id[:15] if n % 4 == 1 else record_id[:15] + record_id[15:].lower()


@pytest.mark.parametrize("seed", range(12))
def test_drawn_marts_and_ledgers_decide_as_row_by_row(seed):
    rng = random.Random(seed)
    table, ledger = draw(rng, 300, eighteen if seed % 2 else mixed_case)
    assert vectorised(table, ledger) == reference(table, ledger)


@pytest.mark.parametrize("bad", ["not an id", None, "dup"])
def test_a_bad_or_repeated_id_is_reported_as_row_by_row(bad):
    table, ledger = draw(random.Random(99), 40, eighteen)
    rows = table.to_pylist()
    rows[7]["account_id"] = rows[3]["account_id"] if bad == "dup" else bad
    table = mart(rows)
    result = vectorised(table, ledger)
    assert result == reference(table, ledger)
    assert result[1], "the bad row is reported"


def test_null_against_a_value_and_rounding_to_the_field_scale():
    ids = [eighteen(n) for n in range(5)]
    base = {name: None for name in TYPES if name != "account_id"}
    table = mart(
        [
            {**base, "account_id": ids[0], "strength": None},  # pushed 12.3, now null
            {**base, "account_id": ids[1], "strength": 12.3},  # pushed null, now 12.3
            {**base, "account_id": ids[2], "strength": 73.456},  # pushed 73.46: same at scale 2
            {**base, "account_id": ids[3], "strength": 73.466},  # 73.47 now
            {**base, "account_id": ids[4], "employees": 1, "strength": -0.0},  # 1.0 and 0.0 pushed
        ]
    )
    pushed = [(i, f.crm.name, "null") for i in ids for f in FIELDS]
    ledger = ledger_of(
        [p for p in pushed if not (p[1] in ("Strength__c", "Employees__c") and p[0] != ids[1])]
        + [
            (ids[0], "Strength__c", "12.3"),
            (ids[2], "Strength__c", "73.46"),
            (ids[3], "Strength__c", "73.46"),
            (ids[4], "Strength__c", "0.0"),
            (ids[4], "Employees__c", "1.0"),
        ]
        + [(i, "Employees__c", "null") for i in ids[:4]]
    )

    changes, invalid, valid = vectorised(table, ledger)

    assert changes == {
        ids[0]: {"Strength__c": None},
        ids[1]: {"Strength__c": 12.3},
        ids[3]: {"Strength__c": 73.47},
    }
    assert (invalid, valid) == ([], 5)
    assert (changes, invalid, valid) == reference(table, ledger)


def test_nothing_changed_leaves_nothing_for_python():
    table, _ = draw(random.Random(5), 200, eighteen)
    desired, invalid = desired_values(BOUND, table)
    ledger = ledger_of(
        [
            (r, name, canonical.dump(v))
            for r, values in desired.items()
            for name, v in values.items()
        ]
    )
    comparison = compare_object(BOUND, table, ledger)
    assert comparison.desired == {} and comparison.last_pushed == {}
    assert comparison.valid == len(desired) and comparison.invalid == invalid
    assert invalid, "the draw holds invalid values (Flat, sideways, too long, 1000.0)"


def test_ids_to_18_matches_the_scalar_one():
    from connectors.salesforce.api.ids import InvalidSalesforceId, to_18

    samples = [mixed_case(n) for n in range(50)] + [
        "001",
        "001ABCdefGHIjkl",
        "x" * 18,
        "",
        "001ABCdefGHIjk!",
    ]
    expected = []
    for value in samples:
        try:
            expected.append(to_18(value))
        except InvalidSalesforceId:
            expected.append(None)
    assert ids_to_18(pa.array(samples)).to_pylist() == expected
    assert ids_to_18(pa.array([None], pa.string())).to_pylist() == [None]


def test_empty_mart():
    table = mart([])
    assert vectorised(table, ledger_of([])) == ({}, [], 0)
