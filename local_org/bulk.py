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

import base64
import binascii
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute

from connectors.salesforce.api.ids import InvalidSalesforceId, make_id, to_18
from local_org.bulk_csv import (
    COLUMN_DELIMITERS,
    LINE_ENDINGS,
    NULL_MARKER,
    CsvFormatError,
    query_csv_chunks,
    read_ingest_csv,
    write_result_csv,
)
from local_org.faults import LOCK_ROW_MESSAGE, FaultInjector
from local_org.responses import (
    format_datetime,
    json_body,
    not_found,
    org_state,
    routes,
    sf_error,
    versioned,
)
from local_org.soql import SoqlError
from local_org.store import OrgStore, RecordError, now_utc

DEFAULT_RESULTS_PAGE = 250_000
INGEST_CHUNK_RECORDS = 10_000  # records validated and written per transaction
MAX_UPLOAD_BYTES = 150 * 1024 * 1024
INGEST_OPERATIONS = ("insert", "update", "upsert", "delete")
QUERY_OPERATIONS = ("query", "queryAll")
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


# =========================================================================== HTTP


def _jobs(request: Request) -> BulkJobs:
    return org_state(request).bulk_jobs


def _job_settings(request: Request, body: dict[str, Any]) -> dict[str, Any] | Response:
    line_ending = body.get("lineEnding") or "LF"
    delimiter = body.get("columnDelimiter") or "COMMA"
    if line_ending not in LINE_ENDINGS:
        return sf_error(400, "INVALIDJOB", f"Invalid lineEnding: {line_ending}")
    if delimiter not in COLUMN_DELIMITERS:
        return sf_error(400, "INVALIDJOB", f"Invalid columnDelimiter: {delimiter}")
    content_type = body.get("contentType") or "CSV"
    if content_type != "CSV":
        return sf_error(400, "INVALIDJOB", f"Invalid contentType: {content_type}; only CSV")
    return {
        "api_version": request.path_params["version"],
        "created_by": org_state(request).credentials.user_id,
        "line_ending": line_ending,
        "column_delimiter": delimiter,
    }


async def _job_body(request: Request) -> dict | Response:
    """A job-creation body: a JSON object, or Salesforce's INVALIDJOB answer."""
    body = await json_body(request)
    if isinstance(body, Response):
        return body
    if not isinstance(body, dict):
        return sf_error(400, "INVALIDJOB", "The request body must be a JSON object")
    return body


async def create_query_job(request: Request) -> Response:
    body = await _job_body(request)
    if isinstance(body, Response):
        return body
    operation = body.get("operation")
    if operation not in QUERY_OPERATIONS:
        return sf_error(400, "INVALIDJOB", f"Invalid operation for a query job: {operation}")
    soql = body.get("query")
    if not isinstance(soql, str) or not soql.strip():
        return sf_error(400, "INVALIDJOB", "A query job needs a query")
    settings = _job_settings(request, body)
    if isinstance(settings, Response):
        return settings
    try:
        job = await run_in_threadpool(_jobs(request).create_query, soql, operation, **settings)
    except SoqlError as error:
        return sf_error(400, error.error_code, error.message)
    return JSONResponse(job.info(detailed=False))


async def create_ingest_job(request: Request) -> Response:
    body = await _job_body(request)
    if isinstance(body, Response):
        return body
    operation = body.get("operation")
    if operation == "hardDelete":
        return sf_error(400, "FEATURENOTENABLED", "hardDelete is not enabled in the local org")
    if operation not in INGEST_OPERATIONS:
        return sf_error(400, "INVALIDJOB", f"Invalid operation for an ingest job: {operation}")
    org = org_state(request)
    try:
        spec = org.store.spec(str(body.get("object", "")))
    except KeyError:
        return sf_error(400, "INVALIDJOB", f"Unable to find object: {body.get('object')}")
    external_id = body.get("externalIdFieldName")
    if operation == "upsert" and (external_id or "").lower() != "id":
        return sf_error(
            400,
            "INVALIDJOB",
            f"External ID field {external_id!r} is not supported by the local org; use Id",
        )
    settings = _job_settings(request, body)
    if isinstance(settings, Response):
        return settings
    job = _jobs(request).create_ingest(
        spec.name, operation, external_id_field=external_id, **settings
    )
    return JSONResponse(job.info(detailed=False))


def _job_or_none(request: Request) -> BulkJob | None:
    kind = QueryJob if "/jobs/query" in request.url.path else IngestJob
    return _jobs(request).get(request.path_params["job_id"], kind)


async def job_info(request: Request) -> Response:
    job = _job_or_none(request)
    return not_found() if job is None else JSONResponse(job.info())  # type: ignore[attr-defined]


async def list_jobs(request: Request) -> Response:
    kind = QueryJob if "/jobs/query" in request.url.path else IngestJob
    jobs = [job.info(detailed=False) for job in _jobs(request).all(kind)]
    return JSONResponse({"done": True, "records": jobs, "nextRecordsUrl": None})


async def change_job_state(request: Request) -> Response:
    job = _job_or_none(request)
    if job is None:
        return not_found()
    body = await json_body(request)
    if isinstance(body, Response):
        return body
    wanted = body.get("state") if isinstance(body, dict) else None
    if wanted == "Aborted":
        if job.state in FINAL_STATES:
            return sf_error(
                400, "INVALIDJOBSTATE", f"Job {job.id} is {job.state} and cannot be aborted"
            )
        if isinstance(job, IngestJob) and job.state == "Open" and job.upload:
            _, rows = _rows_or_empty(job)
            job.unprocessed = rows
        job.set_state("Aborted")
    elif wanted == "UploadComplete" and isinstance(job, IngestJob):
        if job.state != "Open":
            return sf_error(400, "INVALIDJOBSTATE", f"Job {job.id} is {job.state}, not Open")
        _jobs(request).start_ingest(job)
    else:
        return sf_error(400, "INVALIDJOBSTATE", f"Cannot change the job's state to {wanted}")
    return JSONResponse(job.info(detailed=False))  # type: ignore[attr-defined]


