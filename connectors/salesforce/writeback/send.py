"""Send the planned changes and record, batch by batch, what the CRM confirmed.

The one module that writes records to the CRM. Each object goes by the
transport its plan chose: composite sObject Collections, at most 200 records
a call, or Bulk API 2.0 jobs (``bulk_ingest.py``). ``allOrNone`` is false so
that one rejected record (a validation rule, a locked row) never fails the
others.

Every record's outcome goes to ``writeback_log``; only confirmed successes
become the "last pushed" values in ``writeback_state``, in the same
transaction as their log entries, one transaction per batch (or bulk job).
A run that stops part-way (auth, quota, an outage) logs the records it could
not confirm as not sent and raises ``WritebackAborted``: the state stays
true, and the next run sends what is still missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError

from connectors.salesforce.api.retry import TRANSIENT_ERROR_CODES
from connectors.salesforce.writeback.bulk_ingest import BulkIngestJob, BulkJobError
from connectors.salesforce.writeback.mapping import PayloadBuilder
from connectors.salesforce.writeback.plan import PlannedObject
from connectors.salesforce.writeback.report import FailureRow, WritebackReport
from connectors.salesforce.writeback.state import (
    ALREADY_IN_CRM,
    CONFLICT,
    FAILED,
    INVALID,
    MISSING,
    NOT_SENT,
    SUCCESS,
    LogEntry,
    PushedValue,
    WritebackLedger,
)
from connectors.salesforce.writeback.transport import COMPOSITE_LIMIT, RecordUpdate, WriteOutcome
from connectors.salesforce.writeback.values import format_datetime
from rapport import progress
from rapport.config import WritebackSettings
from rapport.errors import RapportError

# A record refused for a row another transaction holds (UNABLE_TO_LOCK_ROW)
# is sent again within the run this many times in all; one still refused is
# logged as failed and sent again by the next run.
LOCKED_ROW_ATTEMPTS = 3

Log = Callable[[str], None]
# (object, its complete payload, its describe, the fields it may carry); raises to stop.
PayloadCheck = Callable[[str, list[RecordUpdate], dict[str, Any], list[str]], None]


class WritebackAborted(RapportError, RuntimeError):
    """The run stopped part-way (auth, quota, an outage); what was confirmed is recorded."""


def send_plan(
    sf: Salesforce | None,
    ledger: WritebackLedger,
    report: WritebackReport,
    planned: list[PlannedObject],
    options: WritebackSettings,
    log: Log,
    payload_check: PayloadCheck | None = None,
) -> None:
    """Log what is not sent, build every payload, let ``payload_check`` see them all, then send.

    Objects are sent one after the other, each by the transport its plan chose.
    ``sf`` may be None only when nothing is to be sent (the org was not needed).
    """
    _record_unsent(ledger, report.run_id, planned)
    stamp = format_datetime(datetime.now(UTC))
    queued: list[tuple[PlannedObject, list[RecordUpdate]]] = []
    for item in planned:
        builder = PayloadBuilder(item.bound)
        stamp_field = item.bound.updated_at.name if item.bound.updated_at else None
        updates = [
            builder.build(c.record_id, {**c.send, **({stamp_field: stamp} if stamp_field else {})})
            for c in item.plan.changes
        ]
        queued.append((item, updates))
    if payload_check is not None:
        for item, updates in queued:
            if updates:
                allowed = sorted(PayloadBuilder(item.bound).allowed)
                payload_check(item.bound.object_name, updates, item.describe, allowed)
    progress.planned("writeback", sum(len(updates) for _, updates in queued), "records")
    for position, (item, updates) in enumerate(queued):
        if not updates:
            continue
        if sf is None:
            raise ValueError("records to send need a client signed in to the org")
        transport = item.transport.transport
        log(f"{item.bound.object_name}: {item.transport.describe()}")
        answered: set[str] = set()  # record ids the CRM answered for
        try:
            if transport == "bulk":
                _send_bulk(sf, ledger, report, item, updates, options, answered, log)
            else:
                _send_composite(sf, ledger, report, item, updates, options, answered)
        except (SalesforceError, BulkJobError) as error:
            unsent = [u for u in updates if u.record_id not in answered]
            later = [u for _, rest in queued[position + 1 :] for u in rest]
            _record_not_sent(ledger, report, item, unsent + later, error, transport)
            raise WritebackAborted(
                f"Write-back stopped: {error}. Confirmed writes are recorded; the "
                f"{len(unsent) + len(later)} records not confirmed will be retried next run."
            ) from error


def _record_unsent(ledger: WritebackLedger, run_id: str, planned: list[PlannedObject]) -> None:
    """Log what is not sent (invalid, missing, kept conflicts) and what the CRM already holds."""
    entries: list[LogEntry] = []
    pushed: list[PushedValue] = []
    for item in planned:
        plan = item.plan
        entries += [
            LogEntry(plan.object_name, i.record_id, {}, INVALID, "INVALID_VALUE", i.message)
            for i in plan.invalid
        ]
        entries += [
            LogEntry(
                plan.object_name,
                record_id,
                {},
                MISSING,
                "RECORD_NOT_FOUND",
                f"{plan.object_name} {record_id} is not a live record in the CRM",
            )
            for record_id in plan.missing
        ]
        entries += [
            LogEntry(
                plan.object_name,
                c.record_id,
                {c.field: c.new_value},
                CONFLICT,
                "EDITED_IN_CRM",
                f"{c.field} was changed in the CRM to {c.crm_value!r} after Rapport wrote "
                f"{c.last_pushed!r}; kept (policy skip)",
            )
            for c in plan.conflicts
            if c.policy == "skip"
        ]
        in_sync: dict[str, dict] = {}
        for value in plan.in_sync:
            in_sync.setdefault(value.record_id, {})[value.field] = value.value
        entries += [
            LogEntry(plan.object_name, record_id, values, ALREADY_IN_CRM)
            for record_id, values in in_sync.items()
        ]
        pushed += plan.in_sync
    if entries or pushed:
        ledger.record(run_id, entries, pushed)


def _send_composite(
    sf: Salesforce,
    ledger: WritebackLedger,
    report: WritebackReport,
    item: PlannedObject,
    updates: list[RecordUpdate],
    options: WritebackSettings,
    answered: set[str],
) -> None:
    for batch in _batches(updates, min(options.batch_size, COMPOSITE_LIMIT)):
        for attempt in range(1, LOCKED_ROW_ATTEMPTS + 1):
            outcomes = _send_composite_batch(sf, batch)
            last = attempt == LOCKED_ROW_ATTEMPTS
            again = [o for o in outcomes if not last and o.error_code in TRANSIENT_ERROR_CODES]
            final = [o for o in outcomes if o not in again]
            _record_outcomes(ledger, report, item, final, "composite", answered)
            if not again:
                break
            batch = [o.update for o in again]
            time.sleep(_locked_row_backoff(attempt))


def _locked_row_backoff(attempt: int) -> float:
    """Seconds before records refused for a locked row are sent again (0.5, 1, 2 ...)."""
    return 0.5 * 2 ** (attempt - 1)


def _send_composite_batch(
    sf: Salesforce, batch: list[RecordUpdate], timeout: float = 120.0
) -> list[WriteOutcome]:
    """One ``PATCH composite/sobjects`` call; raises simple-salesforce's error if the call fails."""
    if len(batch) > COMPOSITE_LIMIT:
        raise ValueError(f"a composite call takes at most {COMPOSITE_LIMIT} records")
    body = {"allOrNone": False, "records": [u.as_composite_record() for u in batch]}
    results = sf.restful("composite/sobjects", method="PATCH", json=body, timeout=timeout)
    outcomes = []
    for update, result in zip(batch, results or [], strict=True):
        errors = result.get("errors") or []
        first = errors[0] if errors else {}
        outcomes.append(
            WriteOutcome(
                update=update,
                success=bool(result.get("success")),
                error_code=first.get("statusCode"),
                message=first.get("message"),
            )
        )
    return outcomes


