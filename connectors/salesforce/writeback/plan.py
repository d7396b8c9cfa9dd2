"""Plan what to send, object by object: the three-way diff and the transport it will go by.

Two steps, so the org is asked only when something may have to be sent:

1. draft (``draft_plans``), from the warehouse alone: each object bound from
   its last binding to the org (``known_binding.py``), the mart's new values
   compared with the values Rapport last pushed (the ledger in ``state.py``),
   a column at a time (``compare.py``). An object that cannot be bound that
   way, or has a value to send, needs the org.
2. plan (``plan_writeback``): the objects that need the org, bound to it
   (``binding.py``), have the CRM's current values read for their changed
   records only (``crm_read.py``), and the three-way diff makes the plan
   (``diff.plan_object``); the others' plans say every record is unchanged.
   The transport is chosen here too, from the number of changes, so a dry
   run reports it and the send only follows it.

Reads only: nothing here writes to the CRM or the warehouse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from simple_salesforce import Salesforce

from connectors.salesforce.writeback.binding import OrgBinding
from connectors.salesforce.writeback.compare import Comparison, compare_object
from connectors.salesforce.writeback.crm_read import read_current_values
from connectors.salesforce.writeback.diff import ObjectPlan, changed_fields, plan_object
from connectors.salesforce.writeback.known_binding import bind_from_record
from connectors.salesforce.writeback.mapping import BoundObject, ObjectMapping, WritebackMapping
from connectors.salesforce.writeback.report import ObjectSummary, WritebackReport
from connectors.salesforce.writeback.state import WritebackLedger
from connectors.salesforce.writeback.transport import TransportChoice, choose_transport
from rapport.config import WritebackSettings


@dataclass(frozen=True)
class PlannedObject:
    """One object, bound and diffed, with the transport its changes go by."""

    bound: BoundObject
    plan: ObjectPlan
    summary: ObjectSummary  # the report's line for the object; the send completes it
    describe: dict[str, Any]  # empty for an object planned without the org
    transport: TransportChoice


@dataclass(frozen=True)
class Draft:
    """One object compared with the ledger before any call to the org."""

    object_name: str
    # The ledger's rows for the object (``WritebackLedger.pushed_table``).
    ledger: pa.Table
    # Whether planning it needs the org: a value to send, or no usable binding.
    needs_org: bool = True
    # Bound from the last binding to the org; None when only the org can bind it.
    bound: BoundObject | None = None
    # The mart against the ledger, as bound (None when not bound).
    comparison: Comparison | None = None


def draft_plans(
    mapping: WritebackMapping, marts: Mapping[str, pa.Table], ledger: WritebackLedger
) -> dict[str, Draft]:
    """Every mapped object compared with the ledger, in the mapping's order, without the org.

    An object whose mart is empty needs no org either: it has nothing to
    write, whatever the org holds (an org seeded from an export may even
    lack the object, and would otherwise be described on every run).
    """
    known = ledger.known_bindings()
    drafts = {}
    for name, body in mapping.objects.items():
        pushed = ledger.pushed_table(name)
        bound = bind_from_record(name, body, known.get(name), marts)
        if bound is None:
            drafts[name] = Draft(name, pushed, needs_org=not _empty_mart(body, marts))
            continue
        comparison = compare_object(bound, marts[bound.mart], pushed)
        changed = bool(changed_fields(comparison.desired, comparison.last_pushed))
        drafts[name] = Draft(name, pushed, changed, bound, comparison)
    return drafts


def _empty_mart(body: ObjectMapping, marts: Mapping[str, pa.Table]) -> bool:
    """The object's mart exists, has every mapped column (else binding names the problem), no row."""
    mart = marts.get(body.mart)
    columns = [body.id_column, *(entry.column for entry in body.fields.values())]
    return mart is not None and mart.num_rows == 0 and set(columns) <= set(mart.column_names)


