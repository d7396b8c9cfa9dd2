"""The few SQL operations the gates, the write-back ledger and the report need, per warehouse.

Aggregate checks run where the data is (a count over millions of rows costs
milliseconds there and nothing in Python memory); only bounded samples and
the marts come back as dataframes. The SQL the callers write sticks to what
every engine accepts; the differences (qualified names, sampling, casting
text to dates, typed reads, transactional writes) are methods of one class
per dialect: ``duckdb_sql``, ``postgres_sql``, ``spark_sql``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa

from rapport.config import WarehouseSettings

TEMPORAL_TYPES = ("date", "timestamp")


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class TableWrite:
    """Rows for one table, created from ``ddl`` (portable types) when missing.

    With ``keys``, rows already there with the same key values are replaced
    (an upsert); without, the rows are appended.
    """

    table: str
    ddl: str
    frame: pd.DataFrame
    keys: tuple[str, ...] = ()


class WarehouseSql(Protocol):
    def relation(self, schema: str, table: str) -> str: ...

    def columns(self, schema: str, table: str) -> dict[str, str] | None:
        """Column name → lower-case type, or None when the table does not exist."""

    def rows(self, sql: str) -> list[tuple[Any, ...]]: ...

    def frame(self, sql: str) -> pd.DataFrame: ...

    def arrow(self, sql: str) -> pa.Table:
        """The result with the warehouse's types (integers and booleans stay so, nulls and all)."""

    def sample(self, relation: str, columns: list[str], rows: int) -> pd.DataFrame:
        """At most ``rows`` rows, drawn at random but the same on every run."""

    def timestamp_of(self, column: str, column_type: str) -> str:
        """SQL giving the column as a timestamp; NULL where a text value does not parse."""

    def write_many(self, schema: str, writes: Sequence[TableWrite]) -> None:
        """Create the schema and tables when missing and write every frame, all or nothing."""

    def append(self, schema: str, table: str, ddl: str, frame: pd.DataFrame) -> None: ...

    def append_many(self, schema: str, writes: list[tuple[str, str, pd.DataFrame]]) -> None: ...


class AppendMixin(ABC):
    """Appends are writes without keys; one definition for every dialect."""

    @abstractmethod
    def write_many(self, schema: str, writes: Sequence[TableWrite]) -> None: ...

    def append(self, schema: str, table: str, ddl: str, frame: pd.DataFrame) -> None:
        self.write_many(schema, [TableWrite(table, ddl, frame)])

    def append_many(self, schema: str, writes: list[tuple[str, str, pd.DataFrame]]) -> None:
        self.write_many(schema, [TableWrite(table, ddl, frame) for table, ddl, frame in writes])


@contextmanager
def open_warehouse(settings: WarehouseSettings) -> Iterator[WarehouseSql]:
    """A connection for one stage's run, in the configured warehouse's dialect."""
    from rapport.warehouse.backends import backend_for

    with backend_for(settings).sql() as sql:
        yield sql
