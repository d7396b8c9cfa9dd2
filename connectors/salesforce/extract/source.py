"""The dlt source: one resource per Salesforce object, merged on Id.

Each object keeps, in dlt's resource state, how far its last complete read
covered the org, and the next read starts ``overlap_seconds`` before that.
Salesforce stamps ``SystemModstamp`` when a transaction starts, so a record
can commit after another with a later stamp: the overlap is there so one
committed late is never lost, and merging on Id makes re-read rows harmless.

How far a read covered is the later of two marks:

* the org's time when its query started (``query_started_at``: the ``Date``
  of the org's last answer before the query, ``api/server_clock.py``). A
  query sees everything committed before it started, so what it missed
  committed later, and was stamped at most the overlap before that;
* the largest ``SystemModstamp`` read (``watermark``), the only mark when the
  org's clock is unknown (no ``Date`` header; state from an older version).

The first is what keeps a quiet org cheap: with the watermark alone, the
window starts at the last change, and every run re-reads the same
``overlap_seconds`` of records, for ever; with the query's start it moves
with the clock and holds only what changed since the last run (and that
run's last ``overlap_seconds``).

One ``queryAll`` pass per object returns changed and deleted rows together
(``IsDeleted = true``), so deletes share the watermark and reach the
warehouse as rows marked deleted, overwriting the live row.

Formula (calculated) fields change without a SystemModstamp bump, so the
watermark never sees them. An object with any is read whole again once its
last full read (``calculated_read_at`` in the resource state) is older than
``calculated_refresh_hours``. Whole, not just Id and the formulas: the merge
is delete-insert on Id, so a row holding only some columns would null the
rest; and a second pass in the same run would load an Id twice.

The watermark is kept by hand rather than with ``dlt.sources.incremental``,
which advances on every row it sees: Bulk API 2.0 results come in no order,
so a job interrupted half-way (the API budget) must not move the watermark
past rows it has not delivered. REST pages are ordered by SystemModstamp and
advance it page by page; a Bulk job keeps its id and locator instead, and the
next run resumes it where it stopped.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc

from connectors.salesforce.api.budget import ApiBudgetReached
from connectors.salesforce.api.client import SalesforceClient
from connectors.salesforce.api.soql import identifier
from connectors.salesforce.extract.bulk import BulkJobGone, BulkOptions, BulkQuery
from connectors.salesforce.extract.catalog import ObjectConfig
from connectors.salesforce.extract.field_set import (
    field_set_changed,
    remember_fields,
    vanished_fields,
)
from connectors.salesforce.extract.fields import (
    ExtractField,
    UnknownFieldError,
    column_name,
    extractable_fields,
    records_to_arrow,
)
from connectors.salesforce.extract.known_rows import StoredRows, drop_unchanged
from connectors.salesforce.extract.page_file import ParquetPage, delivered_rows
from rapport import progress
from rapport.config import ExtractSettings
from rapport.errors import RapportError

logger = logging.getLogger(__name__)

WATERMARK = "SystemModstamp"
# The resource state's mark of the org's time when the last complete read's query started.
QUERY_STARTED = "query_started_at"
WATERMARK_COLUMN = column_name(WATERMARK)
DELETED_COLUMN = column_name("IsDeleted")
DELETED_SEEN_COLUMN = "_rapport_deleted_seen_at"


def soql_datetime(value: datetime) -> str:
    """SOQL datetime literals are unquoted ISO 8601 in UTC."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace("000Z", "Z")


def table_name(object_name: str) -> str:
    """The warehouse table of an object (``Survey_Response__c`` → ``survey_response_c``)."""
    return column_name(object_name)


def _where(since: datetime | None) -> str:
    return "" if since is None else f" WHERE {WATERMARK} >= {soql_datetime(since)}"


def build_soql(
    object_name: str, fields: list[ExtractField], since: datetime | None, ordered: bool = True
) -> str:
    """The extraction query; names are checked, since describe (the org) supplies them."""
    select = ", ".join(identifier(f.name, "field") for f in fields)
    soql = f"SELECT {select} FROM {identifier(object_name, 'object')}{_where(since)}"
    return soql + f" ORDER BY {WATERMARK}" if ordered else soql


