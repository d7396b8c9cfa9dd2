"""The Metadata API's createMetadata and readMetadata calls (SOAP), for ListView.

List views cannot be created through the Tooling API; Salesforce creates them
with the Metadata API, which simple-salesforce speaks as ``sf.mdapi``. The
local org answers those two calls for ``ListView`` so ``rapport
install-fields`` can create Rapport's list views and a test can read them
back. It refuses what Salesforce refuses: an unknown object, a filter on a
field the object lacks, an operation or scope outside the schema's
enumerations, and a list view that already exists.
"""

from __future__ import annotations

import re
import threading
import weakref
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from local_org.responses import routes
from local_org.state import org_state
from local_org.store import OrgStore

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
METADATA = "http://soap.sforce.com/2006/04/metadata"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS = {"env": SOAP_ENV, "md": METADATA, "xsi": XSI}

# From the Metadata API WSDL (FilterOperation, FilterScope).
FILTER_OPERATIONS = frozenset(
    [
        "equals",
        "notEqual",
        "lessThan",
        "greaterThan",
        "lessOrEqual",
        "greaterOrEqual",
        "contains",
        "notContain",
        "startsWith",
        "includes",
        "excludes",
        "within",
    ]
)
FILTER_SCOPES = frozenset(
    [
        "Everything",
        "Mine",
        "Queue",
        "Delegated",
        "MyTerritory",
        "MyTeamTerritory",
        "Team",
        "SalesTeam",
        "AssignedToMe",
        "MineAndMyGroups",
        "ScopingRule",
    ]
)
# Standard columns of list views are named like ACCOUNT.NAME or CORE.USERS.ALIAS.
_STANDARD_COLUMN = re.compile(r"^[A-Z][A-Z0-9_]*(\.[A-Z][A-Z0-9_]*)+$")
_FULL_NAME = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]{0,39})$")
CALL_LIMIT = 10  # components per createMetadata / readMetadata call


