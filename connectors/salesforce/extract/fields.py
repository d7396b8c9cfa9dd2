"""Turn a describe result into the columns Rapport extracts, and their Arrow types.

Columns come from describe on every run, so a custom field added in the org
arrives in the warehouse without a code change. Typed Arrow columns (rather
than JSON inferred by dlt) keep dates as dates and numbers as numbers, and
the same types parse Bulk API CSV, so both transports load identical tables.

Warehouse column names are fixed here, not left to dlt: dlt reads ``__`` as
a nesting separator and would turn ``Score__c`` into ``score__c``, while
table names and the dbt sources use ``score_c``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
from dlt.common.normalizers.naming.snake_case import NamingConvention

from connectors.salesforce.extract.field_types import arrow_type_for
from rapport.errors import ConfigurationError

# Compound fields duplicate their components and cannot be queried in Bulk;
# base64 bodies are blobs nobody analyses.
SKIPPED_TYPES = frozenset({"address", "location", "base64"})
# The merge key, the watermark and the delete flag: extracted whatever
# include/exclude say, since incremental loading and deletes depend on them.
ALWAYS_SELECTED = ("Id", "SystemModstamp", "IsDeleted")

_NAMING = NamingConvention()


def column_name(catalog_name: str) -> str:
    """The warehouse column of a field (``Score__c`` → ``score_c``)."""
    return _NAMING.normalize_identifier(catalog_name)


@dataclass(frozen=True)
class ExtractField:
    name: str  # the API name in this org: what SOQL selects
    sf_type: str
    catalog_name: str = ""  # Rapport's name for it when the org's differs
    # A formula field: its value can change without a SystemModstamp bump.
    calculated: bool = False

    @property
    def column(self) -> str:
        return column_name(self.catalog_name or self.name)

    @property
    def arrow_type(self) -> pa.DataType:
        return arrow_type_for(self.sf_type)


class UnknownFieldError(ConfigurationError, ValueError):
    """A configured field is not in the org's describe."""

    hint = "Remove the field from extract.objects, or check its API name with `rapport doctor`."


def _org_keys(
    object_name: str,
    described: dict[str, Any],
    names: list[str],
    to_org: dict[str, str],
    setting: str,
) -> list[str]:
    """Describe keys of configured names (org or catalog names); unknown ones are an error."""
    keys = []
    for name in names:
        key = to_org.get(name.lower(), name.lower())
        if key not in described:
            raise UnknownFieldError(
                f"{object_name}.{name} is configured ({setting}) but the org's describe of "
                f"{object_name} has no such field."
            )
        keys.append(key)
    return keys


def extractable_fields(
    object_name: str,
    describe: dict[str, Any],
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    rename: dict[str, str] | None = None,
) -> list[ExtractField]:
    """Fields to select, in describe order; names match case-insensitively.

    ``rename`` maps org field names to catalog names; ``include`` and
    ``exclude`` may use either.
    """
    described = {f["name"].lower(): f for f in describe["fields"]}
    rename = rename or {}
    _org_keys(object_name, described, list(rename), {}, "rename")
    to_org = {target.lower(): source.lower() for source, target in rename.items()}
    include_keys = _org_keys(object_name, described, include or [], to_org, "include")
    exclude_keys = _org_keys(object_name, described, exclude or [], to_org, "exclude")
    wanted = set(include_keys) if include else None
    always = {name.lower() for name in ALWAYS_SELECTED}
    catalog_names = {source.lower(): target for source, target in rename.items()}

    fields = []
    for raw in describe["fields"]:
        key = raw["name"].lower()
        if key not in always and (
            raw["type"] in SKIPPED_TYPES
            or key in exclude_keys
            or (wanted is not None and key not in wanted)
        ):
            continue
        fields.append(
            ExtractField(
                raw["name"],
                raw["type"],
                catalog_names.get(key, ""),
                calculated=bool(raw.get("calculated", False)),
            )
        )
    _check_unique_columns(object_name, fields)
    return fields


def _check_unique_columns(object_name: str, fields: list[ExtractField]) -> None:
    seen: dict[str, str] = {}
    for f in fields:
        if f.column in seen:
            raise UnknownFieldError(
                f"{object_name}.{f.name} and {object_name}.{seen[f.column]} would both load into "
                f"column {f.column}; rename one of them (extract objects' rename)."
            )
        seen[f.column] = f.name


def arrow_schema(fields: list[ExtractField]) -> pa.Schema:
    # Id is the merge key: declaring it non-null matches dlt's primary-key hint.
    return pa.schema([pa.field(f.column, f.arrow_type, nullable=f.name != "Id") for f in fields])


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
    columns = [
        pa.array([_convert(r.get(f.name), f.sf_type) for r in records], type=f.arrow_type)
        for f in fields
    ]
    return pa.Table.from_arrays(columns, schema=arrow_schema(fields))


def csv_convert_options(fields: list[ExtractField], header: list[str]) -> pa_csv.ConvertOptions:
    """How to read Bulk API 2.0 CSV: empty means null, as in the REST API's JSON."""
    by_name = {f.name.lower(): f for f in fields}
    return pa_csv.ConvertOptions(
        column_types={name: by_name[name.lower()].arrow_type for name in header},
        null_values=[""],
        strings_can_be_null=True,
        true_values=["true"],
        false_values=["false"],
    )


def csv_batch_to_arrow(batch: pa.RecordBatch, fields: list[ExtractField]) -> pa.Table:
    """A parsed CSV batch in the same columns, order and types as ``records_to_arrow``."""
    by_name = {name.lower(): index for index, name in enumerate(batch.schema.names)}
    columns = [batch.column(by_name[f.name.lower()]) for f in fields]
    return pa.Table.from_arrays(columns, schema=arrow_schema(fields))


def check_csv_header(object_name: str, header: list[str], fields: list[ExtractField]) -> None:
    expected = [f.name.lower() for f in fields]
    if sorted(name.lower() for name in header) != sorted(expected):
        raise ValueError(
            f"Bulk results for {object_name} have columns {header}, expected "
            f"{[f.name for f in fields]}."
        )
