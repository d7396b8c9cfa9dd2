"""The warehouse, for every stage that reads or writes it: one home for its connections.

* ``connection``: the connection parameters and every shape a stage needs
  them in (dlt destination, dbt environment, libpq DSN, SQLAlchemy URL, DuckDB).
* ``tables``: a whole table into pandas.
* ``sql``: the few SQL operations the quality gates push down, per dialect.
"""

from __future__ import annotations

from rapport.config import PROJECT_ROOT
from rapport.warehouse.connection import (
    PostgresParams,
    dbt_env,
    dlt_destination,
    duckdb_connection,
    duckdb_path,
    export_dbt_env,
    postgres_connection,
    postgres_dsn,
    postgres_engine,
    postgres_params,
    postgres_url,
)
from rapport.warehouse.sql import DuckDbSql, PostgresSql, WarehouseSql, open_warehouse
from rapport.warehouse.tables import read_table

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

__all__ = [
    "DBT_PROJECT_DIR",
    "DuckDbSql",
    "PostgresParams",
    "PostgresSql",
    "WarehouseSql",
    "dbt_env",
    "dlt_destination",
    "duckdb_connection",
    "duckdb_path",
    "export_dbt_env",
    "open_warehouse",
    "postgres_connection",
    "postgres_dsn",
    "postgres_engine",
    "postgres_params",
    "postgres_url",
    "read_table",
]
