"""What a field accepts: values coerced to the field's type and checked as Salesforce checks them.

Shared by every way records get in (REST, composite, Bulk ingest, CSV seed)
so each refuses a bad value with the same ``RecordError`` code and message.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from connectors.salesforce.api.ids import InvalidSalesforceId, to_18
from connectors.salesforce.extract.field_types import arrow_type_for
from local_org.schema import FieldSpec, ObjectSpec
from local_org.soql import ID_TYPES, NUMBER_TYPES, TEXT_TYPES
from rapport.errors import RapportError

SYSTEM_DATETIMES = ("CreatedDate", "LastModifiedDate", "SystemModstamp")

_SQL_TYPES = {
    "boolean": "BOOLEAN",
    "int": "BIGINT",
    "double": "DOUBLE",
    "currency": "DOUBLE",
    "percent": "DOUBLE",
    "date": "DATE",
    "datetime": "TIMESTAMPTZ",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_INT32 = 2**31


def arrow_type(field: FieldSpec) -> pa.DataType:
    return arrow_type_for(field.type)


def sql_type(field: FieldSpec) -> str:
    return _SQL_TYPES.get(field.type, "VARCHAR")


def now_utc() -> datetime:
    """Now, to the millisecond, as Salesforce stamps records."""
    return _to_millis(datetime.now(UTC))


def _to_millis(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


class RecordError(RapportError):
    """One record refused, in the terms of a Salesforce SaveResult error."""

    def __init__(self, status_code: str, message: str, fields: Sequence[str] = ()) -> None:
        super().__init__(f"{status_code}: {message}")
        self.status_code = status_code
        self.message = message
        self.fields = list(fields)


# --------------------------------------------------------------------------- values


def coerce_value(field: FieldSpec, value: Any) -> Any:
    """Convert an API, CSV or Python value to the field's Python type.

    Accepts what the REST API accepts in JSON (ISO strings for dates, numeric
    strings for numbers) so one function serves the API, the CSV reader and
    direct inserts.
    """
    if value is None:
        return None
    kind = field.type
    if kind in ID_TYPES:
        if isinstance(value, str):
            try:
                return to_18(value)
            except InvalidSalesforceId:
                pass
        raise RecordError(
            "MALFORMED_ID", f"{field.label}: id value of incorrect type: {value}", [field.name]
        )
    if kind in TEXT_TYPES:
        if isinstance(value, str):
            return value
    elif kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
    elif kind == "int":
        number = _number(value)
        if number is not None and float(number).is_integer():
            return int(number)
    elif kind in NUMBER_TYPES:
        number = _number(value)
        if number is not None:
            return float(number)
    elif kind == "date":
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
    elif kind == "datetime":
        return _coerce_datetime(field, value)
    elif field.is_compound:
        raise RecordError(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to create/update fields: {field.name}. Compound fields are read-only; "
            "set their components instead.",
            [field.name],
        )
    else:
        return value
    raise _wrong_type(field, value)


def _number(value: Any) -> int | float | None:
    """The number ``value`` holds, or None; never infinity or NaN.

    ``1e999`` parses as infinity, which no Salesforce number field holds and
    which JSON cannot carry: stored, it would break every later query answer.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value) if re.search(r"[.eE]", value) else int(value)
        except ValueError:
            return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return None


