"""Run the dbt project in-process against small DuckDB warehouses built here."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dbt.cli.main import dbtRunner
from dlt.common.normalizers.naming.snake_case import NamingConvention

from rapport.demo import environment
from rapport.warehouse import DBT_PROJECT_DIR
from tests.conftest import AS_OF, generated_store

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
    warehouse: Path, target_dir: Path, vars: dict | None = None, command: str = "build"
) -> None:
    """Build the project against a DuckDB file; raises with dbt's message on failure."""
    args = [
        *command.split(),
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
    with environment({"RAPPORT_DUCKDB_PATH": str(warehouse), "RAPPORT_TARGET": "duckdb"}):
        result = dbtRunner().invoke(args)
    if not result.success:
        failures = [
            f"{r.node.name}: {r.message}"
            for r in (result.result or [])
            if r.status not in ("success", "pass")
        ]
        raise AssertionError(f"dbt {command} failed: {result.exception or failures}")


@pytest.fixture
def dbt_build(tmp_path: Path) -> Callable[..., None]:
    def build(warehouse: Path, vars: dict | None = None, command: str = "build") -> None:
        run_dbt(warehouse, tmp_path / "dbt-target", vars, command)

    return build


@pytest.fixture(scope="session")
def generated_records() -> tuple[dict[str, list[dict]], list[dict]]:
    store, labels = generated_store(accounts=120, seed=5)
    records = {
        name: store.query(
            f"SELECT {', '.join(f.name for f in spec.fields.values() if not f.is_compound)} FROM {name}"
        ).records()
        for name, spec in store.objects.items()
    }
    return records, labels


def mart(
    warehouse: Path, table: str = "account_relationship", schema: str = "rapport"
) -> pd.DataFrame:
    with duckdb.connect(str(warehouse)) as connection:
        catalog = warehouse.stem
        return connection.sql(f'select * from "{catalog}"."{schema}"."{table}" order by 1').df()