def count_soql(object_name: str, since: datetime | None) -> str:
    return f"SELECT COUNT() FROM {identifier(object_name, 'object')}{_where(since)}"


@dataclass
class ExtractReport:
    """What happened to each object, for the load summary."""

    skipped: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    transports: dict[str, str] = field(default_factory=dict)
    budget_stop: str | None = None
    # Object.Field read before and no longer in the org's describe.
    vanished_fields: list[str] = field(default_factory=list)
    # Rows read again in the overlap window and not loaded: the warehouse held them as they are.
    unchanged_rows: dict[str, int] = field(default_factory=dict)

    def stopped(self, object_name: str, reason: str) -> None:
        self.deferred(object_name)
        self.budget_stop = self.budget_stop or reason

    def deferred(self, object_name: str) -> None:
        if object_name not in self.incomplete:
            self.incomplete.append(object_name)


class ObjectDeferred(RapportError):
    """The object cannot finish in this run without loading an Id twice; the next run will."""


@dataclass(frozen=True)
class ObjectPlan:
    """One object as this org has it: API name, fields, and whether it keeps deletes."""

    catalog_name: str
    api_name: str
    fields: list[ExtractField]
    keeps_deletes: bool
    transport: str

    @property
    def table(self) -> str:
        return table_name(self.catalog_name)


def plan_object(entry: ObjectConfig, describe: dict[str, Any]) -> ObjectPlan:
    api_name = describe["name"]  # the org's spelling, never the config's
    fields = extractable_fields(api_name, describe, entry.include, entry.exclude, entry.rename)
    names = {f.name for f in fields}
    missing = [name for name in ("Id", WATERMARK) if name not in names]
    if missing:
        raise UnknownFieldError(
            f"{api_name} has no {' or '.join(missing)} field, which incremental extraction needs."
        )
    return ObjectPlan(
        catalog_name=entry.name,
        api_name=api_name,
        fields=fields,
        keeps_deletes="IsDeleted" in names,
        transport=entry.transport,
    )


def mark_deletes(table: pa.Table, seen_at: datetime) -> pa.Table:
    """Stamp deleted rows with the time this extraction saw them deleted."""
    if DELETED_COLUMN not in table.column_names:
        return table
    stamp = pa.scalar(seen_at, pa.timestamp("us", tz="UTC"))
    empty = pa.scalar(None, pa.timestamp("us", tz="UTC"))
    deleted = pc.fill_null(table[DELETED_COLUMN], False)
    return table.append_column(DELETED_SEEN_COLUMN, pc.if_else(deleted, stamp, empty))


def _latest(table: pa.Table, current: datetime | None) -> datetime | None:
    latest = pc.max(table[WATERMARK_COLUMN]).as_py()
    if latest is None:
        return current
    return latest if current is None else max(latest, current)


def _every_row(table: pa.Table) -> pa.Table:
    return table


