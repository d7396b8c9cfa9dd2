"""The local org's HTTP API: the Salesforce REST and SOAP endpoints Rapport uses.

The point is that Rapport's real Salesforce code (simple-salesforce sign-in,
describe, paged queries, composite write-back) runs unchanged against this
app, so every response copies Salesforce's shapes and error codes, errors
included: a client that handles the local org's errors handles the real ones.

Layout, so later areas slot in without touching existing ones:
  * org state (credentials, sessions, API usage, query cursors, request log,
    fault injector, JWT keys, Bulk jobs);
  * ``ApiMiddleware``: every request passes it (request log, session check,
    API usage and the Sforce-Limit-Info header, injected faults);
  * one block of handlers and one route list per area: sign-in (password,
    client credentials, JWT bearer, SOAP), metadata, query, records (incl.
    create, delete and ``deleted``). Bulk API 2.0 (``bulk.py``) and the
    tooling API (``tooling.py``) live in their own modules; shared response
    helpers in ``responses.py``. ``create_app`` concatenates the route lists.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
import xml.etree.ElementTree as ET
from collections import OrderedDict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connectors.salesforce.api.ids import InvalidSalesforceId, make_id, to_18
from local_org.bulk import BulkJobs, bulk_routes
from local_org.faults import LOCK_ROW_MESSAGE, FaultConfig, FaultInjector
from local_org.jwt_bearer import JWT_BEARER_GRANT, JwtKeys, JwtRejected
from local_org.responses import (
    format_value,
    not_found,
    sf_error,
)
from local_org.responses import instance_url as _instance_url
from local_org.responses import json_body as _json_body
from local_org.responses import org_state as _org
from local_org.responses import routes as _routes
from local_org.responses import versioned as _versioned
from local_org.schema import SYSTEM_FIELDS, FieldSpec, ObjectSpec
from local_org.soql import ID_TYPES, TEXT_TYPES, SoqlError, compound_parent
from local_org.store import OrgStore, QueryResult, RecordError
from local_org.tooling import CustomFieldIds, tooling_routes

DAILY_API_REQUESTS = 100_000
API_VERSIONS = {
    "59.0": "Winter '24",
    "60.0": "Spring '24",
    "61.0": "Summer '24",
    "62.0": "Winter '25",
}
QUERY_BATCH_SIZE = 2000
MIN_QUERY_BATCH_SIZE = 200
COMPOSITE_RECORD_LIMIT = 200
SESSION_SECONDS_VALID = 7200

# =========================================================================== org state


@dataclass(frozen=True)
class Credentials:
    """What a user of the org signs in with."""

    username: str
    password: str
    security_token: str
    consumer_key: str
    consumer_secret: str
    org_id: str = make_id("00D", 1)
    user_id: str = make_id("005", 1)

    @classmethod
    def generate(cls, username: str = "admin@rapport.local") -> Credentials:
        """Fresh secrets, so an org left running is not open to a guessed password."""
        return cls(
            username=username,
            password=secrets.token_urlsafe(12),
            security_token=secrets.token_hex(12).upper(),
            consumer_key="3MVG9" + secrets.token_urlsafe(40),
            consumer_secret=secrets.token_hex(32).upper(),
        )

    @classmethod
    def default(cls) -> Credentials:
        """Fixed credentials for demos and docs; the org only listens on 127.0.0.1."""
        return cls(
            username="admin@rapport.local",
            password="rapport-local",
            security_token="LOCALTOKEN",
            consumer_key="3MVG9rapport.local.consumer.key",
            consumer_secret="RAPPORTLOCALCONSUMERSECRET",
        )


class SessionRegistry:
    """Issued access tokens (session ids). Kept in memory: a restart signs everyone out.

    A session lasts ``seconds_valid`` from sign-in (Salesforce's session
    timeout); after that, or once revoked, the API answers INVALID_SESSION_ID
    and the client has to sign in again.
    """

    def __init__(self, org_id: str, seconds_valid: float = SESSION_SECONDS_VALID) -> None:
        self._org_prefix = org_id[:15]
        self.seconds_valid = seconds_valid
        self._issued: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> str:
        token = f"{self._org_prefix}!{secrets.token_urlsafe(72)}"
        with self._lock:
            self._issued[token] = time.monotonic()
        return token

    def is_valid(self, token: str | None) -> bool:
        with self._lock:
            issued = self._issued.get(token) if token is not None else None
            if issued is None:
                return False
            if time.monotonic() - issued >= self.seconds_valid:
                del self._issued[token]  # type: ignore[arg-type]
                return False
            return True

    def revoke(self, token: str) -> None:
        with self._lock:
            self._issued.pop(token, None)

    def revoke_all(self) -> None:
        """Sign everyone out, as an admin's "expire all sessions" does."""
        with self._lock:
            self._issued.clear()


