"""The warehouse operations on DuckDB (the default, single-file warehouse)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from rapport.warehouse.sql import TEMPORAL_TYPES, AppendMixin, TableWrite, quote


class DuckDbSql(AppendMixin):
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

    def arrow(self, sql: str) -> pa.Table:
        return self._connection.sql(sql).to_arrow_table()

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

    def write_many(self, schema: str, writes: Sequence[TableWrite]) -> None:
        connection = self._connection
        connection.execute("begin transaction")
        try:
            connection.execute(f"create schema if not exists {quote(self.catalog)}.{quote(schema)}")
            for write in writes:
                self._write(self.relation(schema, write.table), write)
            connection.execute("commit")
        except BaseException:
            connection.execute("rollback")
            raise

    def _write(self, relation: str, write: TableWrite) -> None:
        connection = self._connection
        connection.execute(f"create table if not exists {relation} ({write.ddl})")
        if write.frame.empty:
            return
        connection.register("rows_to_write", write.frame)
        try:
            if write.keys:
                same = " and ".join(
                    f"{relation}.{quote(k)} = rows_to_write.{quote(k)}" for k in write.keys
                )
                connection.execute(f"delete from {relation} using rows_to_write where {same}")
            columns = ", ".join(quote(c) for c in write.frame.columns)
            connection.execute(
                f"insert into {relation} ({columns}) select {columns} from rows_to_write"
            )
        finally:
            connection.unregister("rows_to_write")
