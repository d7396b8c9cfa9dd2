"""The REST query endpoints: ``query`` and ``queryAll``, paged with ``nextRecordsUrl``."""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from local_org.responses import record_json, routes, sf_error, versioned
from local_org.soql import SoqlError
from local_org.state import OrgState, org_state
from local_org.store import QueryResult

QUERY_BATCH_SIZE = 2000
MIN_QUERY_BATCH_SIZE = 200


def _batch_size(request: Request) -> int:
    """Honour ``Sforce-Query-Options: batchSize=n`` within Salesforce's bounds."""
    options = request.headers.get("sforce-query-options", "")
    match = re.search(r"batchSize\s*=\s*(\d+)", options)
    if not match:
        return QUERY_BATCH_SIZE
    return max(MIN_QUERY_BATCH_SIZE, min(QUERY_BATCH_SIZE, int(match.group(1))))


def _query_page(
    org: OrgState,
    request: Request,
    result: QueryResult,
    start: int,
    locator: str | None,
) -> JSONResponse:
    version = request.path_params["version"]
    endpoint = "queryAll" if "/queryAll" in request.url.path else "query"
    stop = min(start + _batch_size(request), result.total_size)
    spec = org.store.spec(result.object_name)
    body: dict[str, Any] = {"totalSize": result.total_size, "done": stop >= result.total_size}
    if stop < result.total_size:
        locator = locator or org.cursors.add(result)
        body["nextRecordsUrl"] = f"/services/data/v{version}/{endpoint}/{locator}-{stop}"
    body["records"] = [
        record_json(spec, version, record_id, values)
        for record_id, values in result.page(start, stop)
    ]
    return JSONResponse(body)


async def query(request: Request) -> Response:
    org = org_state(request)
    soql = request.query_params.get("q")
    if not soql:
        return sf_error(400, "MALFORMED_QUERY", "A query string has to be specified")
    include_deleted = request.url.path.rstrip("/").endswith("queryAll")
    try:
        result = await run_in_threadpool(org.store.query, soql, include_deleted=include_deleted)
    except SoqlError as error:
        return sf_error(400, error.error_code, error.message)
    if result.table is None:
        return JSONResponse({"totalSize": result.total_size, "done": True, "records": []})
    return await run_in_threadpool(_query_page, org, request, result, 0, None)


async def query_more(request: Request) -> Response:
    org = org_state(request)
    locator, _, offset = request.path_params["locator"].rpartition("-")
    result = org.cursors.get(locator) if offset.isdigit() else None
    if result is None:
        return sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return await run_in_threadpool(_query_page, org, request, result, int(offset), locator)


def query_routes() -> list[BaseRoute]:
    data = "/services/data/v{version}"
    served: list[BaseRoute] = []
    for endpoint in ("query", "queryAll"):
        served += routes(f"{data}/{endpoint}", versioned(query), ["GET"])
        served += routes(f"{data}/{endpoint}/{{locator}}", versioned(query_more), ["GET"])
    return served
