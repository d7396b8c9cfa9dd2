"""What every request to the local org passes: request log, session, API usage, faults."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from local_org.faults import FaultInjector
from local_org.responses import sf_error
from local_org.state import OrgState, RequestLogEntry


def _needs_session(path: str) -> bool:
    return path.startswith("/services/data/v")


def _bearer_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() in ("bearer", "oauth") and token.strip():
                return token.strip()
    return None


class ApiMiddleware:
    """Cross-cutting API behaviour: request log, session check, API usage, faults.

    Order, as a client meets them on Salesforce: session first (401), then
    the daily allowance (403 TotalRequests), then injected faults (latency,
    5xx, the concurrent-request limit, whole-request row locks).
    """

    def __init__(self, app: ASGIApp, org: OrgState) -> None:
        self.app = app
        self.org = org

    async def _refusal(self, scope: Scope) -> tuple[Response | None, str | None]:
        """(the error to answer instead of the endpoint or None, the limit header)."""
        path = scope["path"]
        faults = self.org.faults
        faulty = faults.applies_to(path)
        if not _needs_session(path):
            return (await self._injected(faults, scope) if faulty else None), None
        token = _bearer_token(scope)
        if token is None or not self.org.sessions.is_valid(token):
            return sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid"), None
        if faults.session_expired(token):
            self.org.sessions.revoke(token)
            return sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid"), None
        used = self.org.api_usage.use_one()
        limit_info = self.org.api_usage.header(used)
        if used is None:
            refusal = sf_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            return refusal, limit_info
        return await self._injected(faults, scope), limit_info

    @staticmethod
    async def _injected(faults: FaultInjector, scope: Scope) -> Response | None:
        delay = faults.latency_seconds()
        if delay:
            await asyncio.sleep(delay)
        return faults.request_fault(scope["method"], scope["path"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        timestamp = datetime.now(UTC)
        limit_info: str | None = None
        logged = False

        def log(status: int) -> None:
            nonlocal logged
            logged = True
            self.org.request_log.append(
                RequestLogEntry(
                    method=scope["method"],
                    path=scope["path"],
                    query=scope.get("query_string", b"").decode("latin-1"),
                    status=status,
                    timestamp=timestamp,
                )
            )

        async def send_and_log(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Logged before the client can see the response, so a test
                # that counts calls right after one returns never misses it.
                log(message["status"])
                if limit_info is not None:
                    headers = [
                        *message.get("headers", []),
                        (b"sforce-limit-info", limit_info.encode()),
                    ]
                    message = {**message, "headers": headers}
            await send(message)

        try:
            response, limit_info = await self._refusal(scope)
            if response is not None:
                await response(scope, receive, send_and_log)
            else:
                await self.app(scope, receive, send_and_log)
        finally:
            if not logged:  # the app failed before it could answer
                log(500)