def _parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class ObjectExtraction:
    """Reads one object's changes since its watermark, by REST or Bulk."""

    def __init__(
        self,
        client: SalesforceClient,
        plan: ObjectPlan,
        settings: ExtractSettings,
        state: dict[str, Any],
        seen_at: datetime,
    ) -> None:
        self.client = client
        self.plan = plan
        self.settings = settings
        self.state = state
        self.seen_at = seen_at
        # The REST query's first page when choose_transport already fetched it.
        self.first_page: dict[str, Any] | None = None
        # The org's time before this run's first query of the object (REST).
        self.query_started: datetime | None = None
        # Applied to every batch read, after the watermark has seen it: drops
        # re-read rows the warehouse already holds (known_rows.py).
        self.row_filter: Callable[[pa.Table], pa.Table] = _every_row

    @property
    def watermark(self) -> datetime | None:
        return _parse(self.state.get("watermark"))

    def _raise_mark(self, key: str, value: datetime | None) -> None:
        """Move the state's mark ``key`` to ``value`` if that is later: marks never go back."""
        current = _parse(self.state.get(key))
        if value is not None and (current is None or value > current):
            self.state[key] = value.isoformat()

    def _advance(self, latest: datetime | None) -> None:
        self._raise_mark("watermark", latest)

    @property
    def covered(self) -> datetime | None:
        """The org's time when the last complete read's query started, if known."""
        return _parse(self.state.get(QUERY_STARTED))

    def _cover(self, started: datetime | None) -> None:
        """A read completed whose query started at ``started`` (the org's time)."""
        self._raise_mark(QUERY_STARTED, started)

    @property
    def since(self) -> datetime | None:
        """Where this read starts: ``overlap_seconds`` before the later mark (module doc)."""
        watermark = self.watermark
        if watermark is None or self.formulas_due or self.fields_changed:
            return None
        # Each mark alone leaves nothing unread before it, less the overlap;
        # so does the later of the two.
        covered = self.covered
        mark = watermark if covered is None else max(watermark, covered)
        return mark - timedelta(seconds=self.settings.overlap_seconds)

    @property
    def formulas_due(self) -> bool:
        """Whether this run reads the object whole to catch formula values that changed."""
        if not any(f.calculated for f in self.plan.fields):
            return False
        last = _parse(self.state.get("calculated_read_at"))
        period = timedelta(hours=self.settings.calculated_refresh_hours)
        return last is None or self.seen_at - last >= period

    @property
    def fields_changed(self) -> bool:
        """Whether describe shows other fields than the last read had (read whole: field_set)."""
        return field_set_changed(self.state, self.plan.fields)

    def _finished(self, full_read: bool) -> None:
        """Remember a completed read: its fields, and for a full read formula freshness."""
        if full_read and any(f.calculated for f in self.plan.fields):
            self.state["calculated_read_at"] = self.seen_at.isoformat()
        remember_fields(self.state, self.plan.fields)

    def choose_transport(self) -> str:
        if "bulk" in self.state:
            return "bulk"  # finish the job an earlier run started
        # Before any query of the object: a REST read covers the org up to here.
        self.query_started = self.client.clock.now()
        if self.plan.transport != "auto":
            return self.plan.transport
        if self.settings.bulk_threshold_rows == 0:
            return "bulk"
        if self.since is not None:
            # Incremental: the changes are usually few, so the REST query itself
            # is the count (totalSize of its first page), one call instead of a
            # COUNT() then the query. Many changes go to Bulk; that page is dropped.
            self.first_page = self.client.query_first_page(
                self._rest_soql(),
                self.plan.keeps_deletes,
                self.settings.rest_batch_size,
                self.plan.api_name,
            )
            rows = int(self.first_page["totalSize"])
        else:
            rows = self.client.count(
                count_soql(self.plan.api_name, self.since),
                self.plan.keeps_deletes,
                self.plan.api_name,
            )
        return "bulk" if rows >= self.settings.bulk_threshold_rows else "rest"

    def _rest_soql(self) -> str:
        return build_soql(self.plan.api_name, self.plan.fields, self.since)

    def rows(self, transport: str) -> Iterator[Any]:
        if transport == "bulk":
            yield from self._bulk_rows()
        else:
            full_read = self.since is None
            yield from self._rest_rows()
            self._finished(full_read)
            self._cover(self.query_started)

    def _rest_rows(self) -> Iterator[pa.Table]:
        soql = self._rest_soql()
        logger.info("Extracting %s through REST: %s", self.plan.api_name, soql)
        pages = self.client.query_pages(
            soql,
            self.plan.keeps_deletes,
            self.settings.rest_batch_size,
            self.plan.api_name,
            first_page=self.first_page,
        )
        for records in pages:
            if not records:
                continue
            table = records_to_arrow(records, self.plan.fields)
            kept = self.row_filter(mark_deletes(table, self.seen_at))
            if kept.num_rows:
                yield kept
            # Ordered by SystemModstamp: everything before this page's last
            # stamp has been delivered, so a stop after it loses nothing.
            self._advance(_latest(table, None))

    def _bulk_rows(self) -> Iterator[Any]:
        options = BulkOptions(
            page_rows=self.settings.bulk_page_rows,
            poll_seconds=self.settings.bulk_poll_seconds,
            max_poll_seconds=self.settings.bulk_max_poll_seconds,
            job_timeout_seconds=self.settings.bulk_job_timeout_seconds,
        )
        query = BulkQuery(self.client, self.plan.api_name, self.plan.fields, options)
        pending = self.state.get("bulk")
        resumed = pending is not None
        if pending is None:
            pending = self._start_job(query)
        else:
            logger.info(
                "Resuming Bulk job %s for %s at locator '%s'.",
                pending["job_id"],
                self.plan.api_name,
                pending["locator"],
            )
        delivered = False
        try:
            for item in self._job_rows(query, pending):
                delivered = True
                yield item
        except BulkJobGone as gone:
            del self.state["bulk"]
            if delivered or not resumed:
                # Starting over now would load some Ids twice in one load,
                # which the merge (told the stage holds each Id once) forbids.
                raise ObjectDeferred(
                    f"{gone}; {self.plan.api_name} starts again from its watermark next run"
                ) from None
            logger.warning("%s; starting a new job for %s.", gone, self.plan.api_name)
            yield from self._job_rows(query, self._start_job(query))

    def _start_job(self, query: BulkQuery) -> dict[str, Any]:
        soql = build_soql(self.plan.api_name, self.plan.fields, self.since, ordered=False)
        logger.info("Extracting %s through Bulk API 2.0: %s", self.plan.api_name, soql)
        started = self.client.clock.now()  # kept with the job: a later run may finish it
        job_id = query.create(soql, self.plan.keeps_deletes)
        pending: dict[str, Any] = {
            "job_id": job_id,
            "locator": "",
            "latest": None,
            "full": self.since is None,
            QUERY_STARTED: None if started is None else started.isoformat(),
        }
        self.state["bulk"] = pending
        return pending

    def _job_rows(self, query: BulkQuery, pending: dict[str, Any]) -> Iterator[Any]:
        """The job's pages from ``pending["locator"]`` on; ``pending`` follows each page."""
        query.wait(pending["job_id"])
        with tempfile.TemporaryDirectory(prefix="rapport-bulk-") as workdir:
            # Closed before the folder goes, so no download is still writing into it.
            pages = closing(query.pages(pending["job_id"], pending["locator"], Path(workdir)))
            with pages as page_files:
                for number, (page_file, next_locator) in enumerate(page_files):
                    latest = _parse(pending["latest"])
                    # One Parquet file a page, which dlt imports whole (page_file.py).
                    with ParquetPage(
                        Path(workdir) / f"page-{number}.parquet", query.fields
                    ) as page:
                        for table in query.read_page(page_file):
                            kept = self.row_filter(mark_deletes(table, self.seen_at))
                            if kept.num_rows:
                                page.write(kept)
                            latest = _latest(table, latest)
                    if page.rows:
                        yield page.delivery()
                        page.path.unlink()  # dlt has linked or copied it into its package
                    # The page is delivered: a stop from here resumes at the next one.
                    pending["locator"] = next_locator
                    pending["latest"] = None if latest is None else latest.isoformat()
        # Results come in no order, so only a finished job moves the watermark.
        self._advance(_parse(pending["latest"]))
        self._finished(bool(pending.get("full")))
        self._cover(_parse(pending.get(QUERY_STARTED)))
        del self.state["bulk"]
        query.delete(pending["job_id"])


