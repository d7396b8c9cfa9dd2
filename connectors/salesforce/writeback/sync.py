"""Write the marts' answers into CRM fields, sending only what changed.

A straight line, one step per module, each called once, in this order, so a
problem is found before anything is written:

1. mapping (``mapping.py``): loaded and checked against the allow-list (no
   API call yet);
2. read (``mart_reader.py``): the mapped marts' columns from the warehouse;
3. draft (``plan.draft_plans``): each object bound from its last binding to
   the org (``known_binding.py``) and its new values compared with the last
   pushed (the ledger, ``state.py``), still without the org. When no object
   has anything to send, the run ends here: no sign-in, no call at all;
4. bind (``binding.py``), for the objects that need the org only: signed
   in (on first need, ``org`` may be a function that signs in), each object
   described (``crm_schema.py``), the Rapport fields it lacks installed if
   allowed, the mapping bound to the org's fields and the marts' columns,
   and the binding recorded for the next run;
5. plan (``plan.py``): new values vs the last pushed vs the CRM's current
   ones (``crm_read.py``, for the changed records only), diffed by
   ``diff.py``, and the transport each object's changes will go by
   (``transport.py``), all counted into the report (``report.py``);
6. send (``send.py``): composite or Bulk API 2.0 as planned; each batch's
   outcomes are logged and its confirmed values recorded in the ledger in
   one transaction before the next batch goes, and counted into the report.

A dry run stops after step 5, having read only: it writes nothing, to the
CRM or the warehouse, and its report holds the plan and the transports.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from simple_salesforce import Salesforce

from connectors.salesforce.writeback.binding import OrgBinding, bind_to_org
from connectors.salesforce.writeback.known_binding import known_bindings
from connectors.salesforce.writeback.mapping import (
    WritebackMapping,
    allowed_fields,
    check_allow_list,
    load_mapping,
)
from connectors.salesforce.writeback.mart_reader import read_marts
from connectors.salesforce.writeback.plan import draft_plans, plan_writeback
from connectors.salesforce.writeback.report import WritebackReport
from connectors.salesforce.writeback.send import PayloadCheck, send_plan
from connectors.salesforce.writeback.state import WritebackLedger
from rapport.config import WarehouseSettings, WritebackSettings
from rapport.warehouse import open_warehouse

logger = logging.getLogger(__name__)

Log = Callable[[str], None]
# A signed-in client, or a function that signs in (called only if the org is needed).
Org = Salesforce | Callable[[], Salesforce]


def sync_writeback(
    org: Org,
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

    ``org`` is called to sign in only when some object needs the org, so a
    run with nothing to send makes no call. ``payload_check`` sees each
    object's complete payload, the object's describe and the fields it may
    carry before anything is sent, and stops the run by raising (the flow
    plugs the payload quality gate in here).
    """
    mapping = mapping or load_mapping(options.mapping_file)
    check_allow_list(mapping, allowed_fields(options.extra_allowed_fields))
    run_id = run_id or uuid.uuid4().hex
    with open_warehouse(warehouse) as sql:
        marts = read_marts(sql, warehouse.marts_schema, mapping)
        # A dry run writes nothing, not even the audit tables.
        ledger = WritebackLedger(sql, warehouse.audit_schema, create=not dry_run)
        drafts = draft_plans(mapping, marts, ledger)
        needed = [name for name, draft in drafts.items() if draft.needs_org]
        sf: Salesforce | None = None
        binding = OrgBinding([], {})
        if needed:
            sf = org() if callable(org) and not isinstance(org, Salesforce) else org
            binding = bind_to_org(
                sf,
                mapping.only(needed),
                marts,
                install_missing=options.install_missing_fields,
                dry_run=dry_run,
                log=log,
            )
            if not dry_run:
                ledger.record_bindings(run_id, known_bindings(mapping, binding))
        else:
            log("Write-back: every record holds what was last pushed; the org was not called.")
        report = WritebackReport(
            run_id=run_id,
            dry_run=dry_run,
            fields_installed=list(binding.installed),
            fields_to_install=list(binding.to_install),
        )
        planned = plan_writeback(sf, drafts, binding, marts, options, report)
        if not dry_run:
            send_plan(sf, ledger, report, planned, options, log, payload_check)
    log(str(report))
    return report
