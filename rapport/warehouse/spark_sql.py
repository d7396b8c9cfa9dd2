"""The warehouse operations on Spark SQL (session or Thrift behind the same catalog).

Spark tables here are Parquet: no transactions, no keys. ``write_many``
writes table by table (the write-back log before the state, so a crash in
between leaves values to re-send, never values marked sent that were not),
and an upsert rewrites the table from a checkpoint of old-minus-replaced
plus new rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from rapport.warehouse.sql import TEMPORAL_TYPES, AppendMixin, TableWrite

# The portable DDL the callers write, in Spark's words.
_DDL_TYPES = (
    (re.compile(r"\btimestamp with time zone\b|\btimestamptz\b", re.I), "timestamp"),
    (re.compile(r"\bvarchar\b|\btext\b", re.I), "string"),
)


def spark_ddl(ddl: str) -> str:
    for pattern, replacement in _DDL_TYPES:
        ddl = pattern.sub(replacement, ddl)
    return ddl


def tick(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


class SparkSql(AppendMixin):
    def __init__(self, session: Any) -> None:
        self._spark = session

    def relation(self, schema: str, table: str) -> str:
        return f"{tick(schema)}.{tick(table)}"

    def columns(self, schema: str, table: str) -> dict[str, str] | None:
        if not self._spark.catalog.tableExists(f"{schema}.{table}"):
            return None
        fields = self._spark.table(self.relation(schema, table)).schema.fields
        return {f.name: f.dataType.simpleString().lower() for f in fields}

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._spark.sql(sql).collect()]

    def frame(self, sql: str) -> pd.DataFrame:
        return self.arrow(sql).to_pandas()

    def arrow(self, sql: str) -> pa.Table:
        return self._spark.sql(sql).toArrow()

    def sample(self, relation: str, columns: list[str], rows: int) -> pd.DataFrame:
        selected = ", ".join(tick(c) for c in columns)
        return self.frame(
            f"select {selected} from {relation} "
            f"order by xxhash64(cast({tick(columns[0])} as string)) limit {int(rows)}"
        )

    def timestamp_of(self, column: str, column_type: str) -> str:
        if column_type.startswith(TEMPORAL_TYPES):
            return tick(column)
        return f"try_cast({tick(column)} as timestamp)"

    def write_many(self, schema: str, writes: Sequence[TableWrite]) -> None:
        self._spark.sql(f"create database if not exists {tick(schema)}")
        for write in writes:
            relation = self.relation(schema, write.table)
            self._spark.sql(
                f"create table if not exists {relation} ({spark_ddl(write.ddl)}) using parquet"
            )
            if write.frame.empty:
                continue
            target = self._spark.table(relation)
            # Through Arrow: pandas timestamps and nulls keep their meaning.
            rows = pa.Table.from_pandas(write.frame[target.columns], preserve_index=False)
            incoming = self._spark.createDataFrame(rows.to_pandas(), schema=target.schema)
            if not write.keys:
                incoming.write.insertInto(relation)
                continue
            kept = target.join(incoming.select(*write.keys), list(write.keys), "left_anti")
            # Checkpointed so the overwrite does not read the files it replaces.
            rewritten = kept.unionByName(incoming).localCheckpoint(eager=True)
            rewritten.write.insertInto(relation, overwrite=True)