def _coerce_datetime(field: FieldSpec, value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise _wrong_type(field, value) from None
        if value.tzinfo is None:  # the API reads a datetime without offset as UTC
            value = value.replace(tzinfo=UTC)
    if not isinstance(value, datetime):
        raise _wrong_type(field, value)
    if value.tzinfo is None:
        raise RecordError(
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
            f"{field.label}: datetime {value.isoformat()} has no time zone; "
            "pass a timezone-aware datetime",
            [field.name],
        )
    return _to_millis(value.astimezone(UTC))


def _wrong_type(field: FieldSpec, value: Any) -> RecordError:
    return RecordError(
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        f"{field.label}: value not of required type ({field.type}): {value!r}",
        [field.name],
    )


def max_length(field: FieldSpec) -> int:
    """The ``length`` describe gives the field; 0 when it has none (numbers, dates...).

    A text field without a length in its spec is a 255-character field, as
    describe says; the same number bounds what a write may store in it.
    """
    if field.type in ID_TYPES:
        return 18
    if field.type in TEXT_TYPES:
        return field.length or 255
    return 0


def check_constraints(field: FieldSpec, value: Any) -> Any:
    """Apply the checks Salesforce makes on save; return the value as stored."""
    if value is None:
        if not field.nillable and field.type != "boolean":
            raise RecordError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{field.name}]",
                [field.name],
            )
        return None
    limit = max_length(field)
    if isinstance(value, str) and limit and len(value) > limit:
        raise RecordError(
            "STRING_TOO_LONG",
            f"{field.label}: data value too large: {value[:40]}... (max length={limit})",
            [field.name],
        )
    if field.type in ("picklist", "multipicklist") and field.picklist_values:
        chosen = value.split(";") if field.type == "multipicklist" else [value]
        bad = [v for v in chosen if v not in field.picklist_values]
        if bad:
            raise RecordError(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{field.label}: bad value for restricted picklist field: {bad[0]}",
                [field.name],
            )
    if field.type == "email" and not _EMAIL.match(value):
        raise RecordError(
            "INVALID_EMAIL_ADDRESS", f"{field.label}: invalid email address: {value}", [field.name]
        )
    if field.type == "int" and not -_INT32 <= value < _INT32:
        raise _out_of_range(field, value)
    if field.type in NUMBER_TYPES and field.type != "int" and field.precision:
        value = round(value, field.scale)
        if abs(value) >= 10 ** (field.precision - field.scale):
            raise _out_of_range(field, value)
    return value


def _out_of_range(field: FieldSpec, value: Any) -> RecordError:
    return RecordError(
        "NUMBER_OUTSIDE_VALID_RANGE",
        f"{field.label}: value outside of valid range on numeric field: {value}",
        [field.name],
    )


# --------------------------------------------------------------------------- results


def unknown_field_error(spec: ObjectSpec, name: str) -> RecordError:
    return RecordError(
        "INVALID_FIELD", f"No such column '{name}' on sobject of type {spec.name}", [name]
    )


def read_only_error(names: list[str]) -> RecordError:
    """Salesforce's answer to a write on a field that is not updateable."""
    return RecordError(
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        f"Unable to create/update fields: {', '.join(names)}. Please check the "
        "security settings of this field and verify that it is read/write for your "
        "profile or permission set.",
        names,
    )


def well_typed_array(field: FieldSpec, values: list[Any]) -> pa.Array | None:
    """An Arrow array of ``values`` if they need no conversion, else None."""
    kind = field.type
    present = [v for v in values if v is not None]
    if kind == "int" and any(isinstance(v, float) for v in present):
        return None  # Arrow would silently truncate 2.5 to 2
    if kind == "date" and any(isinstance(v, datetime) for v in present):
        return None
    if kind == "datetime" and not all(
        isinstance(v, datetime) and v.tzinfo is not None for v in present
    ):
        return None
    try:
        array = pa.array(values, type=arrow_type(field))
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None
    if kind in ID_TYPES:
        well_formed = pc.all(pc.match_substring_regex(array, r"^[a-zA-Z0-9]{18}$")).as_py()
        return None if well_formed is False else array
    if kind == "datetime":
        return pc.floor_temporal(array, unit="millisecond")
    return array


def prepare_create(spec: ObjectSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    """A new record's values as Salesforce accepts them on create, else ``RecordError``.

    Writable fields only, required fields present, values of the right type
    and within their constraints; checkboxes left out read false.
    """
    resolved: dict[str, tuple[FieldSpec, Any]] = {}
    for key, value in values.items():
        field = spec.field_ci(key)
        if field is None:
            raise unknown_field_error(spec, key)
        resolved[field.name] = (field, value)
    read_only = [
        f.name for f, _ in resolved.values() if not f.updateable or f.is_compound or f.type == "id"
    ]
    if read_only:
        raise read_only_error(read_only)
    row = {name: check_constraints(f, coerce_value(f, v)) for name, (f, v) in resolved.items()}
    missing = [
        f.name
        for f in spec.fields.values()
        if not f.nillable
        and f.updateable
        and f.type not in ("boolean", "id")
        and f.name not in SYSTEM_DATETIMES
        and row.get(f.name) is None
    ]
    if missing:
        raise RecordError(
            "REQUIRED_FIELD_MISSING",
            f"Required fields are missing: [{', '.join(missing)}]",
            missing,
        )
    for f in spec.fields.values():  # checkboxes default to false, as on Salesforce
        if f.type == "boolean" and f.name != "IsDeleted" and row.get(f.name) is None:
            row[f.name] = False
    return row
