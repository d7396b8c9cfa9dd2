"""Incremental builds must leave exactly the marts a full refresh would.

The incremental models (int_touchpoints, fct_touchpoints, relationship_history)
keep rows between runs; a run after updates, deletes, late-arriving activities
and a contract passing its end date must not leave a stale, doubled or missing
row. The reference is the same warehouse rebuilt with ``--full-refresh``
(relationship_history opts out of it, so history is compared too).

Two sequences: a day later (a new ``as_of_date``), and an hourly run on the same
day, where int_touchpoints re-derives only what changed: one account's Contact,
a deleted Account, a case moved to another account (its emails' account comes
from it, their own stamps unchanged), a Task that lost its account, a Task
committed late with a stamp just under the newest one, a Task deleted and one
gone from the raw table.
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


def _later(value, days: float):
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


def _delete_account(records: dict[str, list[dict]], account_id: str, stamp) -> None:
    """Delete an Account as Salesforce does: with every record under it (contacts,
    deals, cases, activities, ...), each delivered by queryAll as deleted."""
    deleted = {account_id}
    for _ in range(3):  # account -> its records -> theirs (a case's emails, a deal's roles)
        for name, rows in records.items():
            if name == "User":
                continue
            for row in rows:
                if row["Id"] not in deleted and any(
                    isinstance(v, str) and v in deleted
                    for k, v in row.items()
                    if k not in ("Id", "OwnerId")
                ):
                    deleted.add(row["Id"])
    for rows in records.values():
        for row in rows:
            if row["Id"] in deleted:
                row["IsDeleted"] = True
                _bump(row, stamp)


def _hourly_changes(records: dict[str, list[dict]]) -> dict[str, str]:
    """One change of each kind an hourly run meets; returns the Ids it touched, by kind."""
    tasks, cases, emails = records["Task"], records["Case"], records["EmailMessage"]
    newest = max(t["SystemModstamp"] for t in tasks)
    # The newest stamp int_touchpoints holds for Task (a live task with an account).
    newest_held = max(
        t["SystemModstamp"] for t in tasks if t.get("AccountId") and not t.get("IsDeleted")
    )
    stamp = _later(newest, 1 / 24)
    contact = records["Contact"][0]  # one account's Contact only
    contact["Title"] = "Chief Executive Officer"
    _bump(contact, stamp)
    # A case moves to another account: its emails follow, their own stamps unchanged.
    by_id = {c["Id"]: c for c in cases}
    email = next(
        e
        for e in emails
        if by_id.get(e.get("ParentId"), {}).get("AccountId")
        not in (None, records["Account"][1]["Id"])
    )
    case = by_id[email["ParentId"]]
    case["AccountId"] = next(
        a["Id"] for a in records["Account"][2:] if a["Id"] != case["AccountId"]
    )
    _bump(case, stamp)
    deleted_account = records["Account"][1]["Id"]
    _delete_account(records, deleted_account, stamp)
    orphan = tasks[5]  # loses its account
    orphan["AccountId"] = None
    _bump(orphan, stamp)
    deleted = tasks[6]
    deleted["IsDeleted"] = True
    _bump(deleted, stamp)
    gone = tasks.pop(7)  # hard-deleted from the raw table
    late = copy.deepcopy(
        next(t for t in tasks[8:] if t.get("AccountId") and not t.get("IsDeleted"))
    )
    late["Id"] = "00TLATEHOUR0000001"
    # Committed late, stamped a minute before the newest the last build saw:
    # only the late-arriving window brings it in.
    _bump(late, _later(newest_held, -60 / 86400))
    tasks.append(late)
    return {
        "moved case": case["Id"],
        "email": email["Id"],
        "orphan": orphan["Id"],
        "deleted": deleted["Id"],
        "gone": gone["Id"],
        "late": late["Id"],
        "deleted account": deleted_account,
    }


def _touchpoints(path) -> dict[str, tuple]:
    with duckdb.connect(str(path)) as connection:
        rows = connection.execute(
            "select * from rapport.rapport_intermediate.int_touchpoints"
        ).fetchall()
    return {row[0]: row for row in rows}


def test_an_hourly_run_equals_a_full_refresh(tmp_path, generated_records, dbt_build):
    records = copy.deepcopy(generated_records[0])
    warehouse = tmp_path / "incremental" / "rapport.duckdb"
    warehouse.parent.mkdir()
    write_raw_tables(warehouse, records)
    dbt_build(warehouse, command="build --full-refresh")
    before = _touchpoints(warehouse)

    touched = _hourly_changes(records)
    write_raw_tables(warehouse, records)
    dbt_build(warehouse)  # the same as_of_date: an hourly run

    reference = tmp_path / "reference" / "rapport.duckdb"
    reference.parent.mkdir()
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("checkpoint")
    shutil.copyfile(warehouse, reference)
    dbt_build(reference, command="build --full-refresh")

    after, full = _touchpoints(warehouse), _touchpoints(reference)
    # Each change reached the touchpoints (so the comparison below tests its path).
    assert touched["email"] in before and touched["email"] in after
    assert after[touched["email"]][2] != before[touched["email"]][2], (
        "the email kept its old account"
    )
    assert touched["orphan"] in before and touched["orphan"] not in after
    assert touched["deleted"] in before and touched["deleted"] not in after
    assert touched["gone"] in before and touched["gone"] not in after
    assert touched["late"] not in before and touched["late"] in after
    assert after == full, "int_touchpoints differs from a full refresh after an hourly run"

    incremental, rebuilt = mart_tables(warehouse), mart_tables(reference)
    assert set(incremental) == set(rebuilt)
    accounts = {row[0] for row in incremental["account_relationship"]}
    assert touched["deleted account"] not in accounts
    for table in sorted(rebuilt):
        assert incremental[table] == rebuilt[table], f"{table} differs after an hourly run"
