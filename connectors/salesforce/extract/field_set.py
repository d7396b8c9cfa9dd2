"""The fields an object was last read with, and what changed since.

Fields come from describe on every run, so the set can change between two
runs: an admin deletes a custom field, field-level security hides one from
the integration user, or a new custom field appears. An incremental read
would then mix rows read with the old set and rows read with the new one:
after a field disappears, the changed rows would load it as null while the
unchanged ones kept their old values, a signal that silently half-decays.

So a changed set makes the next read of the object whole: every live row is
replaced and carries exactly the fields the org now shows. A field that
disappeared is kept as a column of nulls (the models read null as no
evidence, and BI queries naming it keep working); one that appeared is
filled on every row, not only on rows changed since the watermark.
"""

from __future__ import annotations

from typing import Any

from connectors.salesforce.extract.fields import ExtractField

STATE_KEY = "fields"


def _names(fields: list[ExtractField]) -> list[str]:
    return [f.name for f in fields]


def previous_fields(state: dict[str, Any]) -> list[str] | None:
    """The fields of the last complete read, or None before the first."""
    previous = state.get(STATE_KEY)
    return None if previous is None else list(previous)


def vanished_fields(state: dict[str, Any], fields: list[ExtractField]) -> list[str]:
    """Fields the last complete read had that this org's describe no longer shows."""
    current = {name.lower() for name in _names(fields)}
    return [name for name in previous_fields(state) or [] if name.lower() not in current]


def field_set_changed(state: dict[str, Any], fields: list[ExtractField]) -> bool:
    previous = previous_fields(state)
    if previous is None:
        return False
    return {n.lower() for n in previous} != {n.lower() for n in _names(fields)}


def remember_fields(state: dict[str, Any], fields: list[ExtractField]) -> None:
    """Record the fields of a read that completed."""
    state[STATE_KEY] = _names(fields)