def _rows_or_empty(job: IngestJob) -> tuple[list[str], list[list[str]]]:
    try:
        return read_ingest_csv(
            job.upload or b"",
            delimiter=COLUMN_DELIMITERS[job.column_delimiter],
            line_ending=LINE_ENDINGS[job.line_ending],
        )
    except CsvFormatError:
        return [], []


async def delete_job(request: Request) -> Response:
    job = _job_or_none(request)
    if job is None:
        return not_found()
    if job.state not in (*FINAL_STATES, "Open"):
        return sf_error(400, "INVALIDJOBSTATE", f"Job {job.id} is {job.state}; abort it first")
    _jobs(request).remove(job.id)
    return Response(status_code=204)


async def upload_job_data(request: Request) -> Response:
    job = _jobs(request).get(request.path_params["job_id"], IngestJob)
    if job is None:
        return not_found()
    if job.state != "Open" or job.upload is not None:
        return sf_error(
            409, "INVALIDJOBSTATE", f"Job {job.id} is {job.state}; data can be uploaded once"
        )
    data = await request.body()
    if len(data) > MAX_UPLOAD_BYTES:
        return sf_error(400, "INVALIDBATCH", "The upload is over the 150 MB limit")
    job.upload = data
    return Response(status_code=201)


def _locator_offset(locator: str | None) -> int | None:
    """Locators are base64 of the offset, as Salesforce's look; None when malformed."""
    if not locator:
        return 0
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


async def query_results(request: Request) -> Response:
    job = _jobs(request).get(request.path_params["job_id"], QueryJob)
    if job is None:
        return not_found()
    if job.state != "JobComplete" or job.table is None:
        return sf_error(
            412,
            "JOB_NOT_COMPLETE",
            "can only download query results of successfully completed bulk job with "
            f"status: JOB_COMPLETE. Current status: {job.state}",
        )
    offset = _locator_offset(request.query_params.get("locator"))
    if offset is None or offset > job.table.num_rows:
        return sf_error(400, "INVALIDLOCATOR", "The locator is not valid for this job")
    raw_max = request.query_params.get("maxRecords")
    if raw_max is not None and not (raw_max.isdigit() and int(raw_max) > 0):
        return sf_error(
            400, "INVALIDMAXRECORDS", f"maxRecords must be a positive integer: {raw_max}"
        )
    page_size = int(raw_max) if raw_max else DEFAULT_RESULTS_PAGE
    page = job.table.slice(offset, page_size)
    stop = offset + page.num_rows
    chunks = query_csv_chunks(
        page,
        delimiter=COLUMN_DELIMITERS[job.column_delimiter],
        line_ending=LINE_ENDINGS[job.line_ending],
    )
    headers = {
        "Sforce-Locator": _locator(stop) if stop < job.table.num_rows else "null",
        "Sforce-NumberOfRecords": str(page.num_rows),
    }
    return StreamingResponse(chunks, media_type="text/csv", headers=headers)


async def ingest_results(request: Request) -> Response:
    job = _jobs(request).get(request.path_params["job_id"], IngestJob)
    if job is None:
        return not_found()
    kind = request.path_params["kind"].lower()
    if kind == "unprocessedrecords":
        if job.state not in FINAL_STATES:
            return _ingest_not_complete(job)
        header, body = job.header or _rows_or_empty(job)[0], job.unprocessed
        return Response(write_result_csv(header, body), media_type="text/csv")
    if job.state != "JobComplete":
        return _ingest_not_complete(job)
    if kind == "successfulresults":
        content = write_result_csv(["sf__Id", "sf__Created", *job.header], job.successful)
    elif kind == "failedresults":
        content = write_result_csv(["sf__Id", "sf__Error", *job.header], job.failed)
    else:
        return not_found()
    return Response(content, media_type="text/csv")


def _ingest_not_complete(job: IngestJob) -> Response:
    return sf_error(
        412, "JOB_NOT_COMPLETE", f"Job {job.id} is {job.state}; its results are not ready"
    )


def bulk_routes() -> list[BaseRoute]:
    jobs = "/services/data/v{version}/jobs"
    query_job = f"{jobs}/query/{{job_id}}"
    ingest_job = f"{jobs}/ingest/{{job_id}}"
    return [
        *routes(f"{jobs}/query", versioned(create_query_job), ["POST"]),
        *routes(f"{jobs}/query", versioned(list_jobs), ["GET"]),
        *routes(f"{query_job}/results", versioned(query_results), ["GET"]),
        *routes(query_job, versioned(job_info), ["GET"]),
        *routes(query_job, versioned(change_job_state), ["PATCH"]),
        *routes(query_job, versioned(delete_job), ["DELETE"]),
        *routes(f"{jobs}/ingest", versioned(create_ingest_job), ["POST"]),
        *routes(f"{jobs}/ingest", versioned(list_jobs), ["GET"]),
        *routes(f"{ingest_job}/batches", versioned(upload_job_data), ["PUT"]),
        *routes(f"{ingest_job}/{{kind}}", versioned(ingest_results), ["GET"]),
        *routes(ingest_job, versioned(job_info), ["GET"]),
        *routes(ingest_job, versioned(change_job_state), ["PATCH"]),
        *routes(ingest_job, versioned(delete_job), ["DELETE"]),
    ]
