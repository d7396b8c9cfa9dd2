"""The few SQL operations the gates need, on DuckDB or PostgreSQL.

Aggregate checks run where the data is (a count over millions of rows costs
milliseconds there and nothing in Python memory); only bounded samples and
the marts come back as dataframes. The SQL sticks to what both engines
accept; the differences (qualified names, sampling, casting text to dates)
are methods here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import duckdb
import pandas as pd

from rapport.config import WarehouseSettings
from rapport.warehouse.connection import duckdb_connection, postgres_engine

TEMPORAL_TYPES = ("date", "timestamp")


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class WarehouseSql(Protocol):
    def relation(self, schema: str, table: str) -> str: ...

    def columns(self, schema: str, table: str) -> dict[str, str] | None:
        """Column name → lower-case type, or None when the table does not exist."""

    def rows(self, sql: str) -> list[tuple[Any, ...]]: ...

    def frame(self, sql: str) -> pd.DataFrame: ...

    def sample(self, relation: str, columns: list[str], rows: int) -> pd.DataFrame:
        """At most ``rows`` rows, drawn at random but the same on every run."""

    def timestamp_of(self, column: str, column_type: str) -> str:
        """SQL giving the column as a timestamp; NULL where a text value does not parse."""

    def append(self, schema: str, table: str, ddl: str, frame: pd.DataFrame) -> None:
        """Create the table when missing and insert the frame's rows, all or nothing."""

    def append_many(self, schema: str, writes: list[tuple[str, str, pd.DataFrame]]) -> None:
        """Several appends (table, ddl, frame) in one transaction."""


class DuckDbSql:
    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self._connection = connection
        # The file rapport.duckdb makes a catalog named like the marts schema:
        # qualify every name with the catalog so DuckDB is never ambiguous.
        self.catalog = connection.sql("select current_database()").fetchone()[0]

    def relation(self, schema: str, table: str) -> str:
        return f"{quote(self.catalog)}.{quote(schema)}.{quote(table)}"

    def columns(self, schema: str, table: str) -> dict[str, str] | None:
        found = self._connection.execute(
            "select column_name, lower(data_type) from information_schema.columns "
            "where table_catalog = ? and table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [self.catalog, schema, table],
        ).fetchall()
        return dict(found) if found else None

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self._connection.execute(sql).fetchall()

    def frame(self, sql: str) -> pd.DataFrame:
        return self._connection.execute(sql).df()

    def sample(self, relation: str, columns: list[str], rows: int) -> pd.DataFrame:
        selected = ", ".join(quote(c) for c in columns)
        return self.frame(
            f"select {selected} from {relation} "
            f"using sample reservoir({int(rows)} rows) repeatable (42)"
        )

    def timestamp_of(self, column: str, column_type: str) -> str:
        if column_type.startswith(TEMPORAL_TYPES):
            return quote(column)
        return f"try_cast({quote(column)} as timestamptz)"

    def append(self, schema: str, table: str, ddl: str, frame: pd.DataFrame) -> None:
        self.append_many(schema, [(table, ddl, frame)])

    def append_many(self, schema: str, writes: list[tuple[str, str, pd.DataFrame]]) -> None:
        connection = self._connection
        connection.execute("begin transaction")
        try:
            connection.execute(f"create schema if not exists {quote(self.catalog)}.{quote(schema)}")
            for table, ddl, frame in writes:
                relation = self.relation(schema, table)
                connection.execute(f"create table if not exists {relation} ({ddl})")
                if frame.empty:
                    continue
                connection.register("rows_to_append", frame)
                columns = ", ".join(quote(c) for c in frame.columns)
                connection.execute(
                    f"insert into {relation} ({columns}) select {columns} from rows_to_append"
                )
                connection.unregister("rows_to_append")
            connection.execute("commit")
        except BaseException:
            connection.execute("rollback")
            raise


class PostgresSql:
    def __init__(self, engine) -> None:
        self._engine = engine

    def relation(self, schema: str, table: str) -> str:
        return f"{quote(schema)}.{quote(table)}"

    def columns(self, schema: str, table: str) -> dict[str, str] | None:
        from sqlalchemy import text

        with self._engine.connect() as connection:
            found = connection.execute(
                text(
                    "select column_name, lower(data_type) from information_schema.columns "
                    "where table_schema = :schema and table_name = :table "
                    "order by ordinal_position"
                ),
                {"schema": schema, "table": table},
            ).fetchall()
        return {name: kind for name, kind in found} if found else None

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        from sqlalchemy import text

        with self._engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql)).fetchall()]

    def frame(self, sql: str) -> pd.DataFrame:
        from sqlalchemy import text

        with self._engine.connect() as connection:
            return pd.read_sql_query(text(sql), connection)

    def sample(self, relation: str, columns: list[str], rows: int) -> pd.DataFrame:
        selected = ", ".join(quote(c) for c in columns)
        return self.frame(
            f"select {selected} from {relation} order by md5({quote(columns[0])}::text) "
            f"limit {int(rows)}"
        )

    def timestamp_of(self, column: str, column_type: str) -> str:
        if column_type.startswith(TEMPORAL_TYPES):
            return quote(column)
        # PostgreSQL has no try_cast: only ISO-looking text is cast.
        return (
            f"case when {quote(column)} ~ '^\\d{{4}}-\\d{{2}}-\\d{{2}}' "
            f"then cast(substr({quote(column)}, 1, 10) as timestamp) end"
        )

    def append(self, schema: str, table: str, ddl: str, frame: pd.DataFrame) -> None:
        self.append_many(schema, [(table, ddl, frame)])

    def append_many(self, schema: str, writes: list[tuple[str, str, pd.DataFrame]]) -> None:
        from sqlalchemy import text

        with self._engine.begin() as connection:
            connection.execute(text(f"create schema if not exists {quote(schema)}"))
            for table, ddl, frame in writes:
                relation = self.relation(schema, table)
                connection.execute(text(f"create table if not exists {relation} ({ddl})"))
                if frame.empty:
                    continue
                columns = list(frame.columns)
                statement = text(
                    f"insert into {relation} ({', '.join(quote(c) for c in columns)}) "
                    f"values ({', '.join(':' + c for c in columns)})"
                )
                records = frame.astype(object).where(frame.notna(), None).to_dict("records")
                connection.execute(statement, records)


@contextmanager
def open_warehouse(settings: WarehouseSettings) -> Iterator[WarehouseSql]:
    """A connection for one gate run; DuckDB's uses the default config (see ``duckdb_connection``)."""
    if settings.type == "duckdb":
        with duckdb_connection(settings.path) as connection:
            yield DuckDbSql(connection)
        return
    with postgres_engine(settings) as engine:
        yield PostgresSql(engine)
