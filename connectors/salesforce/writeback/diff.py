"""Decide what to send: compare the mart's new values, the last pushed and the CRM's current.

Per record and field:

* new == last pushed: nothing changed in Rapport, nothing to send;
* new == CRM: the CRM already holds it, record it as pushed, send nothing;
* never pushed, or CRM == last pushed: send (a first write or an update);
* otherwise someone edited the field by hand since Rapport wrote it: a
  conflict, kept (``skip``, the default) or overwritten (``overwrite``).

Only the fields that change are sent, so a record's other fields, and any
hand edits in them, are left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from connectors.salesforce.api.ids import InvalidSalesforceId, to_18
from connectors.salesforce.writeback.crm_read import CrmValues
from connectors.salesforce.writeback.mapping import BoundObject, ConflictPolicy
from connectors.salesforce.writeback.state import LastPushed, PushedValue
from connectors.salesforce.writeback.values import InvalidValue

DesiredValues = dict[str, dict[str, Any]]  # record id -> field -> canonical value


@dataclass(frozen=True)
class InvalidRecord:
    object_name: str
    record_id: str
    message: str


@dataclass(frozen=True)
class Conflict:
    object_name: str
    record_id: str
    field: str
    last_pushed: Any
    crm_value: Any
    new_value: Any
    policy: ConflictPolicy


@dataclass(frozen=True)
class RecordChange:
    object_name: str
    record_id: str
    send: dict[str, Any]  # field -> new value (the stamp field is added when sending)
    before: dict[str, Any]  # field -> CRM value now, for the same fields
    first_write: bool


@dataclass
class ObjectPlan:
    object_name: str
    records: int = 0
    changes: list[RecordChange] = field(default_factory=list)
    in_sync: list[PushedValue] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    invalid: list[InvalidRecord] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def created(self) -> int:
        return sum(1 for c in self.changes if c.first_write)

    @property
    def updated(self) -> int:
        return sum(1 for c in self.changes if not c.first_write)

    @property
    def conflicted_records(self) -> int:
        return len({c.record_id for c in self.conflicts})


def desired_values(
    bound: BoundObject, table: pa.Table
) -> tuple[DesiredValues, list[InvalidRecord]]:
    """The canonical CRM value of every mapped field, per record; bad rows set aside with why."""
    columns = {name: table.column(name).to_pylist() for name in bound.columns}
    desired: DesiredValues = {}
    invalid: list[InvalidRecord] = []
    duplicates: set[str] = set()
    for index, raw_id in enumerate(columns[bound.id_column]):
        try:
            record_id = to_18(raw_id) if isinstance(raw_id, str) else None
        except InvalidSalesforceId:
            record_id = None
        if record_id is None:
            invalid.append(
                InvalidRecord(
                    bound.object_name,
                    str(raw_id),
                    f"{bound.mart} row {index}: {bound.id_column} {raw_id!r} is not a Salesforce Id",
                )
            )
            continue
        if record_id in desired or record_id in duplicates:
            duplicates.add(record_id)
            desired.pop(record_id, None)
            continue
        try:
            desired[record_id] = {
                f.crm.name: f.convert(columns[f.column][index]) for f in bound.fields
            }
        except InvalidValue as error:
            invalid.append(InvalidRecord(bound.object_name, record_id, f"{record_id}: {error}"))
    for record_id in sorted(duplicates):
        invalid.append(
            InvalidRecord(
                bound.object_name,
                record_id,
                f"{record_id} appears more than once in {bound.mart}; none of its rows is written",
            )
        )
    return desired, invalid


def changed_fields(desired: DesiredValues, last_pushed: LastPushed) -> DesiredValues:
    """Per record, the fields whose new value differs from the one last pushed."""
    changed: DesiredValues = {}
    for record_id, values in desired.items():
        pushed = last_pushed.get(record_id, {})
        fields = {
            name: value
            for name, value in values.items()
            if name not in pushed or pushed[name] != value
        }
        if fields:
            changed[record_id] = fields
    return changed


def plan_object(
    object_name: str,
    desired: DesiredValues,
    invalid: list[InvalidRecord],
    last_pushed: LastPushed,
    crm: CrmValues,
    policies: Mapping[str, ConflictPolicy],
    valid: int | None = None,
) -> ObjectPlan:
    """The three-way comparison for one object; ``crm`` holds the changed records that exist.

    ``valid``: how many records have valid values, when ``desired`` holds only
    those that may have changed (``compare.py``); by default all of ``desired``.
    """
    valid = len(desired) if valid is None else valid
    plan = ObjectPlan(object_name, records=valid + len(invalid), invalid=list(invalid))
    changed = changed_fields(desired, last_pushed)
    plan.unchanged = valid - len(changed)
    for record_id, fields in changed.items():
        current = crm.get(record_id)
        if current is None:
            plan.missing.append(record_id)
            continue
        pushed = last_pushed.get(record_id, {})
        send: dict[str, Any] = {}
        conflicted = False
        for name, new in fields.items():
            now = current.get(name)
            if now == new:
                plan.in_sync.append(PushedValue(object_name, record_id, name, new))
            elif name not in pushed or now == pushed[name]:
                send[name] = new
            else:
                policy = policies.get(name, "skip")
                conflicted = True
                plan.conflicts.append(
                    Conflict(object_name, record_id, name, pushed[name], now, new, policy)
                )
                if policy == "overwrite":
                    send[name] = new
        if send:
            before = {name: current.get(name) for name in send}
            plan.changes.append(
                RecordChange(object_name, record_id, send, before, first_write=not pushed)
            )
        elif not conflicted:
            plan.unchanged += 1
    return plan