@dataclass(frozen=True)
class RequestLogEntry:
    method: str
    path: str
    query: str
    status: int
    timestamp: datetime
    duration_ms: float  # until the response started


class RequestLog:
    """Every request the org answered, so tests can count calls (e.g. writes)."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._entries: deque[RequestLogEntry] = deque(maxlen=max_entries)
        self._lock = threading.Lock()

    def append(self, entry: RequestLogEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[RequestLogEntry]:
        with self._lock:
            return list(self._entries)

    def count(self, method: str | None = None, path_contains: str | None = None) -> int:
        return sum(
            1
            for entry in self.entries()
            if (method is None or entry.method == method.upper())
            and (path_contains is None or path_contains in entry.path)
        )

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class QueryCursors:
    """Server-side query results for nextRecordsUrl, as Salesforce keeps them.

    The whole result is taken when the query runs, so later pages are
    consistent even if records change in between (like a real query locator).
    """

    def __init__(self, max_cursors: int = 64) -> None:
        self._results: OrderedDict[str, QueryResult] = OrderedDict()
        self._max = max_cursors
        self._sequence = 0
        self._lock = threading.Lock()

    def add(self, result: QueryResult) -> str:
        with self._lock:
            self._sequence += 1
            locator = make_id("01g", self._sequence, pod="LO")
            self._results[locator] = result
            while len(self._results) > self._max:
                self._results.popitem(last=False)
            return locator

    def get(self, locator: str) -> QueryResult | None:
        with self._lock:
            result = self._results.get(locator)
            if result is not None:
                self._results.move_to_end(locator)
            return result


class ApiUsage:
    """The org's daily API request allowance, counted as Salesforce counts it.

    Every authenticated call uses one request; clients see the running total
    in the Sforce-Limit-Info header and under DailyApiRequests in /limits,
    and are refused with REQUEST_LIMIT_EXCEEDED once it is spent.
    """

    def __init__(self, daily_limit: int = DAILY_API_REQUESTS) -> None:
        self.daily_limit = daily_limit
        self._used = 0
        self._lock = threading.Lock()

    def use_one(self) -> int | None:
        """Count a call; None when the allowance is already spent."""
        with self._lock:
            if self._used >= self.daily_limit:
                return None
            self._used += 1
            return self._used

    @property
    def used(self) -> int:
        with self._lock:
            return self._used

    def header(self, used: int | None = None) -> str:
        return f"api-usage={self.used if used is None else used}/{self.daily_limit}"


@dataclass
class OrgState:
    store: OrgStore
    credentials: Credentials
    sessions: SessionRegistry
    bulk_jobs: BulkJobs
    faults: FaultInjector = field(default_factory=FaultInjector)
    jwt_keys: JwtKeys = field(default_factory=JwtKeys)
    custom_field_ids: CustomFieldIds = field(default_factory=CustomFieldIds)
    request_log: RequestLog = field(default_factory=RequestLog)
    cursors: QueryCursors = field(default_factory=QueryCursors)
    api_usage: ApiUsage = field(default_factory=ApiUsage)


# =========================================================================== responses


def record_json(spec: ObjectSpec, version: str, record_id: str, values: dict[str, Any]) -> dict:
    body: dict[str, Any] = {
        "attributes": {"type": spec.name, "url": record_url(spec, version, record_id)}
    }
    body.update((name, format_value(value)) for name, value in values.items())
    return body


def record_url(spec: ObjectSpec, version: str, record_id: str) -> str:
    return f"/services/data/v{version}/sobjects/{spec.name}/{record_id}"


def _spec_or_none(org: OrgState, name: str) -> ObjectSpec | None:
    try:
        return org.store.spec(name)
    except KeyError:
        return None


# =========================================================================== middleware


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
        started = time.perf_counter()
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
                    duration_ms=(time.perf_counter() - started) * 1000,
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


# =========================================================================== sign-in

_INVALID_LOGIN = "Invalid username, password, security token; or user locked out."


def _token_response(request: Request, org: OrgState, consumer_secret: str) -> JSONResponse:
    creds = org.credentials
    identity = f"{_instance_url(request)}/id/{creds.org_id}/{creds.user_id}"
    issued_at = str(int(time.time() * 1000))
    signature = hmac.new(
        consumer_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
    ).digest()
    return JSONResponse(
        {
            "access_token": org.sessions.issue(),
            "instance_url": _instance_url(request),
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(signature).decode(),
        }
    )


def _oauth_error(error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=400)


def _basic_auth(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        key, _, secret = base64.b64decode(encoded).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return key, secret


async def oauth_token(request: Request) -> Response:
    org = _org(request)
    creds = org.credentials
    # Parsed by hand: Starlette's form parser needs python-multipart, and the
    # token endpoint only ever receives urlencoded bodies.
    raw_form = parse_qs((await request.body()).decode("utf-8", "replace"))
    form = {name: values[-1] for name, values in raw_form.items()}
    grant_type = form.get("grant_type")
    if grant_type == "password":
        if form.get("client_id") != creds.consumer_key:
            return _oauth_error("invalid_client_id", "client identifier invalid")
        if form.get("client_secret") != creds.consumer_secret:
            return _oauth_error("invalid_client", "invalid client credentials")
        password = form.get("password")
        if form.get("username") != creds.username or password not in (
            creds.password,
            creds.password + creds.security_token,
        ):
            return _oauth_error("invalid_grant", "authentication failure")
        return _token_response(request, org, creds.consumer_secret)
    if grant_type == "client_credentials":
        client = _basic_auth(request) or (form.get("client_id"), form.get("client_secret"))
        if client != (creds.consumer_key, creds.consumer_secret):
            return _oauth_error("invalid_client", "invalid client credentials")
        return _token_response(request, org, creds.consumer_secret)
    if grant_type == JWT_BEARER_GRANT:
        try:
            org.jwt_keys.verify(
                form.get("assertion", ""),
                username=creds.username,
                instance_url=_instance_url(request),
            )
        except JwtRejected as rejected:
            return _oauth_error(rejected.error, rejected.description)
        return _token_response(request, org, creds.consumer_secret)
    return _oauth_error("unsupported_grant_type", "grant type not supported")


def _soap_fault(code: str, message: str) -> Response:
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
    return Response(body, status_code=500, media_type="text/xml; charset=utf-8")


def _soap_login_arguments(body: bytes) -> tuple[str, str] | None:
    """(username, password) of a partner ``login`` call, whatever the prefixes."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "login":
            values = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in element}
            if "username" in values and "password" in values:
                return values["username"], values["password"]
    return None


