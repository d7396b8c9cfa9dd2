"""Write the marts' answers into CRM fields, sending only what changed.

Order of work, so a problem is found before anything is written:

1. mapping: loaded and checked against the allow-list (no API call yet);
2. marts: read from the warehouse;
3. org: describe each object (installing missing Rapport fields if allowed),
   then the mapping is bound to the org's fields and the marts' columns;
4. diff: new values vs the last pushed (warehouse) vs the CRM's current ones
   (read for the changed records only);
5. send (``writeback_send``): composite or Bulk API 2.0, whichever takes
   fewer API calls; each batch's outcomes are logged and its confirmed values
   recorded in one transaction before the next batch goes.

A dry run stops after step 4 and writes nothing, to the CRM or the warehouse.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import duckdb
import pyarrow as pa
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceResourceNotFound

from connectors.salesforce.writeback.crm_read import read_current_values
from connectors.salesforce.writeback.crm_schema import ObjectFields, describe_object_fields
from connectors.salesforce.writeback.diff import changed_fields, desired_values, plan_object
from connectors.salesforce.writeback.install import install_fields
from connectors.salesforce.writeback.mapping import (
    BoundObject,
    ObjectMapping,
    WritebackMapping,
    allowed_fields,
    bind_mapping,
    check_allow_list,
    load_mapping,
)
from connectors.salesforce.writeback.mart_reader import read_mart
from connectors.salesforce.writeback.rapport_fields import FieldDefinition, rapport_field
from connectors.salesforce.writeback.report import ObjectSummary, SampleRow, WritebackReport
from connectors.salesforce.writeback.send import (
    PayloadCheck,
    PreparedObject,
    record_unsent,
    send_all,
    transport_for,
)
from connectors.salesforce.writeback.state import WritebackLedger
from rapport.config import WarehouseSettings, WritebackSettings
from rapport.warehouse import duckdb_connection

logger = logging.getLogger(__name__)

Log = Callable[[str], None]


def sync_writeback(
    sf: Salesforce,
    *,
    warehouse: WarehouseSettings,
    options: WritebackSettings,
    mapping: WritebackMapping | None = None,
    dry_run: bool = False,
    run_id: str | None = None,
    log: Log = logger.info,
    payload_check: PayloadCheck | None = None,
) -> WritebackReport:
    """Sync the marts to the CRM (or, dry, report what would change).

    ``payload_check`` sees each object's complete payload, the object's
    describe and the fields it may carry before anything is sent, and stops
    the run by raising (the flow plugs the payload quality gate in here).
    """
    mapping = mapping or load_mapping(options.mapping_file)
    check_allow_list(mapping, allowed_fields(options.extra_allowed_fields))
    if warehouse.type != "duckdb":
        raise NotImplementedError("Write-back state is only implemented for DuckDB so far.")
    report = WritebackReport(run_id=run_id or uuid.uuid4().hex, dry_run=dry_run)
    with duckdb_connection(warehouse.path) as connection:
        marts = _read_marts(connection, warehouse.marts_schema, mapping)
        bound_objects, described = _bind(sf, mapping, marts, options, dry_run, report, log)
        # A dry run writes nothing, not even the audit tables.
        ledger = WritebackLedger(connection, warehouse.audit_schema, create=not dry_run)
        prepared = [
            _prepare(sf, bound, marts[bound.mart], ledger, options, report)
            for bound in bound_objects
        ]
        for item in prepared:
            item.describe = described[item.bound.object_name].describe or {}
        if dry_run:
            for item in prepared:
                choice = transport_for(item, options)
                item.summary.transport = choice.transport if item.plan.changes else None
                item.summary.transport_estimate = choice.describe()
            log(str(report))
            return report
        record_unsent(ledger, report.run_id, prepared)
        send_all(sf, ledger, report, prepared, options, log, payload_check)
    log(str(report))
    return report


# --------------------------------------------------------------------------- steps


def _read_marts(
    connection: duckdb.DuckDBPyConnection, schema: str, mapping: WritebackMapping
) -> dict[str, pa.Table]:
    marts: dict[str, pa.Table] = {}
    for body in mapping.objects.values():
        columns = [body.id_column, *(entry.column for entry in body.fields.values())]
        table = read_mart(connection, schema, body.mart, columns)
        if table is not None:
            marts[body.mart] = table
    return marts


def _bind(
    sf: Salesforce,
    mapping: WritebackMapping,
    marts: dict[str, pa.Table],
    options: WritebackSettings,
    dry_run: bool,
    report: WritebackReport,
    log: Log,
) -> tuple[list[BoundObject], dict[str, ObjectFields]]:
    """The mapping bound to the org's fields, Rapport's missing fields installed if allowed.

    The mapping is checked against the fields as they will be (describe plus
    the missing Rapport fields) before anything is installed, so a mapping
    that would fail anyway changes nothing in the org.
    """
    described = _describe(sf, mapping)
    missing = {
        name: _missing_rapport_fields(name, body, described[name])
        for name, body in mapping.objects.items()
        if name in described
    }
    missing = {name: definitions for name, definitions in missing.items() if definitions}
    if missing and not dry_run and not options.install_missing_fields:
        return bind_mapping(mapping, described, marts), described  # raises, naming them
    planned = {
        name: fields.with_planned(missing.get(name, [])) for name, fields in described.items()
    }
    bound = bind_mapping(mapping, planned, marts)
    to_install = [d for definitions in missing.values() for d in definitions]
    if not to_install:
        return bound, described
    if dry_run:
        report.fields_to_install += [d.full_name for d in to_install]
        return bound, planned
    installed = install_fields(sf, to_install)
    report.fields_installed += installed.created
    log(f"Installed missing Rapport fields: {', '.join(installed.created)}")
    for name in missing:
        described[name] = describe_object_fields(sf, name)
    return bind_mapping(mapping, described, marts), described


def _describe(sf: Salesforce, mapping: WritebackMapping) -> dict[str, ObjectFields]:
    """Each mapped object's fields (an object the org lacks is left out, for bind to report)."""
    described: dict[str, ObjectFields] = {}
    for object_name in mapping.objects:
        try:
            described[object_name] = describe_object_fields(sf, object_name)
        except SalesforceResourceNotFound:
            continue
    return described


