"""Incremental builds must leave exactly the marts a full refresh would.

The incremental models (fct_touchpoints, relationship_history) keep rows
between runs; a run after updates, deletes, late-arriving activities and a
contract passing its end date must not leave a stale, doubled or missing row.
The reference is the same warehouse rebuilt with ``--full-refresh``
(relationship_history opts out of it, so history is compared too).
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil

import duckdb
import pytest

from tests.factories.dbt import mart_tables, write_raw_tables
from tests.factories.orgs import AS_OF

pytestmark = pytest.mark.slow

LATER = (dt.date.fromisoformat(AS_OF) + dt.timedelta(days=7)).isoformat()


def _bump(record: dict, stamp) -> None:
    record["SystemModstamp"] = stamp
    record["LastModifiedDate"] = stamp


def _later(value, days: int):
    """``value`` (a timestamp as the store returns it) ``days`` later, in its own type."""
    if isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return (parsed + dt.timedelta(days=days)).isoformat()
    return value + dt.timedelta(days=days)


def _change(records: dict[str, list[dict]]) -> None:
    """Updates, deletes and late-arriving Tasks, each stamped after the first build."""
    tasks = records["Task"]
    newest = max(t["SystemModstamp"] for t in tasks)
    stamp = _later(newest, 1)
    for task in tasks[0:40:4]:  # updates: a call becomes a meeting
        task["Type"] = "Meeting"
        _bump(task, stamp)
    for task in tasks[1:40:4]:  # deletes, as queryAll delivers them
        task["IsDeleted"] = True
        _bump(task, stamp)
    late = []
    for n, task in enumerate(tasks[2:40:4]):  # late arrivals, dated weeks back
        row = copy.deepcopy(task)
        row["Id"] = f"00TLATE{n:011d}"
        row["ActivityDate"] = (dt.date.fromisoformat(AS_OF) - dt.timedelta(days=30)).isoformat()
        row["CreatedDate"] = stamp
        _bump(row, stamp)
        late.append(row)
    tasks.extend(late)


def _expire_a_contract(records: dict[str, list[dict]]) -> None:
    """A contract live at AS_OF that ends before LATER, with no record change between."""
    ending = (dt.date.fromisoformat(AS_OF) + dt.timedelta(days=3)).isoformat()
    for contract in records["Contract"][:3]:
        contract["EndDate"] = ending


def test_incremental_marts_equal_a_full_refresh(tmp_path, generated_records, dbt_build):
    records = copy.deepcopy(generated_records[0])
    _expire_a_contract(records)
    warehouse = tmp_path / "incremental" / "rapport.duckdb"
    warehouse.parent.mkdir()
    write_raw_tables(warehouse, records)
    dbt_build(warehouse, command="build --full-refresh")

    _change(records)
    write_raw_tables(warehouse, records)
    dbt_build(warehouse, vars={"as_of_date": LATER})

    reference = tmp_path / "reference" / "rapport.duckdb"
    reference.parent.mkdir()
    with duckdb.connect(str(warehouse)) as connection:  # the copy gets what the WAL holds
        connection.execute("checkpoint")
    shutil.copyfile(warehouse, reference)
    dbt_build(reference, vars={"as_of_date": LATER}, command="build --full-refresh")

    incremental, full = mart_tables(warehouse), mart_tables(reference)
    assert set(incremental) == set(full)
    assert "fct_touchpoints" in incremental and "relationship_history" in incremental
    for table in sorted(full):
        assert incremental[table] == full[table], f"{table} differs after the incremental build"