def _send_bulk(
    sf: Salesforce,
    ledger: WritebackLedger,
    report: WritebackReport,
    item: PlannedObject,
    updates: list[RecordUpdate],
    options: WritebackSettings,
    answered: set[str],
    log: Log,
) -> None:
    for chunk in _batches(updates, options.bulk_max_records_per_job):
        job = BulkIngestJob(
            sf,
            item.bound.object_name,
            poll_seconds=options.bulk_poll_seconds,
            max_poll_seconds=options.bulk_max_poll_seconds,
            records_per_second=options.bulk_records_per_second,
            timeout_seconds=options.bulk_timeout_seconds,
        )
        result = job.run(chunk)
        if result.state != "JobComplete":
            log(f"Bulk job {result.job_id} ended {result.state}: {result.error_message}")
        _record_outcomes(ledger, report, item, result.outcomes, "bulk", answered)


def _batches(updates: Sequence[RecordUpdate], size: int) -> Iterator[list[RecordUpdate]]:
    for start in range(0, len(updates), size):
        yield list(updates[start : start + size])


def _record_outcomes(
    ledger: WritebackLedger,
    report: WritebackReport,
    item: PlannedObject,
    outcomes: list[WriteOutcome],
    transport: str,
    answered: set[str],
) -> None:
    """One transaction: every outcome logged, and the values of confirmed successes recorded."""
    stamp_field = item.bound.updated_at.name if item.bound.updated_at else None
    entries: list[LogEntry] = []
    pushed: list[PushedValue] = []
    for outcome in outcomes:
        update = outcome.update
        status = SUCCESS if outcome.success else FAILED
        entries.append(
            LogEntry(
                update.object_name,
                update.record_id,
                update.values,
                status,
                outcome.error_code,
                outcome.message,
                transport,
            )
        )
        if outcome.success:
            pushed += [
                PushedValue(update.object_name, update.record_id, name, value)
                for name, value in update.values.items()
                if name != stamp_field
            ]
        else:
            report.failures.append(
                FailureRow(
                    update.object_name, update.record_id, outcome.error_code, outcome.message
                )
            )
    ledger.record(report.run_id, entries, pushed)
    answered.update(o.update.record_id for o in outcomes)
    item.summary.sent += len(outcomes)
    item.summary.succeeded += sum(1 for o in outcomes if o.success)
    item.summary.failed += sum(1 for o in outcomes if not o.success)
    progress.advanced("writeback", len(outcomes), item.bound.object_name)


def _record_not_sent(
    ledger: WritebackLedger,
    report: WritebackReport,
    item: PlannedObject,
    updates: list[RecordUpdate],
    error: Exception,
    transport: str,
) -> None:
    code = _error_code(error)
    message = f"not confirmed, the run stopped: {error}"
    entries = [
        LogEntry(u.object_name, u.record_id, u.values, NOT_SENT, code, message, transport)
        for u in updates
    ]
    ledger.record(report.run_id, entries, [])
    item.summary.not_sent += sum(1 for u in updates if u.object_name == item.bound.object_name)
    for summary in report.objects:
        if summary is not item.summary:
            summary.not_sent += sum(1 for u in updates if u.object_name == summary.object_name)


def _error_code(error: Exception) -> str:
    content = getattr(error, "content", None)
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode") or type(error).__name__)
    return type(error).__name__
