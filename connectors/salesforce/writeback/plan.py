"""Plan what to send, object by object: the three-way diff and the transport it will go by.

For each bound object: the mart's new values (``diff.desired_values``), the
values Rapport last pushed (the ledger in ``state.py``), and the CRM's
current values, read for the changed records only (``crm_read.py``), make
the plan (``diff.plan_object``). The transport is chosen here too, from the
number of changes, so a dry run reports it and the send only follows it.
Reads only: nothing here writes to the CRM or the warehouse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from simple_salesforce import Salesforce

from connectors.salesforce.writeback.binding import OrgBinding
from connectors.salesforce.writeback.crm_read import read_current_values
from connectors.salesforce.writeback.diff import (
    ObjectPlan,
    changed_fields,
    desired_values,
    plan_object,
)
from connectors.salesforce.writeback.mapping import BoundObject
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
    describe: dict[str, Any]
    transport: TransportChoice


def plan_writeback(
    sf: Salesforce,
    binding: OrgBinding,
    marts: Mapping[str, pa.Table],
    ledger: WritebackLedger,
    options: WritebackSettings,
    report: WritebackReport,
) -> list[PlannedObject]:
    """Every bound object's plan, counted into ``report`` (a line, a sample, conflicts)."""
    # Fields planned in a dry run do not exist yet: their CRM value is null.
    not_in_org = set(binding.to_install)
    planned = []
    for bound in binding.objects:
        plan = _plan_object(sf, bound, marts[bound.mart], ledger, options, not_in_org)
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
        describe = binding.describes[bound.object_name]
        planned.append(PlannedObject(bound, plan, summary, describe, choice))
    return planned


def _plan_object(
    sf: Salesforce,
    bound: BoundObject,
    mart: pa.Table,
    ledger: WritebackLedger,
    options: WritebackSettings,
    not_in_org: set[str],
) -> ObjectPlan:
    desired, invalid = desired_values(bound, mart)
    last_pushed = ledger.last_pushed(bound.object_name)
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
    return plan_object(bound.object_name, desired, invalid, last_pushed, current, policies)
