"""Salesforce field types → Arrow types, shared by the connector and the local org.

One table, so that what the local org stores, what the connector extracts and
what the benchmarks load can never disagree on a type.
"""

from __future__ import annotations

import pyarrow as pa

ARROW_TYPES: dict[str, pa.DataType] = {
    "boolean": pa.bool_(),
    "int": pa.int64(),
    "double": pa.float64(),
    "currency": pa.float64(),
    "percent": pa.float64(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us", tz="UTC"),
}


def arrow_type_for(salesforce_type: str) -> pa.DataType:
    """Every other type (id, reference, string, picklist, textarea, ...) is text."""
    return ARROW_TYPES.get(salesforce_type, pa.string())