def plan_writeback(
    sf: Salesforce | None,
    drafts: Mapping[str, Draft],
    binding: OrgBinding,
    marts: Mapping[str, pa.Table],
    options: WritebackSettings,
    report: WritebackReport,
) -> list[PlannedObject]:
    """Every object's plan, counted into ``report`` (a line, a sample, conflicts).

    ``binding`` holds the objects whose drafts need the org, bound to it
    (``sf``); the other drafts' objects have nothing to send.
    """
    # Fields planned in a dry run do not exist yet: their CRM value is null.
    not_in_org = set(binding.to_install)
    # Fields this run created (or, dry, would) hold nothing yet, whatever was
    # pushed before to a field of that name since deleted from the org.
    installed = set(binding.installed) | not_in_org
    online = {bound.object_name: bound for bound in binding.objects}
    planned = []
    for name, draft in drafts.items():
        if name in online:
            if sf is None:
                raise ValueError("objects bound to the org need its client to be planned")
            bound = online[name]
            plan = _plan_object(sf, bound, draft, marts[bound.mart], options, not_in_org, installed)
            describe = binding.describes[name]
        elif draft.bound is not None and not draft.needs_org:
            bound = draft.bound
            plan = _plan_unchanged(draft)
            describe = {}
        else:
            continue  # an empty mart, not bound: nothing to write, nothing to report
        summary = report.add_plan(plan, options.sample_size)
        choice = choose_transport(
            len(plan.changes),
            options.batch_size,
            options.bulk_threshold_records,
            options.bulk_max_records_per_job,
        )
        if plan.changes:
            summary.transport = choice.transport
            summary.transport_estimate = choice.describe()
        planned.append(PlannedObject(bound, plan, summary, describe, choice))
    return planned


def _plan_unchanged(draft: Draft) -> ObjectPlan:
    """The plan of an object whose records all hold what was last pushed (or are invalid)."""
    policies = {f.crm.name: f.on_conflict for f in draft.bound.fields} if draft.bound else {}
    comparison = draft.comparison or Comparison({}, {}, 0)
    return plan_object(
        draft.object_name,
        comparison.desired,
        list(comparison.invalid),
        comparison.last_pushed,
        {},
        policies,
        valid=comparison.valid,
    )


def _plan_object(
    sf: Salesforce,
    bound: BoundObject,
    draft: Draft,
    mart: pa.Table,
    options: WritebackSettings,
    not_in_org: set[str],
    installed: set[str],
) -> ObjectPlan:
    forgotten = {f.crm.name for f in bound.fields if f.crm.full_name in installed}
    if bound == draft.bound and draft.comparison is not None and not forgotten:
        comparison = draft.comparison
    else:  # bound afresh (the org's fields may convert values differently), or fields forgotten
        comparison = compare_object(bound, mart, _forget(draft.ledger, forgotten))
    desired, last_pushed = comparison.desired, comparison.last_pushed
    changed_ids = list(changed_fields(desired, last_pushed))
    readable = [f.crm for f in bound.fields if f.crm.full_name not in not_in_org]
    current = read_current_values(
        sf,
        bound.object_name,
        readable,
        changed_ids,
        object_size=mart.num_rows,
        ids_per_query=options.ids_per_query,
    )
    for values in current.values():
        for f in bound.fields:
            values.setdefault(f.crm.name, None)
    policies = {f.crm.name: f.on_conflict for f in bound.fields}
    return plan_object(
        bound.object_name,
        desired,
        comparison.invalid,
        last_pushed,
        current,
        policies,
        valid=comparison.valid,
    )


def _forget(ledger: pa.Table, fields: set[str]) -> pa.Table:
    """The ledger without ``fields``: a field deleted and created again holds none of it."""
    if not fields:
        return ledger
    return ledger.filter(
        pc.invert(pc.is_in(ledger["field"], value_set=pa.array(sorted(fields), pa.string())))
    )