def object_resource(
    client: SalesforceClient,
    plan: ObjectPlan,
    settings: ExtractSettings,
    report: ExtractReport,
    seen_at: datetime,
    stored_rows: StoredRows | None = None,
):
    def rows() -> Iterator[Any]:
        if client.budget.reached:
            report.stopped(plan.catalog_name, client.budget.describe())
            progress.advanced("extract", item=plan.catalog_name, incomplete=1)
            return
        extraction = ObjectExtraction(client, plan, settings, dlt.current.resource_state(), seen_at)
        # A window re-read since the last complete read: rows loaded then as
        # they are now are dropped (known_rows.py). Not for a job resumed from
        # an earlier run, whose window that run chose.
        window = None if "bulk" in extraction.state else extraction.since
        stored: list[pa.Table | None] = []

        def drop_known(table: pa.Table) -> pa.Table:
            if not stored:
                stored.append(stored_rows(plan.table, table.column_names, window))
            kept = drop_unchanged(table, stored[0])
            report.unchanged_rows[plan.catalog_name] = (
                report.unchanged_rows.get(plan.catalog_name, 0) + table.num_rows - kept.num_rows
            )
            return kept

        if window is not None and stored_rows is not None:
            extraction.row_filter = drop_known
        vanished = vanished_fields(extraction.state, plan.fields)
        if vanished:
            names = ", ".join(f"{plan.catalog_name}.{name}" for name in vanished)
            logger.warning(
                "%s no longer in the org's describe (deleted, or hidden from this user by "
                "field-level security): reading %s whole; the column is kept, null on every "
                "row, and the models read it as no evidence.",
                names,
                plan.catalog_name,
            )
            report.vanished_fields += [f"{plan.catalog_name}.{name}" for name in vanished]
        try:
            transport = extraction.choose_transport()
            report.transports[plan.catalog_name] = transport
            for item in extraction.rows(transport):
                progress.advanced("extract", 0, plan.catalog_name, rows=delivered_rows(item))
                yield item
            progress.advanced("extract", item=plan.catalog_name)
        except ApiBudgetReached as stop:
            logger.warning(
                "Stopping the extraction of %s for the API budget (%s); the next run resumes it.",
                plan.catalog_name,
                stop,
            )
            report.stopped(plan.catalog_name, str(stop))
            progress.advanced("extract", item=plan.catalog_name, incomplete=1)
        except (ObjectDeferred, BulkJobGone) as deferred:
            logger.warning("%s", deferred)
            report.deferred(plan.catalog_name)
            progress.advanced("extract", item=plan.catalog_name, incomplete=1)

    return dlt.resource(
        rows,
        name=plan.table,
        primary_key="id",
        # Each run delivers an Id at most once (one query cursor or one Bulk
        # job per object), so dlt can skip deduplicating the stage, a window
        # over every row that makes DuckDB's memory grow with the object.
        write_disposition={
            "disposition": "merge",
            "strategy": "delete-insert",
            "deduplicated": True,
        },
    )