class MetadataError(Exception):
    def __init__(self, status_code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{status_code}: {message}")
        self.status_code = status_code
        self.message = message
        self.fields = fields or []


@dataclass
class ListViews:
    """The org's list views by full name (Object.Name), as {element: value(s)}."""

    by_name: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_LIST_VIEWS: weakref.WeakKeyDictionary[OrgStore, ListViews] = weakref.WeakKeyDictionary()
_LIST_VIEWS_LOCK = threading.Lock()


def list_views(store: OrgStore) -> ListViews:
    with _LIST_VIEWS_LOCK:
        if store not in _LIST_VIEWS:
            _LIST_VIEWS[store] = ListViews()
        return _LIST_VIEWS[store]


def _text(element: ET.Element, tag: str) -> str | None:
    child = element.find(f"md:{tag}", NS)
    return None if child is None or child.text is None else child.text.strip()


def list_view_from_xml(store: OrgStore, element: ET.Element) -> dict[str, Any]:
    """A validated list view from a ``metadata`` element; ``MetadataError`` otherwise."""
    full_name = _text(element, "fullName") or ""
    match = _FULL_NAME.match(full_name)
    if match is None:
        raise MetadataError(
            "INVALID_CROSS_REFERENCE_KEY", f"fullName must be Object.ListViewName: {full_name!r}"
        )
    try:
        spec = store.spec(match.group(1))
    except KeyError:
        raise MetadataError(
            "INVALID_CROSS_REFERENCE_KEY", f"no sObject named {match.group(1)}"
        ) from None
    label = _text(element, "label")
    if not label or len(label) > 40:
        raise MetadataError("FIELD_INTEGRITY_EXCEPTION", "label is required (40 characters)")
    scope = _text(element, "filterScope")
    if scope not in FILTER_SCOPES:
        raise MetadataError("FIELD_INTEGRITY_EXCEPTION", f"bad filterScope {scope!r}")
    columns = [c.text.strip() for c in element.findall("md:columns", NS) if c.text]
    filters = []
    for item in element.findall("md:filters", NS):
        name, operation = _text(item, "field") or "", _text(item, "operation") or ""
        if operation not in FILTER_OPERATIONS:
            raise MetadataError("FIELD_INTEGRITY_EXCEPTION", f"bad operation {operation!r}")
        filters.append({"field": name, "operation": operation, "value": _text(item, "value")})
    for name in columns + [f["field"] for f in filters]:
        if not _STANDARD_COLUMN.match(name) and spec.field_ci(name) is None:
            raise MetadataError(
                "FIELD_INTEGRITY_EXCEPTION",
                f"{spec.name}.{name} does not exist or is not filterable",
                [name],
            )
    return {
        "fullName": f"{spec.name}.{match.group(2)}",
        "columns": columns,
        "filterScope": scope,
        "filters": filters,
        "label": label,
    }


def create_list_views(store: OrgStore, elements: list[ET.Element]) -> list[dict[str, Any]]:
    """One SaveResult-like dict per component; each succeeds or fails on its own."""
    views = list_views(store)
    results = []
    for element in elements:
        full_name = _text(element, "fullName") or ""
        try:
            view = list_view_from_xml(store, element)
            with views.lock:
                if view["fullName"].lower() in (n.lower() for n in views.by_name):
                    raise MetadataError(
                        "DUPLICATE_DEVELOPER_NAME",
                        f"There is already a list view named {view['fullName']}",
                    )
                views.by_name[view["fullName"]] = view
            results.append({"fullName": view["fullName"], "success": True, "errors": []})
        except MetadataError as error:
            results.append({"fullName": full_name, "success": False, "errors": [error]})
    return results


def read_list_views(store: OrgStore, full_names: list[str]) -> list[dict[str, Any]]:
    """The list views that exist among ``full_names``, in that order."""
    views = list_views(store)
    with views.lock:
        lowered = {name.lower(): view for name, view in views.by_name.items()}
        return [dict(lowered[n.lower()]) for n in full_names if n.lower() in lowered]


# --------------------------------------------------------------------------- SOAP


def _envelope(body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns="{METADATA}" xmlns:xsi="{XSI}">'
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )


def _fault(code: str, message: str, status: int = 500) -> Response:
    """A SOAP fault; faultcode and faultstring are unqualified, as SOAP 1.1 wants."""
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" '
        f'xmlns:sf="{METADATA}"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>sf:{escape(code)}</faultcode>"
        f"<faultstring>{escape(code)}: {escape(message)}</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, status_code=status, media_type="text/xml")


def _save_results(results: list[dict[str, Any]]) -> str:
    parts = []
    for result in results:
        errors = "".join(
            "<errors>"
            + "".join(f"<fields>{escape(f)}</fields>" for f in error.fields)
            + f"<message>{escape(error.message)}</message>"
            f"<statusCode>{escape(error.status_code)}</statusCode></errors>"
            for error in result["errors"]
        )
        success = "true" if result["success"] else "false"
        parts.append(
            f"<result>{errors}<fullName>{escape(result['fullName'])}</fullName>"
            f"<success>{success}</success></result>"
        )
    return f"<createMetadataResponse>{''.join(parts)}</createMetadataResponse>"


def _list_view_xml(view: dict[str, Any]) -> str:
    inner = f"<fullName>{escape(view['fullName'])}</fullName>"
    inner += "".join(f"<columns>{escape(c)}</columns>" for c in view["columns"])
    inner += f"<filterScope>{escape(view['filterScope'])}</filterScope>"
    for item in view["filters"]:
        value = "" if item["value"] is None else f"<value>{escape(item['value'])}</value>"
        inner += (
            f"<filters><field>{escape(item['field'])}</field>"
            f"<operation>{escape(item['operation'])}</operation>{value}</filters>"
        )
    inner += f"<label>{escape(view['label'])}</label>"
    return f'<records xsi:type="ListView">{inner}</records>'


def _metadata_type(element: ET.Element) -> str:
    declared = element.get(f"{{{XSI}}}type", "")
    return declared.rpartition(":")[2]


def answer(store: OrgStore, session_valid: Any, payload: bytes) -> Response:
    """The SOAP response to one Metadata API call."""
    try:
        envelope = ET.fromstring(payload)
    except ET.ParseError as error:
        return _fault("INVALID_XML", str(error))
    session = envelope.find("env:Header/md:SessionHeader/md:sessionId", NS)
    if session is None or not session_valid((session.text or "").strip()):
        return _fault("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader")
    body = envelope.find("env:Body", NS)
    call = body[0] if body is not None and len(body) else None
    if call is None:
        return _fault("INVALID_XML", "empty SOAP body")
    name = call.tag.rpartition("}")[2]
    if name == "createMetadata":
        components = call.findall("md:metadata", NS)
        if not components or len(components) > CALL_LIMIT:
            return _fault("INVALID_XML", f"createMetadata takes 1 to {CALL_LIMIT} components")
        kinds = {_metadata_type(c) for c in components}
        if kinds != {"ListView"}:
            return _fault("INVALID_TYPE", f"the local org creates ListView only, got {kinds}")
        answer_body = _save_results(create_list_views(store, components))
    elif name == "readMetadata":
        if (_text(call, "type") or "") != "ListView":
            return _fault("INVALID_TYPE", "the local org reads ListView only")
        names = [e.text or "" for e in call.findall("md:fullNames", NS)]
        if not names or len(names) > CALL_LIMIT:
            return _fault("INVALID_XML", f"readMetadata takes 1 to {CALL_LIMIT} names")
        records = "".join(_list_view_xml(v) for v in read_list_views(store, names))
        answer_body = f"<readMetadataResponse><result>{records}</result></readMetadataResponse>"
    else:
        return _fault("UNKNOWN_OPERATION", f"the local org's Metadata API has no {name}")
    return Response(_envelope(answer_body), media_type="text/xml")


async def metadata_soap(request: Request) -> Response:
    org = org_state(request)
    payload = await request.body()
    return await run_in_threadpool(answer, org.store, org.sessions.is_valid, payload)


def metadata_soap_routes() -> list[BaseRoute]:
    """``/services/Soap/m/{version}[/{orgId}]``: the URL simple-salesforce and login give."""
    return [
        *routes("/services/Soap/m/{version}", metadata_soap, ["POST"]),
        *routes("/services/Soap/m/{version}/{org_id}", metadata_soap, ["POST"]),
    ]
