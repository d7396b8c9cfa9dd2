"""The warehouse operations on PostgreSQL, through SQLAlchemy (GX shares the URL)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from rapport.warehouse.sql import TEMPORAL_TYPES, AppendMixin, TableWrite, quote

# PostgreSQL type OIDs → Arrow, so a column that is all null keeps its type.
_ARROW_TYPES: dict[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    25: pa.string(),
    700: pa.float32(),
    701: pa.float64(),
    1043: pa.string(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", "UTC"),
}


class PostgresSql(AppendMixin):
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

    def arrow(self, sql: str) -> pa.Table:
        """Typed from the values psycopg2 returns: int stays int, bool bool, numeric decimal."""
        from sqlalchemy import text

        with self._engine.connect() as connection:
            result = connection.execute(text(sql))
            names = list(result.keys())
            oids = [column[1] for column in result.cursor.description]
            rows = result.fetchall()
        return pa.table(
            {
                name: pa.array([row[i] for row in rows], type=_ARROW_TYPES.get(oids[i]))
                for i, name in enumerate(names)
            }
        )

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

    def write_many(self, schema: str, writes: Sequence[TableWrite]) -> None:
        from sqlalchemy import text

        with self._engine.begin() as connection:
            connection.execute(text(f"create schema if not exists {quote(schema)}"))
            for write in writes:
                relation = self.relation(schema, write.table)
                connection.execute(text(f"create table if not exists {relation} ({write.ddl})"))
                if write.frame.empty:
                    continue
                target = relation
                if write.keys:
                    # Rows go to a temporary copy first; one delete then removes
                    # every row they replace, however many there are.
                    target = quote(f"incoming_{uuid.uuid4().hex}")
                    connection.execute(
                        text(f"create temporary table {target} (like {relation}) on commit drop")
                    )
                _insert(connection, target, write.frame)
                if write.keys:
                    same = " and ".join(f"t.{quote(k)} = i.{quote(k)}" for k in write.keys)
                    columns = ", ".join(quote(c) for c in write.frame.columns)
                    connection.execute(
                        text(f"delete from {relation} t using {target} i where {same}")
                    )
                    connection.execute(
                        text(f"insert into {relation} ({columns}) select {columns} from {target}")
                    )


def _insert(connection, relation: str, frame: pd.DataFrame) -> None:
    from sqlalchemy import text

    columns = list(frame.columns)
    statement = text(
        f"insert into {relation} ({', '.join(quote(c) for c in columns)}) "
        f"values ({', '.join(':' + c for c in columns)})"
    )
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    connection.execute(statement, records)
