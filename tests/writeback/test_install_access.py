"""install-fields grants access: permission sets, field grants and the caller's assignment."""

from __future__ import annotations

from connectors.salesforce.writeback.install import install_fields
from connectors.salesforce.writeback.install_access import running_user_id
from connectors.salesforce.writeback.install_list_views import rapport_list_views
from connectors.salesforce.writeback.permission_sets import INTEGRATION, READ_ONLY
from connectors.salesforce.writeback.rapport_fields import rapport_fields


def tooling(sf, soql: str) -> list[dict]:
    return sf.toolingexecute("query/", params={"q": soql})["records"]


def grants(sf, permission_set_id: str) -> dict[str, tuple[bool, bool]]:
    rows = tooling(
        sf,
        "SELECT Field, PermissionsRead, PermissionsEdit FROM FieldPermissions "
        f"WHERE ParentId = '{permission_set_id}'",
    )
    return {r["Field"]: (r["PermissionsRead"], r["PermissionsEdit"]) for r in rows}


def test_install_fields_creates_the_permission_sets_and_assigns_the_integration_set(make_env):
    env = make_env(accounts=2, contacts=1, installed=lambda d: False)
    env.org.request_log.clear()

    report = install_fields(env.sf)

    every_field = {f.full_name for f in rapport_fields()}
    sets = {
        r["Name"]: r
        for r in tooling(env.sf, "SELECT Id, Name, Label FROM PermissionSet")
        if r["Name"].startswith("Rapport_")
    }
    assert set(sets) == {READ_ONLY.name, INTEGRATION.name}
    assert sets[INTEGRATION.name]["Label"] == "Rapport Integration"
    # Users read Rapport's fields and the integration edits them, except a
    # field the reps own (their view of the relationship): they edit, it reads.
    rep_owned = {f.full_name: f.rep_owned for f in rapport_fields()}
    assert any(rep_owned.values())
    assert grants(env.sf, sets[READ_ONLY.name]["Id"]) == {
        name: (True, owned) for name, owned in rep_owned.items()
    }
    assert grants(env.sf, sets[INTEGRATION.name]["Id"]) == {
        name: (True, not owned) for name, owned in rep_owned.items()
    }
    user_id = running_user_id(env.sf)
    assignments = tooling(
        env.sf,
        f"SELECT AssigneeId, PermissionSetId FROM PermissionSetAssignment "
        f"WHERE AssigneeId = '{user_id}'",
    )
    assert assignments == [
        {
            "attributes": assignments[0]["attributes"],
            "AssigneeId": user_id,
            "PermissionSetId": sets[INTEGRATION.name]["Id"],
        }
    ]
    assert report.access is not None
    assert report.access.permission_sets_created == [READ_ONLY.name, INTEGRATION.name]
    assert report.access.field_permissions_created == 2 * len(every_field)
    assert "assigned to you: Rapport_Integration" in str(report)
    # Both sets in one call, every grant and the assignment in another.
    assert env.org.request_log.count("POST", "tooling/composite/sobjects") == 2


def test_a_second_install_grants_nothing_new(make_env):
    env = make_env(accounts=2, contacts=1)
    install_fields(env.sf)
    env.org.request_log.clear()

    second = install_fields(env.sf)

    assert second.access is not None
    assert second.access.permission_sets_created == []
    assert second.access.field_permissions_created == 0
    assert second.access.assigned == []
    assert env.org.request_log.count("POST", "tooling/") == 0  # readMetadata is a POST too
    assert second.list_views == []


def test_a_grant_missing_from_an_existing_permission_set_is_added(make_env):
    env = make_env(accounts=2, contacts=1)
    first = install_fields(env.sf, rapport_fields()[:3])
    assert first.access is not None
    assert first.access.field_permissions_created == 2 * 3

    second = install_fields(env.sf)

    assert second.access is not None
    assert second.access.permission_sets_created == []
    assert second.access.field_permissions_created == 2 * (len(rapport_fields()) - 3)


def test_install_fields_creates_the_list_views_an_admin_reads_back(make_env):
    env = make_env(accounts=2, contacts=1, installed=lambda d: False)
    views = rapport_list_views()
    assert len(views) == 4

    first = install_fields(env.sf)
    second = install_fields(env.sf)

    assert first.list_views == sorted(v.full_name for v in views)
    assert second.list_views == []
    # Read back with simple-salesforce's own Metadata API client (zeep and the WSDL),
    # on the test org's CA: the local org's SOAP must be what a real client parses.
    env.sf.mdapi._client.transport.session = env.sf.session
    read = env.sf.mdapi.ListView.read([v.full_name for v in views])
    by_name = {r.fullName: r for r in read}
    hostages = by_name["Account.Rapport_Hostages"]
    assert hostages.label == "Hostages"
    assert hostages.filterScope == "Everything"
    assert [(f.field, f.operation, f.value) for f in hostages.filters] == [
        ("Relationship_Hostage__c", "equals", "1")
    ]
    ready = by_name["Account.Rapport_Ready_for_the_Next_Level"]
    assert ("Relationship_Next_Step__c", "notEqual", None) in [
        (f.field, f.operation, f.value) for f in ready.filters
    ]
    assert "Relationship_Type__c" in ready.columns
