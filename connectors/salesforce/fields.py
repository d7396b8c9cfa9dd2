"""Turn a describe result into the columns Rapport extracts, and their Arrow types.

Columns come from describe on every run, so a custom field added in the org
arrives in the warehouse without a code change. Typed Arrow columns (rather
than JSON inferred by dlt) keep dates as dates and numbers as numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pyarrow as pa

# Compound fields duplicate their components and cannot be queried in Bulk;
# base64 bodies are blobs nobody analyses.
SKIPPED_TYPES = frozenset({"address", "location", "base64"})

_ARROW_TYPES: dict[str, pa.DataType] = {
    "boolean": pa.bool_(),
    "int": pa.int64(),
    "double": pa.float64(),
    "currency": pa.float64(),
    "percent": pa.float64(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us", tz="UTC"),
}


@dataclass(frozen=True)
class ExtractField:
    name: str
    sf_type: str

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW_TYPES.get(self.sf_type, pa.string())


class UnknownFieldError(ValueError):
    """A configured field is not in the org's describe."""


def extractable_fields(
    object_name: str,
    describe: dict[str, Any],
    include: list[str] | None = None,
    exclude: list[str] | None = None,
) -> list[ExtractField]:
    """Fields to select, in describe order; include/exclude match case-insensitively."""
    described = {f["name"].lower(): f for f in describe["fields"]}
    for name in [*(include or []), *(exclude or [])]:
        if name.lower() not in described:
            raise UnknownFieldError(
                f"{object_name}.{name} is configured but the org's describe of {object_name} "
                "has no such field."
            )
    wanted = {name.lower() for name in include} if include else None
    unwanted = {name.lower() for name in exclude or []}
    fields = []
    for raw in describe["fields"]:
        key = raw["name"].lower()
        if raw["type"] in SKIPPED_TYPES or key in unwanted:
            continue
        if wanted is not None and key not in wanted and key not in {"id", "systemmodstamp"}:
            continue
        fields.append(ExtractField(raw["name"], raw["type"]))
    return fields


def arrow_schema(fields: list[ExtractField]) -> pa.Schema:
    # Id is the merge key: declaring it non-null matches dlt's primary-key hint.
    return pa.schema([pa.field(f.name, f.arrow_type, nullable=f.name != "Id") for f in fields])


def _convert(value: Any, sf_type: str) -> Any:
    if value is None:
        return None
    if sf_type == "datetime":
        return datetime.fromisoformat(value)
    if sf_type == "date":
        return date.fromisoformat(value)
    return value


def records_to_arrow(records: list[dict[str, Any]], fields: list[ExtractField]) -> pa.Table:
    """Convert one page of REST query records (JSON values) to a typed Arrow table."""
    columns = {
        f.name: pa.array([_convert(r.get(f.name), f.sf_type) for r in records], type=f.arrow_type)
        for f in fields
    }
    return pa.table(columns, schema=arrow_schema(fields))
