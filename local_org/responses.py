"""Helpers every area of the local org's API shares: error bodies, values, routing.

Every API area (sign-in, describe, query, records, Bulk API 2.0, tooling)
builds its responses with these, so they all answer in the same shapes. The
module depends on no other module of the local org but ``schema``, so any of
them can import it without an import cycle.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from local_org.schema import ObjectSpec

JsonHandler = Callable[[Request], Awaitable[Response]]


def sf_error(
    status: int, error_code: str, message: str, fields: list[str] | None = None
) -> JSONResponse:
    """The REST API's error body: a list of {message, errorCode[, fields]}."""
    body: dict[str, Any] = {"message": message, "errorCode": error_code}
    if fields is not None:
        body["fields"] = fields
    return JSONResponse([body], status_code=status)


def oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    """The OAuth token endpoint's error body, which OAuth clients parse (never a list)."""
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def soap_fault(code: str, message: str, status: int = 500) -> Response:
    """A partner API SOAP fault, as the SOAP login answers a refusal or an outage."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><soapenv:Fault>"
        f"<faultcode>sf:{code}</faultcode>"
        f"<faultstring>{escape(f'{code}: {message}')}</faultstring>"
        '<detail><sf:LoginFault xsi:type="sf:LoginFault">'
        f"<sf:exceptionCode>{code}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage>"
        "</sf:LoginFault></detail>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, status_code=status, media_type="text/xml; charset=utf-8")


def not_found() -> JSONResponse:
    return sf_error(404, "NOT_FOUND", "The requested resource does not exist")


def format_datetime(value: datetime) -> str:
    """A datetime as the REST API writes it: millisecond precision, ``+0000``."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def format_value(value: Any) -> Any:
    """A stored value as the REST API writes it in JSON."""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def record_json(spec: ObjectSpec, version: str, record_id: str, values: dict[str, Any]) -> dict:
    """A record as the REST API returns it: ``attributes`` then the field values."""
    body: dict[str, Any] = {
        "attributes": {"type": spec.name, "url": record_url(spec, version, record_id)}
    }
    body.update((name, format_value(value)) for name, value in values.items())
    return body


def record_url(spec: ObjectSpec, version: str, record_id: str) -> str:
    return f"/services/data/v{version}/sobjects/{spec.name}/{record_id}"


def instance_url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def api_version(request: Request) -> str | None:
    version = request.path_params.get("version", "")
    return version if re.fullmatch(r"\d{2,3}\.0", version) else None


async def json_body(request: Request) -> Any:
    """The request's JSON, or a Salesforce-shaped 400 response."""
    raw = await request.body()
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return sf_error(400, "JSON_PARSER_ERROR", f"The request body is not valid JSON: {error}")


def versioned(handler: JsonHandler) -> JsonHandler:
    """Refuse a malformed vNN.N the way Salesforce does: the resource is not there."""

    async def wrapper(request: Request) -> Response:
        if api_version(request) is None:
            return not_found()
        return await handler(request)

    return wrapper


def routes(path: str, handler: JsonHandler, methods: list[str]) -> list[Route]:
    """Serve a path with and without its trailing slash; clients use both."""
    base = path.rstrip("/")
    return [Route(base, handler, methods=methods), Route(base + "/", handler, methods=methods)]
