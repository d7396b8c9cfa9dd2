"""Bulk API 2.0 over HTTP: job creation, upload, state changes, results as CSV.

The jobs themselves (and the threads that run them) are in ``bulk_jobs.py``;
this module only turns requests into calls on the org's ``BulkJobs`` and
their outcomes into Salesforce's response shapes.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute

from local_org.bulk_csv import (
    COLUMN_DELIMITERS,
    LINE_ENDINGS,
    CsvFormatError,
    query_csv_chunks,
    read_ingest_csv,
    write_result_csv,
)
from local_org.bulk_jobs import FINAL_STATES, BulkJob, BulkJobs, IngestJob, QueryJob
from local_org.responses import json_body, not_found, routes, sf_error, versioned
from local_org.soql import SoqlError
from local_org.state import org_state

DEFAULT_RESULTS_PAGE = 250_000
MAX_UPLOAD_BYTES = 150 * 1024 * 1024
INGEST_OPERATIONS = ("insert", "update", "upsert", "delete")
QUERY_OPERATIONS = ("query", "queryAll")


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