async def soap_login(request: Request) -> Response:
    org = _org(request)
    creds = org.credentials
    version = request.path_params["version"]
    arguments = _soap_login_arguments(await request.body())
    if arguments is None:
        return _soap_fault("INVALID_LOGIN", _INVALID_LOGIN)
    username, password = arguments
    if username != creds.username or password not in (
        creds.password + creds.security_token,
        creds.password,
    ):
        return _soap_fault("INVALID_LOGIN", _INVALID_LOGIN)
    base = _instance_url(request)
    user_info = {
        "accessibilityMode": "false",
        "currencySymbol": "$",
        "orgAttachmentFileSizeLimit": "5242880",
        "orgDefaultCurrencyIsoCode": "USD",
        "orgDisallowHtmlAttachments": "false",
        "orgHasPersonAccounts": "false",
        "organizationId": creds.org_id,
        "organizationMultiCurrency": "false",
        "organizationName": "Rapport Local Org",
        "profileId": make_id("00e", 1),
        "sessionSecondsValid": str(SESSION_SECONDS_VALID),
        "userEmail": creds.username,
        "userFullName": "Local Admin",
        "userId": creds.user_id,
        "userLanguage": "en_US",
        "userLocale": "en_US",
        "userName": creds.username,
        "userTimeZone": "Etc/UTC",
        "userType": "Standard",
        "userUiSkin": "Theme3",
    }
    result = {
        "metadataServerUrl": f"{base}/services/Soap/m/{version}/{creds.org_id}",
        "passwordExpired": "false",
        "sandbox": "false",
        "serverUrl": f"{base}/services/Soap/u/{version}/{creds.org_id}",
        "sessionId": org.sessions.issue(),
        "userId": creds.user_id,
    }
    xml_result = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in result.items())
    xml_info = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in user_info.items())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns="urn:partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Body><loginResponse><result>{xml_result}"
        f"<userInfo>{xml_info}</userInfo></result></loginResponse></soapenv:Body>"
        "</soapenv:Envelope>"
    )
    return Response(body, media_type="text/xml; charset=utf-8")


