"""One canonical form for a field's value, whether it comes from a mart or the CRM.

The diff compares the mart's new value, the value last pushed and the value
the CRM holds now; they only compare equal if all three are put in the same
form first (a number rounded to the field's scale, an empty text as null, a
datetime in UTC). The canonical form is also what is sent and what the
write-back state stores, as JSON.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from connectors.salesforce.writeback.crm_schema import CrmField
from rapport.errors import RapportError

TEXT_TYPES = frozenset(
    {"string", "textarea", "picklist", "multipicklist", "email", "phone", "url", "combobox"}
)
NUMBER_TYPES = frozenset({"double", "currency", "percent", "int", "long"})


class InvalidValue(RapportError, ValueError):
    """A value the field cannot hold; the message names the field."""


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def to_crm_value(field: CrmField, value: Any) -> Any:
    """The value to send for ``field``; raises ``InvalidValue`` if the CRM would refuse it."""
    if _is_missing(value):
        return None
    kind = field.type
    if kind in TEXT_TYPES:
        if not isinstance(value, str):
            raise InvalidValue(f"{field.full_name} takes text, got {value!r}")
        if value == "":
            return None
        if field.length and len(value) > field.length:
            raise InvalidValue(
                f"{field.full_name} holds at most {field.length} characters, got {len(value)}"
            )
        if kind == "picklist" and field.picklist_values and value not in field.picklist_values:
            raise InvalidValue(f"{field.full_name} has no picklist value {value!r}")
        return value
    if kind in NUMBER_TYPES:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise InvalidValue(f"{field.full_name} takes a number, got {value!r}")
        return _number(field, value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise InvalidValue(f"{field.full_name} takes true or false, got {value!r}")
        return value
    if kind == "date":
        if isinstance(value, datetime) or not isinstance(value, date):
            raise InvalidValue(f"{field.full_name} takes a date, got {value!r}")
        return value.isoformat()
    if kind == "datetime":
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise InvalidValue(f"{field.full_name} takes a timezone-aware datetime, got {value!r}")
        return format_datetime(value)
    raise InvalidValue(f"{field.full_name} is a {kind} field, which Rapport does not write")


def _number(field: CrmField, value: int | float | Decimal) -> int | float:
    number = float(value)
    if math.isinf(number):
        raise InvalidValue(f"{field.full_name} cannot hold {value!r}")
    if field.type in ("int", "long"):
        if not number.is_integer():
            raise InvalidValue(f"{field.full_name} takes a whole number, got {value!r}")
        return int(number)
    if field.precision:
        number = round(number, field.scale)
        if abs(number) >= 10 ** (field.precision - field.scale):
            raise InvalidValue(
                f"{field.full_name} holds numbers below {10 ** (field.precision - field.scale)}"
                f" (precision {field.precision}, scale {field.scale}), got {value!r}"
            )
    return number


def from_crm_value(field: CrmField, value: Any) -> Any:
    """The canonical form of a value read from the CRM (never raises: it is what it is)."""
    if _is_missing(value) or value == "":
        return None
    if (
        field.type in NUMBER_TYPES
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        try:
            return _number(field, value)
        except InvalidValue:
            return float(value)
    if field.type == "datetime" and isinstance(value, str):
        try:
            return format_datetime(parse_datetime(value))
        except ValueError:
            return value
    return value


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC to the millisecond, as Salesforce stores datetimes."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_datetime(value: str) -> datetime:
    # The REST API writes +0000, which fromisoformat reads from Python 3.11 on.
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def dump(value: Any) -> str:
    """JSON of a canonical value, for the write-back state and log."""
    return json.dumps(value, sort_keys=True)


def load(raw: str | None) -> Any:
    return None if raw is None else json.loads(raw)
