"""A run whose inputs did not change keeps the marts; any change to them rebuilds.

The transform and validate flows run as in production (Prefect, dbt
in-process, the gates) on raw tables written straight to DuckDB. What a
build reads is its fingerprint (rapport/build_fingerprint.py): raw rows,
the dbt project, the vars and as_of_date, the gates' settings. The second run
with the same inputs must skip dbt and the gates and leave every mart as it
was; a changed record, var, date or a full refresh must build; and a build or
gate that fails must record nothing, so the next run builds again.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from expectations.gate import GateFailed
from flows import transform as transform_module
from flows.transform import DbtBuildFailed, transform
from flows.validate import validate
from rapport.build_fingerprint import TABLE, fingerprint, kept_build, unit_tests_due
from rapport.config import load_settings
from rapport.warehouse import DBT_PROJECT_DIR
from tests.factories.dbt import NAMING, mart_tables, run_dbt, write_raw_tables
from tests.factories.orgs import AS_OF

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

UNIT_TESTS_OFF = "--exclude-resource-type unit_test"
NEXT_DAY = (dt.date.fromisoformat(AS_OF) + dt.timedelta(days=1)).isoformat()


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, generated_records) -> Path:
    """Raw tables of the generated org, and Rapport pointed at them through the environment."""
    path = tmp_path / "warehouse" / "rapport.duckdb"
    path.parent.mkdir()
    write_raw_tables(path, copy.deepcopy(generated_records[0]))
    for key, value in {
        "RAPPORT_CONFIG": str(tmp_path / "absent.yml"),
        "RAPPORT_WAREHOUSE__PATH": str(path),
        "RAPPORT_STATE_DIR": str(tmp_path / "state"),
        "RAPPORT_AS_OF_DATE": AS_OF,
        "RAPPORT_GATES__DESCRIBE": "off",
        "RAPPORT_GATES__DATA_DOCS": "false",
    }.items():
        monkeypatch.setenv(key, value)
    return path


@pytest.fixture
def dbt_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The arguments of every dbt invocation the transform flow makes."""
    calls: list[list[str]] = []
    real = transform_module.run_dbt

    def counted(args, *rest, **kwargs):
        calls.append(list(args))
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(transform_module, "run_dbt", counted)
    return calls


def run(full_refresh: bool = False):
    """transform then validate, as the parent flow chains them."""
    build = transform(full_refresh=full_refresh)
    validate(build=build)
    return build


def execute(path: Path, sql: str) -> None:
    with duckdb.connect(str(path)) as connection:
        connection.execute(sql)


def gate_runs(path: Path) -> int:
    with duckdb.connect(str(path)) as connection:
        return connection.sql(
            "select count(distinct run_id) from rapport_audit.validation_results"
        ).fetchone()[0]


def recorded_builds(path: Path) -> int:
    with duckdb.connect(str(path)) as connection:
        exists = connection.sql(
            f"select count(*) from information_schema.tables where table_name = '{TABLE}'"
        ).fetchone()[0]
        if not exists:
            return 0
        return connection.sql(
            f"select count(*) from rapport_audit.{TABLE} where digest is not null"
        ).fetchone()[0]


