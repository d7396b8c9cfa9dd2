"""Bulk API 2.0: query jobs (large extracts as CSV) and ingest jobs (CSV writes).

Jobs run in a small thread pool, as Salesforce runs them in the background:
a new job answers ``UploadComplete``/``Open`` at once and clients poll until
``JobComplete``. A query job takes a snapshot of its result as an Arrow table
(like Salesforce's result set, later changes don't show in it); each results
page is sliced from it and streamed as CSV, so a page of 100,000 records never
becomes Python objects.

Ingest jobs validate each record with the store's own checks (the same
``RecordError`` codes the composite API returns) and keep successful, failed
and unprocessed records for the results endpoints.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from connectors.salesforce.api.ids import InvalidSalesforceId, make_id, to_18
from local_org.bulk_csv import (
    COLUMN_DELIMITERS,
    LINE_ENDINGS,
    NULL_MARKER,
    CsvFormatError,
    read_ingest_csv,
)
from local_org.faults import LOCK_ROW_MESSAGE, FaultInjector
from local_org.responses import format_datetime
from local_org.soql import SoqlError
from local_org.store import OrgStore
from local_org.values import RecordError, now_utc

INGEST_CHUNK_RECORDS = 10_000  # records validated and written per transaction
FINAL_STATES = ("JobComplete", "Failed", "Aborted")


@dataclass
class BulkJob:
    """What query and ingest jobs share: identity, settings, state and timing."""

    id: str
    operation: str
    object: str
    api_version: str
    created_by: str
    line_ending: str = "LF"
    column_delimiter: str = "COMMA"
    state: str = "UploadComplete"
    error_message: str | None = None
    created_date: datetime = field(default_factory=now_utc)
    modstamp: datetime = field(default_factory=now_utc)
    processing_ms: int = 0

    def set_state(self, state: str) -> None:
        self.state = state
        self.modstamp = now_utc()

    def base_info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by,
            "createdDate": format_datetime(self.created_date),
            "systemModstamp": format_datetime(self.modstamp),
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
            "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
        }


@dataclass
class QueryJob(BulkJob):
    query: str = ""
    table: pa.Table | None = None  # the snapshot, once the job is complete

    def info(self, detailed: bool = True) -> dict[str, Any]:
        info = self.base_info()
        if detailed:
            info.update(
                jobType="V2Query",
                numberRecordsProcessed=self.table.num_rows if self.table is not None else 0,
                retries=0,
                totalProcessingTime=self.processing_ms,
                isPkChunkingSupported=True,
            )
            if self.error_message:
                info["errorMessage"] = self.error_message
        return info


@dataclass
class IngestJob(BulkJob):
    external_id_field: str | None = None
    upload: bytes | None = None
    header: list[str] = field(default_factory=list)
    successful: list[list[str]] = field(default_factory=list)  # sf__Id, sf__Created, values
    failed: list[list[str]] = field(default_factory=list)  # sf__Id, sf__Error, values
    unprocessed: list[list[str]] = field(default_factory=list)

    def info(self, detailed: bool = True) -> dict[str, Any]:
        info = self.base_info()
        if self.external_id_field:
            info["externalIdFieldName"] = self.external_id_field
        info["contentUrl"] = f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"
        if detailed:
            info.update(
                jobType="V2Ingest",
                numberRecordsProcessed=len(self.successful) + len(self.failed),
                numberRecordsFailed=len(self.failed),
                retries=0,
                totalProcessingTime=self.processing_ms,
                apiActiveProcessingTime=self.processing_ms,
                apexProcessingTime=0,
            )
            if self.error_message:
                info["errorMessage"] = self.error_message
        return info


class BulkJobs:
    """The org's Bulk API 2.0 jobs and the threads that run them."""

    def __init__(self, store: OrgStore, faults: FaultInjector, workers: int = 2) -> None:
        self._store = store
        self._faults = faults
        self._jobs: dict[str, BulkJob] = {}
        self._sequence = 0
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bulk-job")
        self._running = threading.Event()
        self._running.set()

    def close(self) -> None:
        self._running.set()  # let held jobs see the end rather than block shutdown
        self._executor.shutdown(wait=True, cancel_futures=True)

    def pause(self) -> None:
        """Hold new work (jobs stay UploadComplete), so tests can see a job in flight."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def _new_id(self) -> str:
        with self._lock:
            self._sequence += 1
            return make_id("750", self._sequence, pod="LO")

    def get(self, job_id: str, kind: type[BulkJob]) -> Any:
        with self._lock:
            job = self._jobs.get(job_id)
        return job if isinstance(job, kind) else None

    def all(self, kind: type[BulkJob]) -> list[Any]:
        with self._lock:
            return [job for job in self._jobs.values() if isinstance(job, kind)]

    def remove(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)

    def _add(self, job: BulkJob) -> None:
        with self._lock:
            self._jobs[job.id] = job

    # -- query jobs

    def create_query(self, soql: str, operation: str, **settings: Any) -> QueryJob:
        """Check the query now (errors come back at once, as on Salesforce), run it later."""
        compiled = self._store.compile(soql, include_deleted=operation == "queryAll")
        if compiled.is_count:
            raise SoqlError("API_ERROR", "Aggregate queries are not supported in Bulk API 2.0")
        spec = self._store.spec(compiled.object_name)
        compound = [name for name in compiled.fields if spec.fields[name].is_compound]
        if compound:
            raise SoqlError(
                "API_ERROR",
                f"FUNCTIONALITY_NOT_ENABLED: Selecting compound data not supported in Bulk "
                f"Query: {', '.join(compound)}",
            )
        job = QueryJob(
            id=self._new_id(),
            operation=operation,
            object=compiled.object_name,
            query=soql,
            **settings,
        )
        self._add(job)
        self._executor.submit(self._run_query, job)
        return job

    def _run_query(self, job: QueryJob) -> None:
        self._running.wait()
        if job.state != "UploadComplete":
            return  # aborted before it started
        job.set_state("InProgress")
        started = time.perf_counter()
        try:
            result = self._store.query(job.query, include_deleted=job.operation == "queryAll")
            table = result.table
            assert table is not None  # COUNT() was refused at create
            table = table.select(list(result.fields))
        except Exception as error:  # the job fails; the org keeps serving
            job.error_message = str(error)
            job.set_state("Failed")
            return
        finally:
            job.processing_ms = int((time.perf_counter() - started) * 1000)
        if job.state == "InProgress":
            job.table = table
            job.set_state("JobComplete")

    # -- ingest jobs

    def create_ingest(self, object_name: str, operation: str, **settings: Any) -> IngestJob:
        job = IngestJob(
            id=self._new_id(), operation=operation, object=object_name, state="Open", **settings
        )
        self._add(job)
        return job

    def start_ingest(self, job: IngestJob) -> None:
        job.set_state("UploadComplete")
        self._executor.submit(self._run_ingest, job)

    def _run_ingest(self, job: IngestJob) -> None:
        self._running.wait()
        if job.state != "UploadComplete":
            return
        job.set_state("InProgress")
        started = time.perf_counter()
        try:
            self._ingest(job)
        except CsvFormatError as error:
            job.error_message = str(error)
            job.set_state("Failed")
        except Exception as error:  # a bug must not leave the job InProgress forever
            job.error_message = f"InternalServerError : {error}"
            job.set_state("Failed")
        finally:
            job.processing_ms = int((time.perf_counter() - started) * 1000)
        if job.state == "InProgress":
            job.set_state("JobComplete")

    def _ingest(self, job: IngestJob) -> None:
        if not job.upload:
            raise CsvFormatError("InvalidBatch : No data was uploaded for this job")
        header, rows = read_ingest_csv(
            job.upload,
            delimiter=COLUMN_DELIMITERS[job.column_delimiter],
            line_ending=LINE_ENDINGS[job.line_ending],
        )
        spec = self._store.spec(job.object)
        for name in header:
            if spec.field_ci(name) is None:
                raise CsvFormatError(f"InvalidBatch : Field name not found : {name}")
        job.header = header
        for start in range(0, len(rows), INGEST_CHUNK_RECORDS):
            if job.state != "InProgress":  # aborted: the rest stays unprocessed
                job.unprocessed.extend(rows[start:])
                return
            self._ingest_chunk(job, header, rows[start : start + INGEST_CHUNK_RECORDS])

    def _ingest_chunk(self, job: IngestJob, header: list[str], rows: list[list[str]]) -> None:
        id_index = next((i for i, name in enumerate(header) if name.lower() == "id"), None)
        pending: list[tuple[list[str], str, dict[str, Any]]] = []
        for row in rows:
            record_id = row[id_index] if id_index is not None else ""
            if self._faults.lock_record():
                message = LOCK_ROW_MESSAGE.format(record_id=record_id or "new record")
                job.failed.append([record_id, f"UNABLE_TO_LOCK_ROW:{message}:--", *row])
                continue
            values = {
                name: (None if value == NULL_MARKER else value)
                for i, (name, value) in enumerate(zip(header, row, strict=True))
                if i != id_index and value != ""
            }
            pending.append((row, record_id, values))
        if job.operation == "delete":
            errors = self._store.delete_many(job.object, [r for _, r, _ in pending])
            self._record_outcomes(job, pending, errors)
        elif job.operation == "update":
            updates = [(job.object, record_id, values) for _, record_id, values in pending]
            errors = self._store.update_many(updates, all_or_none=False)
            self._record_outcomes(job, pending, errors)
        else:  # insert, and upsert on Id: rows without an Id are created
            creating = [p for p in pending if job.operation == "insert" or not p[1]]
            updating = [p for p in pending if job.operation == "upsert" and p[1]]
            if job.operation == "insert" and id_index is not None:
                creating = [(row, "", {"Id": rid, **v}) for row, rid, v in creating]
            created = self._store.create_many(job.object, [values for _, _, values in creating])
            for (row, _, _), outcome in zip(creating, created, strict=True):
                if isinstance(outcome, RecordError):
                    job.failed.append(["", _error_text(outcome), *row])
                else:
                    job.successful.append([outcome, "true", *row])
            updates = [(job.object, record_id, values) for _, record_id, values in updating]
            errors = self._store.update_many(updates, all_or_none=False)
            self._record_outcomes(job, updating, errors)

    @staticmethod
    def _record_outcomes(
        job: IngestJob,
        pending: list[tuple[list[str], str, dict[str, Any]]],
        errors: list[RecordError | None],
    ) -> None:
        for (row, record_id, _), error in zip(pending, errors, strict=True):
            if error is None:
                job.successful.append([_to_18_or_raw(record_id), "false", *row])
            else:
                job.failed.append([record_id, _error_text(error), *row])


def _error_text(error: RecordError) -> str:
    """sf__Error as Salesforce writes it: ``CODE:message:fields --``."""
    return f"{error.status_code}:{error.message}:{','.join(error.fields)} --"


def _to_18_or_raw(record_id: str) -> str:
    try:
        return to_18(record_id)
    except InvalidSalesforceId:
        return record_id
