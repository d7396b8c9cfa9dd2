"""Tooling API setup objects: permission sets, field grants, assignments, and userinfo."""

from __future__ import annotations

import pytest

from tests.factories.local_org import raw

TOOLING = "/services/data/v62.0/tooling"


def create(org, entity: str, body: dict):
    return raw(org, "POST", f"{TOOLING}/sobjects/{entity}", json=body)


def query(org, soql: str) -> dict:
    return raw(org, "GET", f"{TOOLING}/query", params={"q": soql}).json()


def permission_set(org, name: str = "Rapport_Test") -> str:
    response = create(org, "PermissionSet", {"Name": name, "Label": "Rapport Test"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_a_permission_set_its_grants_and_an_assignment_are_created_and_queried(write_org):
    parent = permission_set(write_org)
    grant = create(
        write_org,
        "FieldPermissions",
        {
            "ParentId": parent,
            "SobjectType": "Account",
            "Field": "Account.Name",
            "PermissionsRead": True,
            "PermissionsEdit": True,
        },
    )
    user_id = raw(write_org, "GET", "/services/oauth2/userinfo").json()["user_id"]
    assigned = create(
        write_org, "PermissionSetAssignment", {"AssigneeId": user_id, "PermissionSetId": parent}
    )

    assert (grant.status_code, assigned.status_code) == (201, 201)
    found = query(write_org, "SELECT Id, Name FROM PermissionSet WHERE Name = 'Rapport_Test'")
    assert found["entityTypeName"] == "PermissionSet"
    assert [(r["Id"], r["Name"]) for r in found["records"]] == [(parent, "Rapport_Test")]
    assert found["records"][0]["attributes"]["url"].endswith(f"/PermissionSet/{parent}")
    grants = query(
        write_org,
        f"SELECT Field, PermissionsEdit FROM FieldPermissions WHERE ParentId = '{parent}'",
    )
    assert [(r["Field"], r["PermissionsEdit"]) for r in grants["records"]] == [
        ("Account.Name", True)
    ]
    assignments = query(
        write_org,
        f"SELECT PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId = '{user_id}'",
    )
    assert [r["PermissionSetId"] for r in assignments["records"]] == [parent]


@pytest.mark.parametrize(
    "body, code",
    [
        (
            {"SobjectType": "Account", "Field": "Account.Nope__c", "PermissionsRead": True},
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        ),
        (
            {"SobjectType": "Account", "Field": "Account.Name", "PermissionsEdit": True},
            "FIELD_INTEGRITY_EXCEPTION",
        ),
        (
            {"SobjectType": "Account", "Field": "Account.Name", "PermissionsRead": "yes"},
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
        ),
        ({"SobjectType": "Account", "Field": "Account.Name", "Bogus": 1}, "INVALID_FIELD"),
    ],
)
def test_bad_field_grants_are_refused(write_org, body, code):
    parent = permission_set(write_org)

    response = create(write_org, "FieldPermissions", {"ParentId": parent, **body})

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code


def test_duplicates_and_unknown_references_are_refused(write_org):
    parent = permission_set(write_org)

    duplicate = create(write_org, "PermissionSet", {"Name": "Rapport_Test", "Label": "Again"})
    bad_name = create(write_org, "PermissionSet", {"Name": "Rapport__Test", "Label": "x"})
    orphan = create(
        write_org,
        "FieldPermissions",
        {"ParentId": "0PSLO0000000099AAA", "SobjectType": "Account", "Field": "Account.Name"},
    )
    stranger = create(
        write_org,
        "PermissionSetAssignment",
        {"AssigneeId": "005000000000000AAA", "PermissionSetId": parent},
    )

    assert duplicate.json()[0]["errorCode"] == "DUPLICATE_DEVELOPER_NAME"
    assert bad_name.json()[0]["errorCode"] == "INVALID_FIELD"
    assert orphan.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert stranger.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_userinfo_needs_a_valid_session(write_org):
    response = raw(write_org, "GET", "/services/oauth2/userinfo", token="not-a-session")

    assert response.status_code == 401


def test_a_collection_creates_sets_and_grants_together_or_nothing(write_org):
    def collection(records, all_or_none=True):
        body = {"allOrNone": all_or_none, "records": records}
        return raw(write_org, "POST", f"{TOOLING}/composite/sobjects", json=body)

    good = {"attributes": {"type": "PermissionSet"}, "Name": "Rapport_A", "Label": "A"}
    bad = {"attributes": {"type": "PermissionSet"}, "Name": "Rapport_A", "Label": "Again"}

    refused = collection([good, bad]).json()
    created = collection([good]).json()

    assert [r["success"] for r in refused] == [False, False]
    assert refused[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert refused[1]["errors"][0]["statusCode"] == "DUPLICATE_DEVELOPER_NAME"
    assert created[0]["success"] is True
    names = query(write_org, "SELECT Name FROM PermissionSet WHERE Name = 'Rapport_A'")
    assert names["size"] == 1
    partial = collection([bad, {**good, "Name": "Rapport_B"}], all_or_none=False).json()
    assert [r["success"] for r in partial] == [False, True]