def sign_in_routes() -> list[BaseRoute]:
    return [
        Route("/services/oauth2/token", oauth_token, methods=["POST"]),
        Route("/services/Soap/u/{version}", soap_login, methods=["POST"]),
    ]


# =========================================================================== metadata

_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "time": "xsd:time",
    "address": "urn:address",
    "location": "urn:location",
}
_NAME_PARTS = ("Salutation", "FirstName", "MiddleName", "LastName", "Suffix")


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def _relationship_name(field_spec: FieldSpec) -> str | None:
    if field_spec.type != "reference":
        return None
    if field_spec.name.endswith("__c"):
        return field_spec.name[:-3] + "__r"
    return field_spec.name[:-2] if field_spec.name.endswith("Id") else None


def _name_field(spec: ObjectSpec) -> str | None:
    for candidate in ("Name", f"{spec.name}Number", "CaseNumber", "Subject"):
        if candidate in spec.fields:
            return candidate
    return None


def describe_field(spec: ObjectSpec, field_spec: FieldSpec) -> dict[str, Any]:
    kind = field_spec.type
    is_text = kind in TEXT_TYPES
    is_system = field_spec.name in SYSTEM_FIELDS
    long_text = kind == "textarea" and field_spec.length > 255
    length = 18 if kind in ID_TYPES else (field_spec.length or 255) if is_text else 0
    writable = field_spec.updateable and not is_system and not field_spec.is_compound
    filterable = not field_spec.is_compound and not long_text
    compound = compound_parent(spec, field_spec.name)
    if compound is None and field_spec.name in _NAME_PARTS and "Name" in spec.fields:
        compound = "Name"
    picklist = [
        {"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v}
        for v in field_spec.picklist_values
    ]
    numeric = kind in ("double", "currency", "percent")
    described = {
        "aggregatable": filterable and kind not in ("boolean", "id"),
        "aiPredictionField": False,
        "autoNumber": False,
        "byteLength": length * 3 if is_text else length,
        "calculated": False,
        "calculatedFormula": None,
        "cascadeDelete": False,
        "caseSensitive": False,
        "compoundFieldName": compound,
        "controllerName": None,
        "createable": writable,
        "custom": field_spec.custom,
        "defaultValue": False if kind == "boolean" else None,
        "defaultValueFormula": None,
        "defaultedOnCreate": is_system or kind == "boolean" or field_spec.name == "OwnerId",
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": 9 if kind == "int" else 0,
        "displayLocationInDecimal": False,
        "encrypted": False,
        "externalId": False,
        "extraTypeInfo": "plaintextarea" if kind == "textarea" else None,
        "filterable": filterable,
        "filteredLookupInfo": None,
        "formulaTreatNullNumberAsZero": False,
        "groupable": filterable and not numeric,
        "highScaleNumber": False,
        "htmlFormatted": False,
        "idLookup": kind == "id",
        "inlineHelpText": None,
        "label": field_spec.label,
        "length": length,
        "mask": None,
        "maskType": None,
        "name": field_spec.name,
        "nameField": field_spec.name == _name_field(spec),
        "namePointing": len(field_spec.reference_to) > 1,
        "nillable": field_spec.nillable and kind not in ("boolean", "id") and not is_system,
        "permissionable": field_spec.custom and field_spec.nillable,
        "picklistValues": picklist,
        "polymorphicForeignKey": len(field_spec.reference_to) > 1,
        "precision": field_spec.precision if numeric else 0,
        "queryByDistance": kind == "location",
        "referenceTargetField": None,
        "referenceTo": list(field_spec.reference_to),
        "relationshipName": _relationship_name(field_spec),
        "relationshipOrder": None,
        "restrictedDelete": False,
        "restrictedPicklist": kind in ("picklist", "multipicklist"),
        "scale": field_spec.scale if numeric else 0,
        "searchPrefilterable": False,
        "soapType": _SOAP_TYPES.get(kind, "xsd:string"),
        "sortable": filterable,
        "type": kind,
        "unique": False,
        "updateable": writable,
        "writeRequiresMasterRead": False,
    }
    return described


def _object_urls(spec: ObjectSpec, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{spec.name}"
    return {
        "compactLayouts": f"{base}/describe/compactLayouts",
        "rowTemplate": f"{base}/{{ID}}",
        "approvalLayouts": f"{base}/describe/approvalLayouts",
        "defaultValues": f"{base}/defaultValues?recordTypeId&fields",
        "listviews": f"{base}/listviews",
        "describe": f"{base}/describe",
        "quickActions": f"{base}/quickActions",
        "layouts": f"{base}/describe/layouts",
        "sobject": base,
    }


def describe_global_entry(spec: ObjectSpec, version: str) -> dict[str, Any]:
    deletable = "IsDeleted" in spec.fields
    return {
        "activateable": False,
        "associateEntityType": None,
        "associateParentEntity": None,
        "createable": True,
        "custom": spec.custom,
        "customSetting": False,
        "deepCloneable": False,
        "deletable": deletable,
        "deprecatedAndHidden": False,
        "feedEnabled": False,
        "hasSubtypes": False,
        "isInterface": False,
        "isSubtype": False,
        "keyPrefix": spec.key_prefix,
        "label": spec.label,
        "labelPlural": _plural(spec.label),
        "layoutable": True,
        "mergeable": False,
        "mruEnabled": True,
        "name": spec.name,
        "queryable": True,
        "replicateable": True,
        "retrieveable": True,
        "searchable": True,
        "triggerable": True,
        "undeletable": deletable,
        "updateable": True,
        "urls": _object_urls(spec, version),
    }


def _child_relationships(spec: ObjectSpec, objects: dict[str, ObjectSpec]) -> list[dict]:
    relationships = []
    for child in objects.values():
        named = False
        for child_field in child.fields.values():
            if spec.name not in child_field.reference_to:
                continue
            # Salesforce names one relationship per child object and parent.
            name = None
            if not named:
                base = child.name.removesuffix("__c")
                name = _plural(base) + ("__r" if child.custom else "")
                named = True
            relationships.append(
                {
                    "cascadeDelete": False,
                    "childSObject": child.name,
                    "deprecatedAndHidden": False,
                    "field": child_field.name,
                    "junctionIdListNames": [],
                    "junctionReferenceTo": [],
                    "relationshipName": name,
                    "restrictedDelete": False,
                }
            )
    return relationships


def describe_object(
    spec: ObjectSpec, objects: dict[str, ObjectSpec], version: str, instance_url: str
) -> dict[str, Any]:
    described = describe_global_entry(spec, version)
    described["urls"].update(
        {
            "uiDetailTemplate": f"{instance_url}/{{ID}}",
            "uiEditTemplate": f"{instance_url}/{{ID}}/e",
            "uiNewRecord": f"{instance_url}/{spec.key_prefix}/e",
        }
    )
    described.update(
        {
            "actionOverrides": [],
            "childRelationships": _child_relationships(spec, objects),
            "compactLayoutable": True,
            "defaultImplementation": None,
            "extendedBy": None,
            "extendsInterfaces": None,
            "fields": [describe_field(spec, f) for f in list(spec.fields.values())],
            "implementedBy": None,
            "implementsInterfaces": None,
            "listviewable": None,
            "lookupLayoutable": None,
            "namedLayoutInfos": [],
            "networkScopeFieldName": None,
            "recordTypeInfos": [],
            "searchLayoutable": True,
            "sobjectDescribeOption": "FULL",
            "supportedScopes": [{"label": "All records", "name": "everything"}],
        }
    )
    return dict(sorted(described.items()))


async def versions(request: Request) -> Response:
    return JSONResponse(
        [
            {"label": label, "url": f"/services/data/v{version}", "version": version}
            for version, label in API_VERSIONS.items()
        ]
    )


async def resources(request: Request) -> Response:
    base = f"/services/data/v{request.path_params['version']}"
    names = ("sobjects", "query", "queryAll", "composite", "limits", "jobs", "tooling")
    return JSONResponse({name: f"{base}/{name}" for name in names})


async def describe_global(request: Request) -> Response:
    version = request.path_params["version"]
    objects = list(_org(request).store.objects.values())
    return JSONResponse(
        {
            "encoding": "UTF-8",
            "maxBatchSize": COMPOSITE_RECORD_LIMIT,
            "sobjects": [describe_global_entry(spec, version) for spec in objects],
        }
    )


async def sobject_basic_info(request: Request) -> Response:
    spec = _spec_or_none(_org(request), request.path_params["sobject"])
    if spec is None:
        return not_found()
    entry = describe_global_entry(spec, request.path_params["version"])
    return JSONResponse({"objectDescribe": entry, "recentItems": []})


async def sobject_describe(request: Request) -> Response:
    org = _org(request)
    spec = _spec_or_none(org, request.path_params["sobject"])
    if spec is None:
        return not_found()
    version = request.path_params["version"]
    return JSONResponse(describe_object(spec, org.store.objects, version, _instance_url(request)))


def _limit(maximum: int, remaining: int | None = None) -> dict[str, int]:
    return {"Max": maximum, "Remaining": maximum if remaining is None else remaining}


async def limits(request: Request) -> Response:
    """The org's limits; only DailyApiRequests moves, the rest are typical values."""
    usage = _org(request).api_usage
    return JSONResponse(
        {
            "DailyApiRequests": _limit(usage.daily_limit, max(0, usage.daily_limit - usage.used)),
            "DailyAsyncApexExecutions": _limit(250_000),
            "DailyBulkApiBatches": _limit(15_000),
            "DailyBulkV2QueryFileStorageMB": _limit(976_562),
            "DailyBulkV2QueryJobs": _limit(10_000),
            "DataStorageMB": _limit(5_120),
            "FileStorageMB": _limit(20_480),
            "HourlyODataCallout": _limit(20_000),
            "SingleEmail": _limit(5_000),
        }
    )


def metadata_routes() -> list[BaseRoute]:
    data = "/services/data/v{version}"
    return [
        *_routes("/services/data", versions, ["GET"]),
        *_routes(data, _versioned(resources), ["GET"]),
        *_routes(f"{data}/limits", _versioned(limits), ["GET"]),
        *_routes(f"{data}/sobjects", _versioned(describe_global), ["GET"]),
        *_routes(f"{data}/sobjects/{{sobject}}", _versioned(sobject_basic_info), ["GET"]),
        *_routes(f"{data}/sobjects/{{sobject}}/describe", _versioned(sobject_describe), ["GET"]),
    ]


# =========================================================================== query


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
    org = _org(request)
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
    org = _org(request)
    locator, _, offset = request.path_params["locator"].rpartition("-")
    result = org.cursors.get(locator) if offset.isdigit() else None
    if result is None:
        return sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return await run_in_threadpool(_query_page, org, request, result, int(offset), locator)


def query_routes() -> list[BaseRoute]:
    data = "/services/data/v{version}"
    routes: list[BaseRoute] = []
    for endpoint in ("query", "queryAll"):
        routes += _routes(f"{data}/{endpoint}", _versioned(query), ["GET"])
        routes += _routes(f"{data}/{endpoint}/{{locator}}", _versioned(query_more), ["GET"])
    return routes


# =========================================================================== records


def _save_error(error: RecordError) -> dict[str, Any]:
    return {"statusCode": error.status_code, "message": error.message, "fields": error.fields}


def _normalised_id(record_id: Any) -> str | None:
    try:
        return to_18(record_id) if isinstance(record_id, str) else None
    except InvalidSalesforceId:
        return None


def _split_record(record: dict[str, Any]) -> tuple[str, Any, dict[str, Any]]:
    """(type, id, field values) of a record in a composite request body."""
    attributes = record.get("attributes")
    object_name = attributes.get("type", "") if isinstance(attributes, dict) else ""
    record_id = next((v for k, v in record.items() if k.lower() == "id"), None)
    values = {k: v for k, v in record.items() if k != "attributes" and k.lower() != "id"}
    return object_name or "", record_id, values


async def composite_update(request: Request) -> Response:
    org = _org(request)
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        return sf_error(400, "JSON_PARSER_ERROR", "records must be a list of sObjects")
    if len(records) > COMPOSITE_RECORD_LIMIT:
        return sf_error(
            400,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        )
    all_or_none = bool(body.get("allOrNone", False))
    updates = [_split_record(record) for record in records]
    errors = await run_in_threadpool(_update_unless_locked, org, updates, all_or_none)
    rolled_back = all_or_none and any(errors)
    results = []
    for (_, record_id, _), error in zip(updates, errors, strict=True):
        result: dict[str, Any] = {}
        normalised = _normalised_id(record_id)
        if normalised is not None:
            result["id"] = normalised
        if error is None and not rolled_back:
            result.update(success=True, errors=[])
        elif error is None:
            rollback = RecordError(
                "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "Record rolled back because not all records were valid and the request was "
                "using AllOrNone header",
            )
            result.update(success=False, errors=[_save_error(rollback)])
        else:
            result.update(success=False, errors=[_save_error(error)])
        results.append(result)
    return JSONResponse(results)


def _update_unless_locked(
    org: OrgState, updates: list[tuple[str, Any, dict[str, Any]]], all_or_none: bool
) -> list[RecordError | None]:
    """``update_many``, except records the fault injector says another transaction holds."""
    locks: list[RecordError | None] = []
    for _, record_id, _ in updates:
        locked = org.faults.lock_record()
        message = LOCK_ROW_MESSAGE.format(record_id=_normalised_id(record_id) or record_id)
        locks.append(RecordError("UNABLE_TO_LOCK_ROW", message, []) if locked else None)
    if not any(locks):
        return org.store.update_many(updates, all_or_none=all_or_none)
    if all_or_none:
        return locks  # nothing is written; the others are reported as rolled back
    free = [update for update, lock in zip(updates, locks, strict=True) if lock is None]
    saved = iter(org.store.update_many(free, all_or_none=False))
    return [lock if lock is not None else next(saved) for lock in locks]


def _record_error_response(error: RecordError) -> JSONResponse:
    if error.status_code == "INVALID_CROSS_REFERENCE_KEY":
        return not_found()
    if error.status_code == "ENTITY_IS_DELETED":
        return sf_error(404, "ENTITY_IS_DELETED", "entity is deleted", [])
    return sf_error(400, error.status_code, error.message, error.fields)


async def record_get(request: Request) -> Response:
    org = _org(request)
    spec = _spec_or_none(org, request.path_params["sobject"])
    if spec is None:
        return not_found()
    record = await run_in_threadpool(org.store.get, spec.name, request.path_params["record_id"])
    if record is None:
        return not_found()
    wanted = request.query_params.get("fields")
    if wanted:
        names = []
        for name in wanted.split(","):
            field_spec = spec.field_ci(name.strip())
            if field_spec is None or field_spec.is_compound:
                return sf_error(
                    400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {spec.name}"
                )
            names.append(field_spec.name)
        record = {name: record.get(name) for name in names}
    record_id = to_18(request.path_params["record_id"])
    return JSONResponse(record_json(spec, request.path_params["version"], record_id, record))


async def _record_write(request: Request) -> tuple[OrgState, ObjectSpec, dict] | Response:
    """What creating and updating a single record share: the object, the body, faults."""
    org = _org(request)
    spec = _spec_or_none(org, request.path_params["sobject"])
    if spec is None:
        return not_found()
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    if not isinstance(body, dict):
        return sf_error(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    if org.faults.lock_record():
        return sf_error(400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access", [])
    return org, spec, {k: v for k, v in body.items() if k != "attributes"}


async def record_update(request: Request) -> Response:
    write = await _record_write(request)
    if isinstance(write, Response):
        return write
    org, spec, values = write
    try:
        await run_in_threadpool(
            org.store.update, spec.name, request.path_params["record_id"], values
        )
    except RecordError as error:
        return _record_error_response(error)
    return Response(status_code=204)


async def record_create(request: Request) -> Response:
    write = await _record_write(request)
    if isinstance(write, Response):
        return write
    org, spec, values = write
    try:
        record_id = await run_in_threadpool(org.store.create_record, spec.name, values)
    except RecordError as error:
        return sf_error(400, error.status_code, error.message, error.fields)
    return JSONResponse({"id": record_id, "success": True, "errors": []}, status_code=201)


async def record_delete(request: Request) -> Response:
    org = _org(request)
    spec = _spec_or_none(org, request.path_params["sobject"])
    if spec is None:
        return not_found()
    if org.faults.lock_record():
        return sf_error(400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access", [])
    try:
        await run_in_threadpool(org.store.delete, spec.name, request.path_params["record_id"])
    except RecordError as error:
        if error.status_code == "MALFORMED_ID":
            return not_found()
        return _record_error_response(error)
    return Response(status_code=204)


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def _replication_date(request: Request, name: str) -> datetime | JSONResponse:
    raw = request.query_params.get(name)
    if not raw:
        return sf_error(400, "MISSING_ARGUMENT", f"{name} is required", [name])
    try:
        value = datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError:
        return sf_error(
            400, "INVALID_REPLICATION_DATE", f"{name} is not an ISO 8601 date-time: {raw}"
        )
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return _minute(value.astimezone(UTC))  # the API ignores seconds, as Salesforce does


async def deleted_records(request: Request) -> Response:
    """``sobjects/{Object}/deleted``: ids deleted in a window, for replication."""
    org = _org(request)
    spec = _spec_or_none(org, request.path_params["sobject"])
    if spec is None:
        return not_found()
    start = _replication_date(request, "start")
    end = _replication_date(request, "end")
    if isinstance(start, JSONResponse):
        return start
    if isinstance(end, JSONResponse):
        return end
    if end <= start:
        return sf_error(
            400,
            "INVALID_REPLICATION_DATE",
            "startDate must chronologically precede endDate by more than one minute",
        )
    deleted = await run_in_threadpool(org.store.deleted_records, spec.name, start, end)
    covered = min(end, _minute(datetime.now(UTC)))
    earliest = _minute(deleted[0][1]) if deleted else covered
    return JSONResponse(
        {
            "deletedRecords": [
                {"id": record_id, "deletedDate": format_value(when)} for record_id, when in deleted
            ],
            "earliestDateAvailable": format_value(min(earliest, start)),
            "latestDateCovered": format_value(covered),
        }
    )


def record_routes() -> list[BaseRoute]:
    data = "/services/data/v{version}"
    sobject = f"{data}/sobjects/{{sobject}}"
    return [
        *_routes(f"{sobject}/deleted", _versioned(deleted_records), ["GET"]),
        *_routes(sobject, _versioned(record_create), ["POST"]),
        *_routes(f"{sobject}/{{record_id}}", _versioned(record_delete), ["DELETE"]),
        *_routes(f"{data}/composite/sobjects", _versioned(composite_update), ["PATCH"]),
        *_routes(f"{data}/sobjects/{{sobject}}/{{record_id}}", _versioned(record_get), ["GET"]),
        *_routes(
            f"{data}/sobjects/{{sobject}}/{{record_id}}", _versioned(record_update), ["PATCH"]
        ),
    ]


# =========================================================================== app


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