def test_no_change_keeps_the_marts_and_any_change_rebuilds(warehouse, dbt_calls, monkeypatch):
    first = run()
    assert first.kept is None and len(dbt_calls) == 1
    marts, gates = mart_tables(warehouse), gate_runs(warehouse)
    assert recorded_builds(warehouse) == 1

    second = run()
    assert second.kept is not None, "same raw rows, project, vars and date: nothing to build"
    assert "marts kept" in second.kept.describe()
    assert len(dbt_calls) == 1, "dbt must not run"
    assert gate_runs(warehouse) == gates, "the gates must not run"
    assert mart_tables(warehouse) == marts

    # One record updated, as the next extraction would merge it.
    title = NAMING.normalize_identifier("Title")
    execute(
        warehouse,
        f"update salesforce.contact set {title} = 'Chief Rapport Officer' where id = (select min(id) from salesforce.contact)",
    )
    assert run().kept is None and len(dbt_calls) == 2
    assert run().kept is not None and len(dbt_calls) == 2
    # The first build ran the unit tests; the same project needs them no more.
    assert UNIT_TESTS_OFF not in " ".join(dbt_calls[0])
    assert UNIT_TESTS_OFF in " ".join(dbt_calls[1])

    monkeypatch.setenv("RAPPORT_AS_OF_DATE", NEXT_DAY)
    assert run().kept is None and len(dbt_calls) == 3
    assert run().kept is not None and len(dbt_calls) == 3

    assert run(full_refresh=True).kept is None
    assert len(dbt_calls) == 4 and "--full-refresh" in dbt_calls[-1]
    assert UNIT_TESTS_OFF not in " ".join(dbt_calls[-1])


def test_write_back_echo_is_no_change_and_changes_no_mart(warehouse, dbt_calls, tmp_path):
    """Write-back's own fields and the stamps its writes move come back on the next
    extraction; no model reads them, so they neither rebuild nor change a mart."""
    run()
    marts = mart_tables(warehouse)
    with duckdb.connect(str(warehouse)) as connection:
        for table, field, kind, value in (
            ("account", "Relationship_Strength__c", "double", "42"),
            ("contact", "Buying_Influence__c", "varchar", "'High'"),
        ):
            column = NAMING.normalize_identifier(field)
            connection.execute(
                f"alter table salesforce.{table} add column if not exists {column} {kind}"
            )
            connection.execute(
                f"update salesforce.{table} set {column} = {value}, "
                "system_modstamp = current_timestamp, last_modified_date = current_timestamp"
            )
    assert run().kept is not None and len(dbt_calls) == 1

    # The definition, checked: the same echo, built anyway, gives the same marts.
    run_dbt(warehouse, tmp_path / "dbt-target")
    assert mart_tables(warehouse) == marts


def test_a_changed_var_in_the_project_is_a_change(warehouse, tmp_path):
    run()
    settings = load_settings()
    project = tmp_path / "project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    assert kept_build(settings, fingerprint(settings, project)) is not None
    config = yaml.safe_load((project / "dbt_project.yml").read_text())
    config["vars"]["stale_case_days"] = int(config["vars"]["stale_case_days"]) + 1
    (project / "dbt_project.yml").write_text(yaml.safe_dump(config))
    changed = fingerprint(settings, project)
    assert kept_build(settings, changed) is None
    assert unit_tests_due(settings, changed), "a changed project runs its unit tests again"
    assert not unit_tests_due(settings, fingerprint(settings))


def test_a_failed_gate_records_nothing_and_the_next_run_rebuilds(warehouse, dbt_calls):
    build = transform()
    execute(
        warehouse,
        "delete from rapport.rapport.account_relationship where account_id = "
        "(select min(account_id) from rapport.rapport.account_relationship)",
    )
    with pytest.raises(GateFailed):
        validate(build=build)
    assert recorded_builds(warehouse) == 0
    assert run().kept is None and len(dbt_calls) == 2
    assert recorded_builds(warehouse) == 1


def test_a_failed_build_leaves_no_fingerprint_standing(warehouse, dbt_calls):
    run()
    # A duplicated account: staging's unique test stops the build.
    execute(warehouse, "insert into salesforce.account select * from salesforce.account limit 1")
    with pytest.raises(DbtBuildFailed):
        run()
    assert recorded_builds(warehouse) == 1, "only the first, good build"
    execute(
        warehouse,
        "delete from salesforce.account where rowid = (select max(rowid) from salesforce.account)",
    )
    # Back to the last good build's inputs: the failed build may have rebuilt
    # some marts from its own, so they are built again, not kept.
    assert run().kept is None and len(dbt_calls) == 3
    assert run().kept is not None and len(dbt_calls) == 3
