"""Create Rapport's Account list views through the Metadata API, as ``install-fields`` does.

The committed SFDX files (``objects/Account/listViews``) are the definition:
the admin who deploys with the Salesforce CLI and the one who runs
``rapport install-fields`` get the same views. The Tooling API cannot create
list views, so this uses the Metadata API's readMetadata and createMetadata.
The SOAP envelopes are written here and sent on the client's own HTTP session
rather than through ``sf.mdapi``: that one opens its own connection (ignoring
the configured CA bundle and proxy) and parses a 1.5 MB WSDL first. Views
that exist are left alone, so a second run creates nothing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from simple_salesforce import Salesforce

from connectors.salesforce.writeback.rapport_fields import METADATA_NAMESPACE, SFDX_OBJECTS_DIR

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
NS = {"md": METADATA_NAMESPACE, "env": SOAP_ENV}
CALL_LIMIT = 10  # components per readMetadata / createMetadata call


class ListViewInstallError(RuntimeError):
    """The org refused a list view; the message names it and says why."""


@dataclass(frozen=True)
class ListViewDefinition:
    object_name: str
    name: str
    label: str
    filter_scope: str
    columns: tuple[str, ...]
    filters: tuple[tuple[str, str, str | None], ...]

    @property
    def full_name(self) -> str:
        return f"{self.object_name}.{self.name}"


def load_list_view(path: Path) -> ListViewDefinition:
    """A list view from its ``.listView-meta.xml``; the object is its folder's parent."""
    root = ET.parse(path).getroot()

    def text(element: ET.Element, tag: str) -> str | None:
        return element.findtext(f"md:{tag}", namespaces=NS)

    return ListViewDefinition(
        object_name=path.parent.parent.name,
        name=text(root, "fullName") or path.name.split(".")[0],
        label=text(root, "label") or "",
        filter_scope=text(root, "filterScope") or "Everything",
        columns=tuple(c.text or "" for c in root.findall("md:columns", NS)),
        filters=tuple(
            (text(f, "field") or "", text(f, "operation") or "", text(f, "value"))
            for f in root.findall("md:filters", NS)
        ),
    )


def rapport_list_views(objects_dir: Path = SFDX_OBJECTS_DIR) -> tuple[ListViewDefinition, ...]:
    return tuple(
        load_list_view(p) for p in sorted(objects_dir.glob("*/listViews/*.listView-meta.xml"))
    )


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i : i + CALL_LIMIT] for i in range(0, len(items), CALL_LIMIT)]


def _call(sf: Salesforce, body: str) -> ET.Element:
    """POST one Metadata API call; the element inside the SOAP body of the answer."""
    envelope = (
        f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="{METADATA_NAMESPACE}">'
        f"<soapenv:Header><SessionHeader><sessionId>{escape(sf.session_id)}</sessionId>"
        f"</SessionHeader></soapenv:Header><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )
    response = sf.session.post(
        sf.metadata_url,
        data=envelope.encode("utf-8"),
        headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'},
        timeout=120,
    )
    try:
        root = ET.fromstring(response.content)
    except ET.ParseError:
        root = None
    fault = None if root is None else root.find("env:Body/env:Fault", NS)
    if root is None or fault is not None or response.status_code != 200:
        detail = response.text if fault is None else fault.findtext("faultstring")
        raise ListViewInstallError(
            f"Metadata API call failed: HTTP {response.status_code} {detail}"
        )
    return root.find("env:Body", NS)[0]  # type: ignore[index]


def _element(tag: str, value: str) -> str:
    return f"<{tag}>{escape(value)}</{tag}>"


def list_view_xml(view: ListViewDefinition) -> str:
    """The ListView as a createMetadata component, elements in the schema's order."""
    parts = [_element("fullName", view.full_name)]
    parts += [_element("columns", c) for c in view.columns]
    parts.append(_element("filterScope", view.filter_scope))
    for name, operation, value in view.filters:
        item = _element("field", name) + _element("operation", operation)
        item += "" if value is None else _element("value", value)
        parts.append(f"<filters>{item}</filters>")
    parts.append(_element("label", view.label))
    return f'<metadata xsi:type="ListView">{"".join(parts)}</metadata>'


def existing_list_views(sf: Salesforce, full_names: list[str]) -> set[str]:
    """The full names among ``full_names`` the org has (readMetadata)."""
    found: set[str] = set()
    for chunk in _chunks(full_names):
        names = "".join(_element("fullNames", n) for n in chunk)
        answer = _call(sf, f"<readMetadata><type>ListView</type>{names}</readMetadata>")
        for record in answer.findall("md:result/md:records", NS):
            if record.findtext("md:fullName", namespaces=NS):
                found.add(str(record.findtext("md:fullName", namespaces=NS)).lower())
    return {n for n in full_names if n.lower() in found}


def install_list_views(
    sf: Salesforce, views: tuple[ListViewDefinition, ...] | None = None
) -> list[str]:
    """Create the missing list views; returns the full names created."""
    views = rapport_list_views() if views is None else views
    existing = existing_list_views(sf, [v.full_name for v in views])
    missing = [v for v in views if v.full_name not in existing]
    for chunk in _chunks(missing):
        components = "".join(list_view_xml(v) for v in chunk)
        answer = _call(sf, f"<createMetadata>{components}</createMetadata>")
        failures = [
            f"{r.findtext('md:fullName', namespaces=NS)}: "
            + "; ".join(
                f"{e.findtext('md:statusCode', namespaces=NS)} "
                f"{e.findtext('md:message', namespaces=NS)}"
                for e in r.findall("md:errors", NS)
            )
            for r in answer.findall("md:result", NS)
            if r.findtext("md:success", namespaces=NS) != "true"
        ]
        if failures:
            raise ListViewInstallError("Creating list views failed: " + " | ".join(failures))
    return [v.full_name for v in missing]
