"""Raw tables written straight to DuckDB, the dbt project run in-process on them,
and marts read back.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
from dbt.cli.main import dbtRunner
from dlt.common.normalizers.naming.snake_case import NamingConvention

from rapport.environment import scoped_environ
from rapport.warehouse import DBT_PROJECT_DIR
from tests.factories.orgs import AS_OF

NAMING = NamingConvention()


def write_raw_tables(path: Path, records: dict[str, list[dict]], column_name=None) -> None:
    """Write records per object as raw tables, named as dlt names them."""
    column_name = column_name or NAMING.normalize_identifier
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema if not exists salesforce")
        for object_name, rows in records.items():
            if not rows:
                continue
            frame = pd.DataFrame(rows)
            frame.columns = [column_name(c) for c in frame.columns]
            table = NAMING.normalize_table_identifier(object_name)
            connection.register("frame", frame)
            connection.execute(
                f'create or replace table salesforce."{table}" as select * from frame'
            )
            connection.unregister("frame")


def run_dbt(
    warehouse: Path,
    target_dir: Path,
    vars: dict | None = None,
    command: str = "build",
    unit_tests: bool = False,
) -> None:
    """Build the project against a DuckDB file; raises with dbt's message on failure.

    A ``build`` leaves the dbt unit tests out unless ``unit_tests``: they check
    the models' logic on fixed rows, never the warehouse's data
    (rapport/build_fingerprint.py skips them on the same ground), so their
    verdict is the same in every build of the suite, and they were ~45% of each
    build's CPU (7 of 15.5 s at 120 accounts). One shared build runs them and
    tests/models/test_unit_tests.py asserts each one passed.
    """
    skip_unit_tests = command.split()[0] == "build" and not unit_tests
    args = [
        *command.split(),
        *(["--exclude-resource-type", "unit_test"] if skip_unit_tests else []),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_dir),
        "--vars",
        json.dumps({"as_of_date": AS_OF} | (vars or {})),
        "--quiet",
    ]
    with scoped_environ({"RAPPORT_DUCKDB_PATH": str(warehouse), "RAPPORT_TARGET": "duckdb"}):
        result = dbtRunner().invoke(args)
    if not result.success:
        failures = [
            f"{r.node.name}: {r.message}"
            for r in (result.result or [])
            if r.status not in ("success", "pass")
        ]
        raise AssertionError(f"dbt {command} failed: {result.exception or failures}")


def mart(
    warehouse: Path, table: str = "account_relationship", schema: str = "rapport"
) -> pd.DataFrame:
    with duckdb.connect(str(warehouse)) as connection:
        catalog = warehouse.stem
        return connection.sql(f'select * from "{catalog}"."{schema}"."{table}" order by 1').df()


def mart_tables(path: Path) -> dict[str, list[tuple]]:
    """Every table of the marts schema, its rows in a stable order: for comparing
    two builds (a rerun, an incremental run, a run killed half-way) table by table."""
    with duckdb.connect(str(path)) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'rapport' and table_schema = 'rapport' "
                "and table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        return {
            table: sorted(
                connection.execute(f'select * from rapport.rapport."{table}"').fetchall(), key=repr
            )
            for table in tables
        }
