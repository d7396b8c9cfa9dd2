"""The warehouse, for every stage that reads or writes it: one home for its connections.

* ``connection``: the connection parameters and every shape a stage needs
  them in (dlt destination, dbt environment, libpq DSN, SQLAlchemy URL, DuckDB).
* ``tables``: a whole table into pandas.
* ``backends``: one interface per ``warehouse.type`` for every stage (dlt
  destination, dbt target, SQL connection, the doctor's probe).
* ``sql``: the few SQL operations the gates, the write-back ledger and the
  report need, per dialect (``duckdb_sql``, ``postgres_sql``, ``spark_sql``).
"""

from __future__ import annotations

from rapport.config import PROJECT_ROOT
from rapport.warehouse.backends import MissingDriver, WarehouseBackend, backend_for
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
from rapport.warehouse.duckdb_sql import DuckDbSql
from rapport.warehouse.postgres_sql import PostgresSql
from rapport.warehouse.sql import TableWrite, WarehouseSql, open_warehouse
from rapport.warehouse.tables import MissingTable, read_table

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

__all__ = [
    "DBT_PROJECT_DIR",
    "DuckDbSql",
    "MissingDriver",
    "MissingTable",
    "PostgresParams",
    "PostgresSql",
    "TableWrite",
    "WarehouseBackend",
    "WarehouseSql",
    "backend_for",
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
