"""The extract stage: Salesforce → the warehouse's raw schema, through dlt."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import ValidationError

from connectors.salesforce.api.client import SalesforceConfigError, SalesforceSignInError
from connectors.salesforce.extract.fields import UnknownFieldError
from connectors.salesforce.extract.load import LoadSummary, load_salesforce, open_client
from flows.settings import Target, run_settings
from rapport import progress


def _worth_retrying(task, task_run, state) -> bool:
    """Retry crashes and lost connections, not settings that will fail again."""
    try:
        state.result()
    except (SalesforceConfigError, SalesforceSignInError, UnknownFieldError, ValidationError):
        return False
    except Exception:
        return True
    return True


# Retries here cover what the connector's own retries do not (a crash, a lost
# warehouse file); each attempt resumes from the last committed watermarks.
@task(
    retries=2,
    retry_delay_seconds=30,
    retry_condition_fn=_worth_retrying,
    timeout_seconds=6 * 3600,
    cache_policy=NO_CACHE,
)
def extract_objects(
    full_refresh: bool, objects: list[str] | None, target: Target | None = None
) -> LoadSummary:
    settings = run_settings(target)
    client = open_client(settings)
    return load_salesforce(client, settings, full_refresh=full_refresh, objects=objects)


@flow(name="extract")
def extract(
    full_refresh: bool = False, objects: list[str] | None = None, target: Target | None = None
) -> LoadSummary:
    """Load Salesforce objects into the raw schema (incremental unless ``full_refresh``).

    ``target`` picks the warehouse type for this run (default: from settings).
    """
    summary = extract_objects(full_refresh, objects, target)
    logger = get_run_logger()
    logger.info("Rows extracted: %s", summary.rows_per_table)
    if summary.skipped_objects:
        logger.warning("Not in this org, skipped: %s", ", ".join(summary.skipped_objects))
    if summary.vanished_fields:
        logger.warning(
            "No longer in the org (deleted or hidden by field-level security), now null: %s",
            ", ".join(summary.vanished_fields),
        )
    if summary.incomplete_objects:
        logger.warning(
            "Stopped for the API budget (%s); the next run resumes: %s",
            summary.budget_stop,
            ", ".join(summary.incomplete_objects),
        )
    progress.finished(
        "extract",
        skipped=list(summary.skipped_objects),
        incomplete=list(summary.incomplete_objects),
        vanished_fields=list(summary.vanished_fields),
        api_used=summary.api_requests_used,
        api_limit=summary.api_requests_limit,
    )
    create_markdown_artifact(
        key="rows-extracted",
        markdown=rows_markdown(summary),
        description="Rows extracted per object",
    )
    return summary


def rows_markdown(summary: LoadSummary) -> str:
    lines = ["# Rows extracted", "", "| table | rows |", "|---|---:|"]
    lines += [f"| {table} | {rows:,} |" for table, rows in sorted(summary.rows_per_table.items())]
    if summary.skipped_objects:
        lines += ["", f"Not in this org: {', '.join(summary.skipped_objects)}."]
    if summary.vanished_fields:
        lines += [
            "",
            "No longer in the org (deleted, or hidden by field-level security), kept as null "
            f"columns: {', '.join(summary.vanished_fields)}.",
        ]
    if summary.incomplete_objects:
        lines += [
            "",
            f"Stopped for the API budget; resumes next run: {', '.join(summary.incomplete_objects)}.",
        ]
    return "\n".join(lines)