def save_describe(folder: Path, object_name: str, describe: dict[str, Any]) -> None:
    """Keep the describe for the quality gates (``<state_dir>/describe/<Object>.json``)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{object_name}.json"
    partial = target.with_suffix(".json.partial")
    partial.write_text(json.dumps(describe, indent=1, sort_keys=True))
    partial.replace(target)


@dlt.source(name="salesforce", max_table_nesting=0)
def salesforce_source(
    client: SalesforceClient,
    objects: list[ObjectConfig],
    settings: ExtractSettings,
    report: ExtractReport,
    describe_dir: Path | None = None,
    stored_rows: StoredRows | None = None,
):
    """Yield a resource for every configured object the org has.

    ``stored_rows`` reads the warehouse's rows in a re-read window, so rows
    it holds unchanged are not loaded again (``known_rows.py``).

    An object the org lacks (no Survey_Response__c in a given org, say) is
    skipped with a warning rather than failing the whole extraction. Each
    describe is saved in ``describe_dir`` under the catalog's object name.
    """
    seen_at = datetime.now(UTC)
    progress.started("extract", total=len(objects), unit="objects")
    for entry in objects:
        if client.budget.reached:
            report.stopped(entry.name, client.budget.describe())
            progress.advanced("extract", item=entry.name, incomplete=1)
            continue
        try:
            describe = client.describe(entry.api_name)
        except ApiBudgetReached as stop:
            report.stopped(entry.name, str(stop))
            progress.advanced("extract", item=entry.name, incomplete=1)
            continue
        if describe is None:
            logger.warning("Skipping %s: the org has no object %s.", entry.name, entry.api_name)
            report.skipped.append(entry.name)
            progress.advanced("extract", item=entry.name, skipped=1)
            continue
        if describe_dir is not None:
            save_describe(describe_dir, entry.name, describe)
        yield object_resource(
            client, plan_object(entry, describe), settings, report, seen_at, stored_rows
        )
