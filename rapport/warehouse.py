"""Connections to the warehouse, for the stages that read or write it directly.

dlt and dbt each have their own connection settings; this module derives both
from Rapport's settings so there is one place to point at a warehouse.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from rapport.config import PROJECT_ROOT, WarehouseSettings

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def dlt_destination(settings: WarehouseSettings):
    import dlt

    if settings.type == "duckdb":
        settings.path.parent.mkdir(parents=True, exist_ok=True)
        return dlt.destinations.duckdb(credentials=str(settings.path.resolve()))
    password = settings.password.get_secret_value() if settings.password else ""
    return dlt.destinations.postgres(
        credentials=f"postgresql://{settings.user}:{password}@{settings.host}:{settings.port}/{settings.database}"
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


def read_table(settings: WarehouseSettings, schema: str, table: str) -> pd.DataFrame:
    if settings.type != "duckdb":
        raise NotImplementedError("Reading tables is only implemented for DuckDB so far.")
    # Same configuration as dbt-duckdb's connection: DuckDB refuses a second,
    # differently configured connection to a file within one process.
    with duckdb_connection(settings.path) as connection:
        # Qualify with the catalog: the default file rapport.duckdb makes a
        # catalog named like the marts schema, and DuckDB refuses the ambiguity.
        catalog = connection.sql("select current_database()").fetchone()[0]
        return connection.sql(f'select * from "{catalog}"."{schema}"."{table}"').df()
