"""Run the dlt pipeline that loads Salesforce objects into the warehouse's raw schema."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import dlt
from dlt.pipeline.exceptions import PipelineStepFailed

from connectors.salesforce.api.budget import ApiBudget, ApiBudgetReached
from connectors.salesforce.api.client import (
    SalesforceApiError,
    SalesforceClient,
    SalesforceConfigError,
    SalesforceSignInError,
)
from connectors.salesforce.extract.bulk import BulkJobFailed
from connectors.salesforce.extract.catalog import configured_objects, select_objects
from connectors.salesforce.extract.fields import UnknownFieldError
from connectors.salesforce.extract.known_rows import warehouse_rows
from connectors.salesforce.extract.source import ExtractReport, salesforce_source
from rapport.config import Settings
from rapport.warehouse import backend_for

logger = logging.getLogger(__name__)

# dlt reads its extract options from the environment (and config files).
_NEXT_ITEM_MODE = "EXTRACT__NEXT_ITEM_MODE"
# The table hint behind write_disposition={"deduplicated": True} (source.py).
_DEDUPLICATED_HINT = "x-stage-data-deduplicated"
# Errors whose own message says what went wrong; dlt's wrapping only buries it.
_CONNECTOR_ERRORS = (
    SalesforceApiError,
    SalesforceSignInError,
    SalesforceConfigError,
    BulkJobFailed,
    UnknownFieldError,
)


@dataclass(frozen=True)
class LoadSummary:
    rows_per_table: dict[str, int]
    load_ids: list[str]
    # Objects configured but absent from the org.
    skipped_objects: list[str] = field(default_factory=list)
    # Objects not finished (the API budget, a Bulk job lost half-way); the next run resumes them.
    incomplete_objects: list[str] = field(default_factory=list)
    budget_stop: str | None = None
    transports: dict[str, str] = field(default_factory=dict)
    api_requests_used: int | None = None
    api_requests_limit: int | None = None
    # Object.Field read by an earlier run, absent from this run's describe.
    vanished_fields: list[str] = field(default_factory=list)
    # Per object, rows read again in the overlap window that the warehouse held as they are.
    unchanged_rows: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.incomplete_objects


def pipeline(settings: Settings) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name="rapport_salesforce",
        destination=backend_for(settings.warehouse).dlt_destination(),
        dataset_name=settings.warehouse.raw_schema,
        pipelines_dir=str((settings.state_dir / "dlt").resolve()),
    )


@contextmanager
def _one_object_at_a_time() -> Iterator[None]:
    """Extract objects one after the other rather than dlt's default round robin.

    Salesforce keeps few query cursors open per user and releases the oldest
    when more are opened, so interleaving every object's paged query fails on
    a real org. One at a time also bounds memory and makes a budget stop
    leave whole objects done.
    """
    saved = os.environ.get(_NEXT_ITEM_MODE)
    os.environ[_NEXT_ITEM_MODE] = "fifo"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(_NEXT_ITEM_MODE, None)
        else:
            os.environ[_NEXT_ITEM_MODE] = saved


def open_client(settings: Settings) -> SalesforceClient:
    """Sign in for an extraction, with the configured API budget."""
    return SalesforceClient(settings.salesforce, ApiBudget(settings.extract.api_budget_share))


def load_salesforce(
    client: SalesforceClient,
    settings: Settings,
    full_refresh: bool = False,
    objects: list[str] | None = None,
) -> LoadSummary:
    """Extract the configured objects and merge them into the raw schema.

    ``full_refresh`` drops the tables and watermarks of the loaded objects so
    the extraction starts again from scratch. When the API budget runs out
    the load still commits what was read, and ``incomplete_objects`` says
    what the next run will resume.
    """
    extract = settings.extract
    catalog = configured_objects(extract.objects, extract.add_objects, extract.drop_objects)
    report = ExtractReport()
    try:
        client.limits()
    except ApiBudgetReached as stop:
        report.budget_stop = str(stop)
    source = salesforce_source(
        client,
        select_objects(catalog, objects),
        extract,
        report,
        describe_dir=settings.state_dir / "describe",
        stored_rows=warehouse_rows(settings.warehouse),
    )
    p = pipeline(settings)
    _finish_pending(p)
    try:
        with _one_object_at_a_time():
            info = p.run(
                source,
                refresh="drop_resources" if full_refresh else None,
                loader_file_format=backend_for(settings.warehouse).loader_file_format,
            )
    except PipelineStepFailed as failed:
        cause = _connector_error(failed)
        if cause is None:
            raise
        # dlt has discarded the extract: neither rows nor watermarks were kept.
        raise cause from None
    info.raise_on_failed_jobs()
    if report.budget_stop:
        logger.warning(
            "Extraction stopped for the API budget (%s); unfinished: %s.",
            report.budget_stop,
            ", ".join(report.incomplete) or "none",
        )
    normalize = p.last_trace.last_normalize_info if p.last_trace else None
    rows = {
        table: count
        for table, count in (normalize.row_counts.items() if normalize else [])
        if not table.startswith("_dlt")
    }
    return LoadSummary(
        rows_per_table=rows,
        load_ids=list(info.loads_ids),
        skipped_objects=list(report.skipped),
        incomplete_objects=list(report.incomplete),
        budget_stop=report.budget_stop,
        transports=dict(report.transports),
        api_requests_used=client.budget.used,
        api_requests_limit=client.budget.limit,
        vanished_fields=list(report.vanished_fields),
        unchanged_rows=dict(report.unchanged_rows),
    )


def _finish_pending(p: dlt.Pipeline) -> None:
    """Load what an interrupted run extracted but did not load, before extracting anew.

    A run killed between dlt's extract and load steps leaves its package on
    disk (its watermarks with it). Given a source while such a package waits,
    dlt's ``run`` loads the package and returns without extracting, so the
    rerun after a crash would report success having read none of the changes
    made since. Finishing the package first keeps data and watermarks in step
    and lets the run extract as asked.

    Two repairs come first. A kill between normalize's commit of a package
    and its removal of the extracted copy leaves both, and every later run
    fails on "Directory not empty"; the normalized one is whole (its commit
    is one rename), so the extracted copy goes. And the resource promises
    dlt each Id once per load so the merge skips deduplicating the stage;
    a package resumed after a crash may repeat a job's rows in the stage, so
    its merge deduplicates.
    """
    if not p.has_pending_data:
        return
    logger.warning("Loading the rows an interrupted extraction left pending in %s.", p.working_dir)
    normalized = set(p.list_normalized_load_packages())
    extracted = p._get_normalize_storage().extracted_packages  # no public API for it
    for load_id in normalized.intersection(p.list_extracted_load_packages()):
        extracted.delete_package(load_id)
    if p.list_extracted_load_packages():
        p.normalize()
    packages = p._get_load_storage().normalized_packages
    for load_id in p.list_normalized_load_packages():
        schema = packages.load_schema(load_id)
        for table in schema.tables.values():
            table.pop(_DEDUPLICATED_HINT, None)  # type: ignore[misc]
        packages.save_schema(load_id, schema)
    info = p.load()
    info.raise_on_failed_jobs()


def _connector_error(error: BaseException) -> BaseException | None:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, _CONNECTOR_ERRORS):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
