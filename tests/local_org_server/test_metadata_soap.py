"""Metadata API (SOAP) createMetadata / readMetadata for ListView on the local org."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.factories.local_org import raw

NS = {
    "env": "http://schemas.xmlsoap.org/soap/envelope/",
    "md": "http://soap.sforce.com/2006/04/metadata",
}


def call(org, body: str, session: str | None = None) -> ET.Element:
    envelope = (
        f'<soapenv:Envelope xmlns:soapenv="{NS["env"]}" xmlns="{NS["md"]}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Header><SessionHeader>'
        f"<sessionId>{session or org.info.access_token}</sessionId></SessionHeader>"
        f"</soapenv:Header><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )
    response = raw(
        org,
        "POST",
        "/services/Soap/m/59.0",
        data=envelope,
        headers={"Content-Type": "text/xml", "SOAPAction": '""'},
    )
    return ET.fromstring(response.content).find("env:Body", NS)[0]


def list_view(full_name: str, field: str = "Name", operation: str = "equals") -> str:
    return (
        f'<metadata xsi:type="ListView"><fullName>{full_name}</fullName>'
        "<columns>ACCOUNT.NAME</columns><filterScope>Everything</filterScope>"
        f"<filters><field>{field}</field><operation>{operation}</operation>"
        "<value>Acme</value></filters><label>Acme</label></metadata>"
    )


def results(answer: ET.Element) -> list[tuple[str, str, str | None]]:
    return [
        (
            r.findtext("md:fullName", namespaces=NS) or "",
            r.findtext("md:success", namespaces=NS) or "",
            r.findtext("md:errors/md:statusCode", namespaces=NS),
        )
        for r in answer.findall("md:result", NS)
    ]


def test_list_views_are_created_checked_and_read_back(write_org):
    created = call(
        write_org,
        "<createMetadata>"
        + list_view("Account.Acme")
        + list_view("Account.Acme")
        + list_view("Account.Bad_Field", field="Nope__c")
        + list_view("Account.Bad_Operation", operation="resembles")
        + list_view("Nothing.Acme")
        + "</createMetadata>",
    )
    read = call(
        write_org,
        "<readMetadata><type>ListView</type><fullNames>Account.Acme</fullNames>"
        "<fullNames>Account.Missing</fullNames></readMetadata>",
    )

    assert results(created) == [
        ("Account.Acme", "true", None),
        ("Account.Acme", "false", "DUPLICATE_DEVELOPER_NAME"),
        ("Account.Bad_Field", "false", "FIELD_INTEGRITY_EXCEPTION"),
        ("Account.Bad_Operation", "false", "FIELD_INTEGRITY_EXCEPTION"),
        ("Nothing.Acme", "false", "INVALID_CROSS_REFERENCE_KEY"),
    ]
    records = read.findall("md:result/md:records", NS)
    assert [r.findtext("md:fullName", namespaces=NS) for r in records] == ["Account.Acme"]
    assert records[0].findtext("md:filters/md:value", namespaces=NS) == "Acme"


def test_a_bad_session_or_another_type_is_a_soap_fault(write_org):
    bad_session = call(write_org, "<readMetadata><type>ListView</type></readMetadata>", "nope")
    other_type = call(
        write_org,
        "<readMetadata><type>CustomObject</type><fullNames>Account</fullNames></readMetadata>",
    )

    assert "INVALID_SESSION_ID" in (bad_session.findtext("faultcode") or "")
    assert "INVALID_TYPE" in (other_type.findtext("faultcode") or "")
