"""Tooling API: deploying custom fields and finding them again."""

from __future__ import annotations

import pytest

from tests.factories import account_id
from tests.factories.local_org import client, raw

TOOLING = "/services/data/v62.0/tooling"


def create_field(org, full_name: str, metadata: dict):
    return raw(
        org,
        "POST",
        f"{TOOLING}/sobjects/CustomField",
        json={"FullName": full_name, "Metadata": metadata},
    )


def described(org, object_name: str, field_name: str) -> dict:
    fields = client(org).restful(f"sobjects/{object_name}/describe")["fields"]
    return next(f for f in fields if f["name"] == field_name)


RELATIONSHIP_TYPE = {
    "label": "Relationship Type",
    "type": "Picklist",
    "valueSet": {
        "valueSetDefinition": {
            "value": [
                {"fullName": "Married", "label": "Married"},
                {"fullName": "Dating", "label": "Dating"},
            ]
        }
    },
}


def test_a_picklist_field_is_created_described_and_writable(write_org):
    created = create_field(write_org, "Contact.Relationship_Type__c", RELATIONSHIP_TYPE)
    assert created.status_code == 201
    body = created.json()
    assert body["success"] is True and body["errors"] == []
    assert body["id"].startswith("00N")
    field = described(write_org, "Contact", "Relationship_Type__c")
    assert field["type"] == "picklist"
    assert field["custom"] is True
    assert [v["value"] for v in field["picklistValues"]] == ["Married", "Dating"]
    sf = client(write_org)
    records = sf.query("SELECT Relationship_Type__c FROM Contact")["records"]
    assert {r["Relationship_Type__c"] for r in records} == {None}
    contact = records[0]["attributes"]["url"].rsplit("/", 1)[-1]
    sf.Contact.update(contact, {"Relationship_Type__c": "Married"})
    refused = raw(
        write_org,
        "PATCH",
        f"/services/data/v62.0/sobjects/Contact/{contact}",
        json={"Relationship_Type__c": "Ex"},
    )
    assert refused.json()[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_a_duplicate_field_is_refused(write_org):
    create_field(write_org, "Contact.Relationship_Type__c", RELATIONSHIP_TYPE)
    again = create_field(write_org, "Contact.Relationship_Type__c", RELATIONSHIP_TYPE)
    assert again.status_code == 400
    assert again.json()[0]["errorCode"] == "DUPLICATE_DEVELOPER_NAME"
    existing = create_field(write_org, "Account.Relationship_Type__c", RELATIONSHIP_TYPE)
    assert existing.json()[0]["errorCode"] == "DUPLICATE_DEVELOPER_NAME"  # from schema.yml


@pytest.mark.parametrize(
    ("metadata", "sf_type", "extra"),
    [
        ({"type": "Number", "precision": 5, "scale": 2}, "double", {"precision": 5, "scale": 2}),
        ({"type": "Checkbox"}, "boolean", {"nillable": False}),
        ({"type": "Text", "length": 80}, "string", {"length": 80}),
        ({"type": "LongTextArea", "length": 32768}, "textarea", {"length": 32768}),
        ({"type": "DateTime"}, "datetime", {}),
    ],
)
def test_metadata_types_map_to_describe_types(write_org, metadata, sf_type, extra):
    response = create_field(write_org, "Account.New_Field__c", {"label": "New", **metadata})
    assert response.status_code == 201, response.text
    field = described(write_org, "Account", "New_Field__c")
    assert field["type"] == sf_type
    assert {key: field[key] for key in extra} == extra
    value = write_org.store.get("Account", account_id(1))["New_Field__c"]
    assert value is (False if sf_type == "boolean" else None)


@pytest.mark.parametrize(
    ("full_name", "metadata", "code"),
    [
        ("Account.No_Suffix", {"label": "X", "type": "Text"}, "INVALID_FIELD"),
        ("Nope.Field__c", {"label": "X", "type": "Text"}, "INVALID_TYPE"),
        ("Account.Field__c", {"label": "X", "type": "Hologram"}, "FIELD_INTEGRITY_EXCEPTION"),
        ("Account.Field__c", {"type": "Text"}, "REQUIRED_FIELD_MISSING"),
        ("Account.Field__c", {"label": "X", "type": "Picklist"}, "FIELD_INTEGRITY_EXCEPTION"),
    ],
)
def test_bad_custom_fields_are_refused(read_org, full_name, metadata, code):
    response = create_field(read_org, full_name, metadata)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code


def test_tooling_query_finds_custom_fields(write_org):
    created = create_field(write_org, "Contact.Relationship_Type__c", RELATIONSHIP_TYPE).json()
    soql = (
        "SELECT Id, DeveloperName, TableEnumOrId FROM CustomField "
        "WHERE DeveloperName = 'Relationship_Type' AND TableEnumOrId = 'Contact'"
    )
    body = raw(write_org, "GET", f"{TOOLING}/query/", params={"q": soql}).json()
    assert body["size"] == 1 and body["done"] is True
    record = body["records"][0]
    assert record["Id"] == created["id"]
    assert (record["DeveloperName"], record["TableEnumOrId"]) == ("Relationship_Type", "Contact")
    assert record["attributes"]["type"] == "CustomField"
    every = "SELECT DeveloperName FROM CustomField WHERE TableEnumOrId IN ('Account')"
    names = {
        r["DeveloperName"]
        for r in raw(write_org, "GET", f"{TOOLING}/query", params={"q": every}).json()["records"]
    }
    assert {"Relationship_Type", "Relationship_Strength", "Estimated_Annual_Wallet"} <= names
    bad = raw(write_org, "GET", f"{TOOLING}/query", params={"q": "SELECT Id FROM ApexClass"})
    assert bad.status_code == 400
