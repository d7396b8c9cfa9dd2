"""On PostgreSQL too, an hourly incremental build leaves what a full refresh would.

The incremental touchpoints (int_touchpoints, fct_touchpoints) delete and insert
rows and prune deleted records in a post-hook; PostgreSQL runs that SQL with its
own types and planner. Same changes as the DuckDB test (one account's Contact, a
deleted Account, a case moved to another account, a Task that lost its account,
a late Task, deleted and vanished Tasks); the reference is a ``--full-refresh``
of the same database.
"""

from __future__ import annotations

import copy
import json
from urllib.parse import urlparse

import pandas as pd
import pytest
import sqlalchemy
from dbt.cli.main import dbtRunner
from dlt.common.normalizers.naming.snake_case import NamingConvention

from rapport.environment import scoped_environ
from rapport.warehouse import DBT_PROJECT_DIR
from tests.factories.orgs import AS_OF
from tests.models.test_incremental_equals_full_refresh import _hourly_changes
from tests.warehouses import fresh_postgres_database

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

NAMING = NamingConvention()


def _write_raw(engine, records: dict[str, list[dict]]) -> None:
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("create schema if not exists salesforce"))
    for object_name, rows in records.items():
        if not rows:
            continue
        frame = pd.DataFrame(rows)
        frame.columns = [NAMING.normalize_identifier(c) for c in frame.columns]
        table = NAMING.normalize_table_identifier(object_name)
        with engine.begin() as connection:  # the staging views on it go too; dbt rebuilds them
            connection.execute(
                sqlalchemy.text(f'drop table if exists salesforce."{table}" cascade')
            )
        frame.to_sql(table, engine, schema="salesforce", if_exists="replace", index=False)


def _build(url: str, target, command: str = "build") -> None:
    parsed = urlparse(url)
    env = {
        "RAPPORT_TARGET": "postgres",
        "RAPPORT_PG_HOST": parsed.hostname or "localhost",
        "RAPPORT_PG_PORT": str(parsed.port or 5432),
        "RAPPORT_PG_USER": parsed.username or "postgres",
        "RAPPORT_PG_PASSWORD": parsed.password or "",
        "RAPPORT_PG_DATABASE": parsed.path.lstrip("/"),
    }
    args = [
        *command.split(),
        *("--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)),
        *("--target-path", str(target), "--vars", json.dumps({"as_of_date": AS_OF}), "--quiet"),
    ]
    with scoped_environ(env):
        result = dbtRunner().invoke(args)
    assert result.success, result.exception or [
        f"{r.node.name}: {r.message}" for r in result.result if r.status not in ("success", "pass")
    ]


def _tables(engine) -> dict[str, list[tuple]]:
    """int_touchpoints and every mart table, rows in a stable order."""
    with engine.connect() as connection:
        marts = [
            row[0]
            for row in connection.execute(
                sqlalchemy.text(
                    "select table_name from information_schema.tables "
                    "where table_schema = 'rapport' and table_type = 'BASE TABLE'"
                )
            )
        ]
        relations = [("rapport_intermediate", "int_touchpoints"), *(("rapport", t) for t in marts)]
        return {
            table: sorted(
                (
                    tuple(row)
                    for row in connection.execute(
                        sqlalchemy.text(f'select * from {schema}."{table}"')
                    )
                ),
                key=repr,
            )
            for schema, table in relations
        }


def test_an_hourly_run_on_postgres_equals_a_full_refresh(tmp_path, postgres_url, generated_records):
    # A database of its own: the server is shared with the other PostgreSQL
    # tests of this worker, which read the default database's raw tables.
    database = fresh_postgres_database(postgres_url)
    postgres_url = urlparse(postgres_url)._replace(path=f"/{database}").geturl()
    engine = sqlalchemy.create_engine(
        postgres_url.replace("postgresql://", "postgresql+psycopg2://")
    )
    records = copy.deepcopy(generated_records[0])
    _write_raw(engine, records)
    _build(postgres_url, tmp_path / "target", "build --full-refresh")

    touched = _hourly_changes(records)
    _write_raw(engine, records)
    _build(postgres_url, tmp_path / "target")
    incremental = _tables(engine)
    ids = {row[0] for row in incremental["int_touchpoints"]}
    assert touched["late"] in ids and touched["deleted"] not in ids and touched["gone"] not in ids

    _build(postgres_url, tmp_path / "target", "build --full-refresh")
    rebuilt = _tables(engine)
    assert set(incremental) == set(rebuilt)
    for table in sorted(rebuilt):
        assert incremental[table] == rebuilt[table], f"{table} differs after an hourly run"
    engine.dispose()
