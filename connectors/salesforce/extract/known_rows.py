"""Drop re-read rows the warehouse already holds as they are, before dlt writes them.

An incremental read starts ``overlap_seconds`` before what the last one
covered (source.py), so it reads again the records changed in that window:
legitimately, since one may have committed late, but most come back exactly
as they were loaded. Merged on Id they change nothing, yet dlt writes each to
Parquet, normalizes and loads it (at M, the write-back echo inside the window
was 140k rows and most of a 7 s run after no change).

So before a batch goes to dlt, each row is compared with the warehouse's row
of the same Id, every column but the loaders' own bookkeeping (``_dlt_*``,
``_rapport_*``: a deleted row keeps the time it was first seen deleted), and
dropped only when every value is equal (null equal to null). Whole rows, not
``(Id, SystemModstamp)``: two transactions on one record can start in the same
millisecond and share a stamp, and the second one's values must still land.
Anything the comparison cannot vouch for (a column the warehouse lacks, types
that do not cast, NaN) keeps the row. The warehouse rows fetched are those
stamped within the window, the only ones a re-read row can equal.

Only on warehouses read cheaply in this process (DuckDB, PostgreSQL); elsewhere
every row is loaded as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from connectors.salesforce.extract.fields import column_name
from rapport.config import WarehouseSettings

logger = logging.getLogger(__name__)

# (raw table, the columns a re-read row has, the window's start) -> the warehouse's rows
StoredRows = Callable[[str, list[str], datetime], pa.Table | None]
BOOKKEEPING = ("_dlt_", "_rapport_")
_ROW = "__rapport_row"
_STORED = "__stored"
CHEAP_WAREHOUSES = ("duckdb", "postgres")
_STAMP = column_name("SystemModstamp")


def compared_columns(names: list[str]) -> list[str]:
    return [name for name in names if not name.startswith(BOOKKEEPING)]


def drop_unchanged(table: pa.Table, stored: pa.Table | None) -> pa.Table:
    """``table`` without the rows ``stored`` holds with every compared value equal."""
    if stored is None or not stored.num_rows or not table.num_rows:
        return table
    names = compared_columns(table.column_names)
    if "id" not in names or any(name not in stored.column_names for name in names):
        return table
    try:
        right = pa.table(
            {f"{name}{_STORED}": stored[name].cast(table.schema.field(name).type) for name in names}
        )
    except pa.ArrowException:  # types that do not cast
        return table
    rows = pa.array(range(table.num_rows), pa.int64())
    left = table.select(names).append_column(_ROW, rows)
    joined = left.join(right, "id", right_keys=f"id{_STORED}", join_type="inner")
    if not joined.num_rows:
        return table
    same = pa.array([True] * joined.num_rows, pa.bool_())
    for name in names:
        if name == "id":
            continue  # the join's key: equal, and kept once
        mine, theirs = joined[name], joined[f"{name}{_STORED}"]
        both_null = pc.and_(pc.is_null(mine), pc.is_null(theirs))
        equal = pc.or_(both_null, pc.fill_null(pc.equal(mine, theirs), False))
        same = pc.and_(same, equal)
    unchanged = pc.filter(joined[_ROW], same).combine_chunks()
    return table.filter(pc.invert(pc.is_in(rows, value_set=unchanged)))


def warehouse_rows(warehouse: WarehouseSettings) -> StoredRows | None:
    """The lookup ``drop_unchanged`` is fed by, or None where the warehouse is not cheap to read."""
    if warehouse.type not in CHEAP_WAREHOUSES:
        return None
    from rapport.warehouse import open_warehouse
    from rapport.warehouse.sql import quote

    def stored(table: str, columns: list[str], since: datetime) -> pa.Table | None:
        wanted = compared_columns(columns)
        with open_warehouse(warehouse) as sql:
            present = sql.columns(warehouse.raw_schema, table)
            if not present or _STAMP not in present:
                return None
            select = ", ".join(quote(name) for name in wanted if name in present)
            stamp = since.isoformat(sep=" ")
            return sql.arrow(
                f"select {select} from {sql.relation(warehouse.raw_schema, table)} "
                f"where {quote(_STAMP)} >= cast('{stamp}' as timestamp with time zone)"
            )

    return stored
