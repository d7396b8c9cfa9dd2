"""Read the mart columns write-back needs, typed, from the warehouse.

Arrow rather than pandas so a column's type (text, number, boolean, date)
is the warehouse's, which the mapping check compares with the CRM field's,
and so integers and booleans never turn into floats on the way.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from connectors.salesforce.writeback.mapping import WritebackMapping


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_mart(
    connection: duckdb.DuckDBPyConnection, schema: str, table: str, columns: Sequence[str]
) -> pa.Table | None:
    """The ``columns`` of ``schema.table`` that exist (None if the table does not)."""
    present = {
        row[0]
        for row in connection.execute(
            "select column_name from information_schema.columns "
            "where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    }
    if not present:
        return None
    wanted = [c for c in dict.fromkeys(columns) if c in present]
    if not wanted:
        return pa.table({})
    catalog = connection.sql("select current_database()").fetchone()[0]  # type: ignore[index]
    select = ", ".join(_quote(c) for c in wanted)
    sql = f"select {select} from {_quote(catalog)}.{_quote(schema)}.{_quote(table)}"
    return connection.sql(sql).to_arrow_table()


def read_marts(
    connection: duckdb.DuckDBPyConnection, schema: str, mapping: WritebackMapping
) -> dict[str, pa.Table]:
    """Each mapped mart that exists, by name, with the columns the mapping names.

    A mart that is missing is left out rather than raising here, so that
    binding the mapping reports it together with any other problem.
    """
    marts: dict[str, pa.Table] = {}
    for body in mapping.objects.values():
        columns = [body.id_column, *(entry.column for entry in body.fields.values())]
        table = read_mart(connection, schema, body.mart, columns)
        if table is not None:
            marts[body.mart] = table
    return marts
