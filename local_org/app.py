"""The local org's HTTP API: the Salesforce REST and SOAP endpoints Rapport uses.

The point is that Rapport's real Salesforce code (simple-salesforce sign-in,
describe, paged queries, composite write-back) runs unchanged against this
app, so every response copies Salesforce's shapes and error codes, errors
included: a client that handles the local org's errors handles the real ones.

Layout: a module per API area, each with its handlers and one route list,
which ``create_app`` (here) concatenates:
  * ``state.py``: the org state (credentials, sessions, API usage, query
    cursors, request log, fault injector, JWT keys, Bulk jobs);
  * ``middleware.py``: ``ApiMiddleware``, which every request passes (request
    log, session check, API usage and the Sforce-Limit-Info header, faults);
  * ``sign_in.py`` (password, client credentials, JWT bearer, SOAP),
    ``describe.py`` (versions, limits, describe), ``query.py``, ``records.py``
    (incl. create, delete, composite and ``deleted``), ``bulk.py`` (Bulk API
    2.0) and ``tooling.py``; shared response helpers in ``responses.py``.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from local_org.bulk import bulk_routes
from local_org.bulk_jobs import BulkJobs
from local_org.describe import metadata_routes
from local_org.faults import FaultConfig, FaultInjector
from local_org.middleware import ApiMiddleware
from local_org.query import query_routes
from local_org.records import record_routes
from local_org.responses import not_found, sf_error
from local_org.sign_in import sign_in_routes
from local_org.state import (
    DAILY_API_REQUESTS,
    SESSION_SECONDS_VALID,
    ApiUsage,
    Credentials,
    OrgState,
    SessionRegistry,
)
from local_org.store import OrgStore
from local_org.tooling import tooling_routes


async def _not_found_handler(request: Request, exc: Exception) -> Response:
    return not_found()


async def _method_not_allowed_handler(request: Request, exc: Exception) -> Response:
    allowed = exc.headers.get("Allow", "") if isinstance(exc, HTTPException) and exc.headers else ""
    return sf_error(
        405,
        "METHOD_NOT_ALLOWED",
        f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}",
    )


async def _server_error_handler(request: Request, exc: Exception) -> Response:
    return sf_error(500, "UNKNOWN_EXCEPTION", f"An unexpected error occurred: {exc}")


def create_app(
    store: OrgStore,
    credentials: Credentials,
    *,
    daily_api_requests: int = DAILY_API_REQUESTS,
    faults: FaultConfig | None = None,
    session_seconds_valid: float = SESSION_SECONDS_VALID,
    jwt_keys: Mapping[str, str] | None = None,
) -> Starlette:
    """The ASGI app of one org; its state is ``app.state.org`` (an ``OrgState``).

    ``jwt_keys`` maps a consumer key to the PEM certificate or public key that
    signs its JWT bearer assertions.
    """
    sessions = SessionRegistry(credentials.org_id, seconds_valid=session_seconds_valid)
    injector = FaultInjector(faults)
    org = OrgState(
        store=store,
        credentials=credentials,
        sessions=sessions,
        bulk_jobs=BulkJobs(store, injector),
        faults=injector,
        api_usage=ApiUsage(daily_api_requests),
    )
    for consumer_key, pem in (jwt_keys or {}).items():
        org.jwt_keys.register(consumer_key, pem)
    routes = [
        *sign_in_routes(),
        *metadata_routes(),
        *query_routes(),
        *record_routes(),
        *bulk_routes(),
        *tooling_routes(),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(ApiMiddleware, org=org)],
        exception_handlers={
            404: _not_found_handler,
            405: _method_not_allowed_handler,
            Exception: _server_error_handler,
        },
    )
    app.state.org = org
    return app
