"""Records (dicts or an Arrow table) turned into an Arrow table typed from the object's spec.

This is how seeding (``OrgStore.insert``) gets large volumes in quickly:
well-typed columns are converted in C, and only columns that need it go
value by value through ``coerce_value``. Missing Ids and system fields get
the defaults Salesforce would have given them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from connectors.salesforce.api.ids import to_18
from local_org.schema import FieldSpec, ObjectSpec
from local_org.soql import ID_TYPES
from local_org.values import (
    SYSTEM_DATETIMES,
    RecordError,
    arrow_type,
    coerce_value,
    now_utc,
    well_typed_array,
)

NextId = Callable[[ObjectSpec], str]


def arrow_from_records(
    spec: ObjectSpec, records: Sequence[Mapping[str, Any]], next_id: NextId
) -> pa.Table:
    """The records as a table with a column per field they name, and an Id for each."""
    keys: dict[str, FieldSpec] = {}
    for index, record in enumerate(records):
        for key in record:
            if key in keys:
                continue
            field = spec.field_ci(key)
            if field is None or field.is_compound:
                reason = "unknown field" if field is None else "compound field (no column)"
                raise ValueError(f"{spec.name} record {index}: {reason} {key!r}")
            if any(f.name == field.name for f in keys.values()):
                raise ValueError(f"{spec.name}: two keys name field {field.name}")
            keys[key] = field
    columns: dict[str, pa.Array] = {}
    for key, field in keys.items():
        columns[field.name] = _column(spec, field, key, records)
    ids = columns.get("Id")
    if ids is None or ids.null_count:
        given = ids.to_pylist() if ids is not None else [None] * len(records)
        columns["Id"] = pa.array([i or next_id(spec) for i in given], pa.string())
    return pa.table(columns)


def _column(
    spec: ObjectSpec, field: FieldSpec, key: str, records: Sequence[Mapping[str, Any]]
) -> pa.Array:
    """One field of ``records`` as an Arrow array.

    Well-typed values are converted in C; otherwise each value goes
    through ``coerce_value``, which accepts API-style strings and lets a
    bad value be reported with its record.
    """
    values = [record.get(key) for record in records]
    fast = well_typed_array(field, values)
    if fast is not None:
        return fast
    converted = []
    for index, value in enumerate(values):
        try:
            converted.append(coerce_value(field, value))
        except RecordError as error:
            record_id = next((v for k, v in records[index].items() if k.lower() == "id"), None)
            raise ValueError(
                f"{spec.name} record {index} (Id {record_id or 'not set'}), "
                f"field {field.name}: {error.message}"
            ) from None
    return pa.array(converted, arrow_type(field))


def arrow_from_table(spec: ObjectSpec, table: pa.Table, next_id: NextId) -> pa.Table:
    """The table cast to the fields' types, 15-character Ids made 18, Ids added if missing."""
    columns: dict[str, pa.ChunkedArray] = {}
    for name in table.column_names:
        field = spec.field_ci(name)
        if field is None or field.is_compound:
            raise ValueError(f"{spec.name}: column {name!r} is not a field with a column")
        column = table.column(name)
        try:
            column = column.cast(arrow_type(field))
        except pa.ArrowException as error:  # ArrowInvalid, or a cast Arrow has no kernel for
            raise ValueError(f"{spec.name}: column {name}: {error}") from None
        if field.type in ID_TYPES and pc.any(pc.equal(pc.utf8_length(column), 15)).as_py():
            column = pa.chunked_array(
                [[None if v is None else to_18(v) for v in column.to_pylist()]], pa.string()
            )
        columns[field.name] = column
    if "Id" not in columns:
        columns["Id"] = pa.chunked_array(
            [[next_id(spec) for _ in range(table.num_rows)]], pa.string()
        )
    return pa.table(columns)


def with_system_defaults(spec: ObjectSpec, table: pa.Table) -> pa.Table:
    """Fill what exports and generators often leave out, as Salesforce would have."""
    rows = table.num_rows
    stamp = pa.scalar(now_utc(), pa.timestamp("us", tz="UTC"))
    previous: pa.ChunkedArray | pa.Scalar = stamp
    for name in SYSTEM_DATETIMES:
        if name not in spec.fields:
            continue
        if name in table.column_names:
            filled = pc.coalesce(table.column(name), previous)
            table = table.set_column(table.column_names.index(name), name, filled)
        else:
            if isinstance(previous, pa.Scalar):
                previous = pa.chunked_array([pa.repeat(previous, rows)])
            table = table.append_column(name, previous)
        previous = table.column(name)
    if "IsDeleted" in spec.fields:
        false = pa.scalar(False)
        if "IsDeleted" in table.column_names:
            index = table.column_names.index("IsDeleted")
            table = table.set_column(
                index, "IsDeleted", pc.coalesce(table.column("IsDeleted"), false)
            )
        else:
            table = table.append_column("IsDeleted", pa.repeat(false, rows))
    return table
