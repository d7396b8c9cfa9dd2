"""Read the mart columns write-back needs, typed, from the warehouse.

Arrow rather than pandas so a column's type (text, number, boolean, date)
is the warehouse's, which the mapping check compares with the CRM field's,
and so integers and booleans never turn into floats on the way.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from connectors.salesforce.writeback.mapping import WritebackMapping
from rapport.warehouse.sql import WarehouseSql, quote


def read_mart(
    sql: WarehouseSql, schema: str, table: str, columns: Sequence[str]
) -> pa.Table | None:
    """The ``columns`` of ``schema.table`` that exist (None if the table does not)."""
    present = sql.columns(schema, table)
    if not present:
        return None
    wanted = [c for c in dict.fromkeys(columns) if c in present]
    if not wanted:
        return pa.table({})
    select = ", ".join(quote(c) for c in wanted)
    return sql.arrow(f"select {select} from {sql.relation(schema, table)}")


def read_marts(sql: WarehouseSql, schema: str, mapping: WritebackMapping) -> dict[str, pa.Table]:
    """Each mapped mart that exists, by name, with the columns the mapping names.

    A mart that is missing is left out rather than raising here, so that
    binding the mapping reports it together with any other problem.
    """
    marts: dict[str, pa.Table] = {}
    for body in mapping.objects.values():
        columns = [body.id_column, *(entry.column for entry in body.fields.values())]
        table = read_mart(sql, schema, body.mart, columns)
        if table is not None:
            marts[body.mart] = table
    return marts
