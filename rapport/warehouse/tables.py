"""Read a whole table into pandas, from DuckDB or PostgreSQL.

For the stages that need a mart in memory (the report, the flow's summary),
not for the gates, which push their aggregates down (``rapport.warehouse.sql``).
"""

from __future__ import annotations

import pandas as pd

from rapport.config import WarehouseSettings
from rapport.warehouse.connection import duckdb_connection, postgres_connection


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
    from psycopg2 import sql

    with postgres_connection(settings) as connection, connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("select * from {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        )
        columns = [column.name for column in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)
