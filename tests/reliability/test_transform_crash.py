"""SIGKILL the dbt build and the quality gates, and check BI users never see a half-built mart.

The warehouse holds the marts of yesterday's run (the old version) and
today's raw tables: updates, deletes and late Tasks for the incremental
fct_touchpoints, a new snapshot date for relationship_history. A complete
build gives the new version. Each trial kills a build in a child process at
a seeded point: a SQL statement dbt sends (any of them; or a table swap's
rename, or the incremental delete, the narrowest windows), or a timer within
the measured build time. Right after the kill every mart must equal its old
version or its new one, row for row, never be missing or partial; a rerun
must then leave exactly the new marts and no leftover temporary relation.

The gates only read the marts and append their results in one transaction:
killed at any point, the marts are untouched, the killed run's results are
all there or not at all, and the next run's gates pass and record in full.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.factories.dbt import mart_tables, run_dbt, write_raw_tables
from tests.factories.gates import Warehouse
from tests.factories.gates import settings_for as gate_settings
from tests.factories.orgs import AS_OF, generated_store
from tests.reliability.crash import Kill, Tally, choose_point, run_and_kill

pytestmark = pytest.mark.slow

LATER = (dt.date.fromisoformat(AS_OF) + dt.timedelta(days=1)).isoformat()
STATEMENT = "dbt.adapters.duckdb.connections:DuckDBConnectionManager.add_query"
TRANSFORM_SEEDS = [5, 12]
# The narrowest windows, hit on purpose: between a mart's two renames (the
# old table moved aside, the new one not yet in its place), after both but
# before the commit, and around the incremental model's post-hook delete.
TARGETED = {
    "between-renames": Kill(
        hook=STATEMENT, call=1, when="after", match='"account_relationship" rename to'
    ),
    "renamed-not-committed": Kill(
        hook=STATEMENT, call=1, when="after", match='"contact_relationship__dbt_tmp" rename to'
    ),
    "merged-before-post-hook": Kill(
        hook=STATEMENT, call=1, when="before", match="touchpoint_id not in"
    ),
    "post-hook-not-committed": Kill(
        hook=STATEMENT, call=1, when="after", match="touchpoint_id not in"
    ),
}
GATE_SEEDS = [6, 17, 28, 39, 42, 61]
# Kill points and how many calls a gate run makes: 13 raw suites (the catalog),
# 2 mart suites, 3 audit tables written in one transaction.
GATE_HOOKS = {
    "expectations.runner:check_raw_table": 13,
    "expectations.runner:check_mart": 2,
    "rapport.warehouse.duckdb_sql:DuckDbSql._write": 3,
}


def _stamp_later(value: Any, days: int) -> Any:
    if isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return (parsed + dt.timedelta(days=days)).isoformat()
    return value + dt.timedelta(days=days)


def todays_changes(records: dict[str, list[dict]]) -> None:
    """A day of changes: calls that became meetings, deleted and late-arriving Tasks."""
    tasks = records["Task"]
    stamp = _stamp_later(max(t["SystemModstamp"] for t in tasks), 1)
    for task in tasks[0:30:3]:
        task["Type"] = "Meeting"
        task["SystemModstamp"] = task["LastModifiedDate"] = stamp
    for task in tasks[1:30:3]:
        task["IsDeleted"] = True
        task["SystemModstamp"] = task["LastModifiedDate"] = stamp
    for n, task in enumerate(tasks[2:30:3]):
        late = {**copy.deepcopy(task), "Id": f"00TLATE{n:011d}", "CreatedDate": stamp}
        late["SystemModstamp"] = late["LastModifiedDate"] = stamp
        tasks.append(late)


def checkpoint(path: Path) -> None:
    with duckdb.connect(str(path)) as connection:  # a copy of the file gets what the WAL holds
        connection.execute("checkpoint")


def copy_warehouse(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "rapport.duckdb"  # the catalog is named after the file
    shutil.copyfile(source, target)
    return target


@dataclass(frozen=True)
class Versions:
    start: Path  # today's raw tables, yesterday's marts
    built: Path  # the same after a complete build
    old: dict[str, list[tuple]]
    new: dict[str, list[tuple]]
    target: Path  # a dbt target folder holding a parse to reuse
    statements: int  # SQL statements a complete build sends
    seconds: float  # how long a complete build takes here


class StatementCounter:
    """Counts the SQL statements dbt sends in this process while it is in use."""

    def __init__(self) -> None:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        self.owner = DuckDBConnectionManager
        self.count = 0

    def __enter__(self) -> StatementCounter:
        original = self.owner.add_query

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return original(*args, **kwargs)

        self.owner.add_query = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        del self.owner.add_query  # back to the inherited method


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> Versions:
    root = tmp_path_factory.mktemp("transform-crash")
    store, _ = generated_store(accounts=30, seed=5)
    records = {
        name: store.query(
            f"SELECT {', '.join(f.name for f in spec.fields.values() if not f.is_compound)} "
            f"FROM {name}"
        ).records()
        for name, spec in store.objects.items()
    }
    base = root / "base" / "rapport.duckdb"
    base.parent.mkdir()
    target = root / "dbt-target"
    write_raw_tables(base, records)
    run_dbt(base, target, {"as_of_date": AS_OF}, "build --full-refresh")
    old = mart_tables(base)
    todays_changes(records)
    write_raw_tables(base, records)
    checkpoint(base)

    built = copy_warehouse(base, root / "built")
    began = time.monotonic()
    with StatementCounter() as counter:
        run_dbt(built, target, {"as_of_date": LATER})
    seconds = time.monotonic() - began
    new = mart_tables(built)
    checkpoint(built)
    assert set(old) == set(new) and old != new, "the two versions must differ to tell them apart"
    return Versions(base, built, old, new, target, counter.count, seconds)


def dbt_child(warehouse: str, target: str) -> None:
    """The child's whole job: today's ``dbt build``, as the transform flow runs it."""
    run_dbt(Path(warehouse), Path(target), {"as_of_date": LATER})


def half_built(found: dict[str, list[tuple]], versions: Versions) -> list[str]:
    """The marts that are neither their old nor their new complete version.

    dbt drops a swapped-out table (``<mart>__dbt_backup``) after the commit: a
    kill in between leaves it beside the whole marts until the rerun drops it
    (the rerun's marts are compared as a whole, so it must be gone by then).
    """
    problems = [f"{name} is missing" for name in versions.old if name not in found]
    for name, rows in found.items():
        if name.endswith("__dbt_backup"):
            continue
        if name not in versions.old:
            problems.append(f"{name} should not be in the marts schema")
        elif rows not in (versions.old[name], versions.new[name]):
            problems.append(
                f"{name} has {len(rows)} rows, neither the old version ({len(versions.old[name])})"
                f" nor the new ({len(versions.new[name])})"
            )
    return problems


def _count(tally: Tally, killed: bool) -> None:
    tally.run += 1
    tally.killed += killed


@pytest.fixture(scope="module")
def transform_tally() -> Iterator[Tally]:
    found = Tally("dbt build")
    yield found
    print(f"\n{found.line()}")


@pytest.fixture(scope="module")
def gate_tally() -> Iterator[Tally]:
    found = Tally("gates")
    yield found
    print(f"\n{found.line()}")


KILLS = [*(f"seed-{seed}" for seed in TRANSFORM_SEEDS), *TARGETED]


@pytest.mark.parametrize("point", KILLS)
def test_a_killed_build_leaves_every_mart_whole(versions, tmp_path, point, transform_tally):
    if point.startswith("seed-"):
        kill = choose_point(int(point[5:]), {STATEMENT: versions.statements}, versions.seconds)
    else:
        kill = TARGETED[point]
    warehouse = copy_warehouse(versions.start, tmp_path / "warehouse")
    target = tmp_path / "dbt-target"
    shutil.copytree(versions.target, target)  # the parse is reused, as on a server

    outcome = run_and_kill(dbt_child, (str(warehouse), str(target)), kill, tmp_path, timeout=300)
    _count(transform_tally, outcome.killed)
    after_kill = mart_tables(warehouse)
    assert not half_built(after_kill, versions), (
        f"{kill.describe()}: {half_built(after_kill, versions)}"
    )

    run_dbt(warehouse, target, {"as_of_date": LATER})  # the rerun
    assert mart_tables(warehouse) == versions.new, f"{kill.describe()}: the rerun's marts differ"
    transform_tally.survived += 1


def test_the_check_tells_a_partial_mart_from_a_whole_one(versions):
    """A mart missing, one holding part of its rows, and one mixing versions are all reported."""
    found = copy.deepcopy(versions.new)
    assert half_built(found, versions) == []
    assert half_built(versions.old, versions) == []
    del found["account_relationship"]
    found["fct_touchpoints"] = versions.new["fct_touchpoints"][:-1]
    found["relationship_history"] = sorted(
        {*versions.old["relationship_history"], *versions.new["relationship_history"][:3]},
        key=repr,
    )
    problems = half_built(found, versions)
    assert any("account_relationship is missing" in p for p in problems)
    assert any(p.startswith("fct_touchpoints") for p in problems)
    assert any(p.startswith("relationship_history") for p in problems)


def gates_child(warehouse: str, state_dir: str, run_id: str) -> None:
    """The child's whole job: today's gates, as the validate flow runs them."""
    from expectations.runner import run_gates

    run_gates(gate_settings(Warehouse(Path(warehouse)), Path(state_dir)), run_id=run_id)


def audit_rows(path: Path) -> dict[str, dict[str, int]]:
    """Rows per run in each audit table (absent tables count as empty)."""
    found: dict[str, dict[str, int]] = {}
    with duckdb.connect(str(path)) as connection:
        for table in ("validation_results", "raw_row_counts", "type_distribution"):
            exists = connection.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'rapport_audit' and table_name = ?",
                [table],
            ).fetchone()[0]
            rows = (
                connection.execute(
                    f"select run_id, count(*) from rapport.rapport_audit.{table} group by run_id"
                ).fetchall()
                if exists
                else []
            )
            found[table] = dict(rows)
    return found


_COMPLETE_GATES: list[tuple[float, dict[str, dict[str, int]]]] = []


def complete_gates(versions: Versions, folder: Path) -> tuple[float, dict[str, dict[str, int]]]:
    """How long the gates take on the new marts, and what one complete run records."""
    from expectations.runner import run_gates

    if not _COMPLETE_GATES:
        warehouse = copy_warehouse(versions.built, folder)
        began = time.monotonic()
        run_gates(gate_settings(Warehouse(warehouse), folder / "state"), run_id="complete")
        _COMPLETE_GATES.append((time.monotonic() - began, audit_rows(warehouse)))
    return _COMPLETE_GATES[0]


@pytest.mark.parametrize("seed", GATE_SEEDS)
def test_killed_gates_leave_the_marts_and_a_whole_audit(versions, tmp_path, seed, gate_tally):
    from expectations.runner import run_gates

    seconds, complete = complete_gates(versions, tmp_path / "reference")
    recorded = {table: runs["complete"] for table, runs in complete.items() if runs}
    kill = choose_point(seed, GATE_HOOKS, seconds)
    warehouse = copy_warehouse(versions.built, tmp_path / "warehouse")
    state_dir = tmp_path / "state"
    killed_run = uuid.uuid4().hex

    outcome = run_and_kill(
        gates_child, (str(warehouse), str(state_dir), killed_run), kill, tmp_path, timeout=300
    )
    _count(gate_tally, outcome.killed)
    story = f"seed {seed} ({kill.describe()})"
    assert mart_tables(warehouse) == versions.new, f"{story}: the gates changed the marts"
    after_kill = audit_rows(warehouse)
    left = {table: runs.get(killed_run, 0) for table, runs in after_kill.items()}
    assert left in ({t: 0 for t in left}, {t: recorded.get(t, 0) for t in left}), (
        f"{story}: the killed run left part of its results: {left}, a whole run has {recorded}"
    )

    report = run_gates(gate_settings(Warehouse(warehouse), state_dir), run_id="rerun")
    assert report.passed, f"{story}: {[r for r in report.results if not r.success]}"
    rerun = {table: runs.get("rerun", 0) for table, runs in audit_rows(warehouse).items()}
    assert rerun == {t: recorded.get(t, 0) for t in rerun}, story
    gate_tally.survived += 1
