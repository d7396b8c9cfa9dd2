"""The write-back stage: the marts' answers into CRM fields, only what changed.

The work is in ``connectors.salesforce.writeback.sync``; this flow signs in
(only if the sync needs the org: a run with nothing to send makes no call),
names the run after the flow run (so the audit log points back to it), puts
the payload quality gate in front of the first write, and publishes the
report as a markdown artifact, the dry run's before/after sample included.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run
from simple_salesforce import Salesforce

from connectors.salesforce.api.client import connect
from connectors.salesforce.api.usage import ApiCallCounter
from connectors.salesforce.writeback.report import WritebackReport
from connectors.salesforce.writeback.send import PayloadCheck
from connectors.salesforce.writeback.sync import sync_writeback
from flows.settings import Target, run_settings
from rapport import progress
from rapport.config import Settings


def payload_gate(settings: Settings, run_id: str | None) -> PayloadCheck:
    """The payload quality gate (GX), run on each object's complete payload before any write."""

    def check(object_name: str, updates: list, describe: dict, allowed: list[str]) -> None:
        from expectations.payload import gate_payload, payload_frame

        gate_payload(settings, payload_frame(updates), object_name, describe, allowed, run_id)

    return check


def publish_report(report: WritebackReport) -> None:
    """The report as a Prefect artifact of the current flow run."""
    create_markdown_artifact(
        markdown=report.to_markdown(),
        key="writeback-dry-run" if report.dry_run else "writeback",
        description=str(report),
    )


# Calls retry inside the connector; the flow itself is not re-run,
# since a second pass would only resend what the first confirmed.
@flow(name="writeback", retries=0, timeout_seconds=4 * 3600)
def writeback(dry_run: bool = False, target: Target | None = None) -> WritebackReport:
    """Write each account's and contact's changed relationship fields to the CRM.

    Args:
        dry_run: compute what would change (counts, a before/after sample,
            conflicts) and publish it, without writing to the CRM or the
            write-back state.
        target: the warehouse type for this run (default: from settings).
    """
    settings = run_settings(target)
    logger = get_run_logger()
    progress.started("writeback", unit="records")
    calls = ApiCallCounter(lambda: progress.advanced("writeback", 0, api_calls=1))

    def sign_in() -> Salesforce:
        sf = connect(settings.salesforce)
        calls.attach(sf.session)
        return sf

    run_id = flow_run.get_id() or None
    report = sync_writeback(
        sign_in,
        warehouse=settings.warehouse,
        options=settings.writeback,
        dry_run=dry_run,
        run_id=run_id,
        log=logger.info,
        payload_check=payload_gate(settings, run_id),
    )
    publish_report(report)
    progress.finished("writeback", **writeback_details(report, calls))
    for failure in report.failures[:20]:
        logger.warning(
            "%s %s rejected: %s %s",
            failure.object_name,
            failure.record_id,
            failure.error_code,
            failure.message,
        )
    return report


def writeback_details(report: WritebackReport, calls: ApiCallCounter) -> dict:
    """The run summary's write-back part: counts per object, and the API calls used and left."""
    counters = ("records", "created", "updated", "unchanged", "conflicts", "invalid", "missing")
    counters += ("sent", "succeeded", "failed", "not_sent")
    return {
        "dry_run": report.dry_run,
        "objects": {o.object_name: {c: getattr(o, c) for c in counters} for o in report.objects},
        "api_calls": calls.calls,
        "api_used": calls.used,
        "api_limit": calls.limit,
    }