def _missing_rapport_fields(
    object_name: str, body: ObjectMapping, fields: ObjectFields
) -> list[FieldDefinition]:
    names = [*body.fields, *([body.updated_at_field] if body.updated_at_field else [])]
    missing = []
    for name in names:
        definition = rapport_field(object_name, name)
        if definition is not None and name not in fields:
            missing.append(definition)
    return missing


def _prepare(
    sf: Salesforce,
    bound: BoundObject,
    mart: pa.Table,
    ledger: WritebackLedger,
    options: WritebackSettings,
    report: WritebackReport,
) -> PreparedObject:
    desired, invalid = desired_values(bound, mart)
    last_pushed = ledger.last_pushed(bound.object_name)
    changed_ids = list(changed_fields(desired, last_pushed))
    # Fields planned in a dry run do not exist yet: their CRM value is null.
    planned = set(report.fields_to_install)
    readable = [f.crm for f in bound.fields if f.crm.full_name not in planned]
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
    plan = plan_object(bound.object_name, desired, invalid, last_pushed, current, policies)
    summary = ObjectSummary.from_plan(plan)
    report.objects.append(summary)
    report.conflicts += plan.conflicts
    report.invalid += plan.invalid
    room = options.sample_size - len({(s.object_name, s.record_id) for s in report.sample})
    for change in plan.changes[: max(room, 0)]:
        report.sample += [
            SampleRow(bound.object_name, change.record_id, name, change.before.get(name), value)
            for name, value in change.send.items()
        ]
    return PreparedObject(bound, plan, summary)
