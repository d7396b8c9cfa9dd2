"""Connections to the warehouse, for the stages that read or write it directly.

dlt and dbt each have their own connection settings; this module derives both
from Rapport's settings so there is one place to point at a warehouse.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import duckdb
import pandas as pd

from rapport.config import PROJECT_ROOT, WarehouseSettings

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def dlt_destination(settings: WarehouseSettings):
    import dlt

    if settings.type == "duckdb":
        settings.path.parent.mkdir(parents=True, exist_ok=True)
        return dlt.destinations.duckdb(credentials=str(settings.path.resolve()))
    password = quote(settings.password.get_secret_value(), safe="") if settings.password else ""
    return dlt.destinations.postgres(
        credentials=f"postgresql://{quote(settings.user, safe='')}:{password}@{settings.host}:{settings.port}/{settings.database}"
    )


def dbt_env(settings: WarehouseSettings) -> dict[str, str]:
    """Environment variables profiles.yml and the sources read."""
    env = {
        "RAPPORT_TARGET": settings.type,
        "RAPPORT_RAW_SCHEMA": settings.raw_schema,
        "RAPPORT_MARTS_SCHEMA": settings.marts_schema,
    }
    if settings.type == "duckdb":
        env["RAPPORT_DUCKDB_PATH"] = str(settings.path.resolve())
    else:
        env |= {
            "RAPPORT_PG_HOST": settings.host,
            "RAPPORT_PG_PORT": str(settings.port),
            "RAPPORT_PG_USER": settings.user,
            "RAPPORT_PG_PASSWORD": settings.password.get_secret_value()
            if settings.password
            else "",
            "RAPPORT_PG_DATABASE": settings.database,
        }
    return env


def export_dbt_env(settings: WarehouseSettings) -> None:
    os.environ.update(dbt_env(settings))


@contextmanager
def duckdb_connection(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(path), read_only=read_only)
    try:
        yield connection
    finally:
        connection.close()


def postgres_dsn(settings: WarehouseSettings) -> str:
    """A libpq connection string; make_dsn quotes values (an empty password included)."""
    from psycopg2.extensions import make_dsn

    return make_dsn(
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password.get_secret_value() if settings.password else "",
        dbname=settings.database,
    )


def read_table(settings: WarehouseSettings, schema: str, table: str) -> pd.DataFrame:
    if settings.type == "postgres":
        return _read_postgres_table(settings, schema, table)
    # Same configuration as dbt-duckdb's connection: DuckDB refuses a second,
    # differently configured connection to a file within one process.
    with duckdb_connection(settings.path) as connection:
        # Qualify with the catalog: the default file rapport.duckdb makes a
        # catalog named like the marts schema, and DuckDB refuses the ambiguity.
        catalog = connection.sql("select current_database()").fetchone()[0]
        return connection.sql(f'select * from "{catalog}"."{schema}"."{table}"').df()


def _read_postgres_table(settings: WarehouseSettings, schema: str, table: str) -> pd.DataFrame:
    import psycopg2
    from psycopg2 import sql

    with psycopg2.connect(postgres_dsn(settings)) as connection, connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("select * from {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        )
        columns = [column.name for column in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)
