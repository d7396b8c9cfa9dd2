"""Grant access to Rapport's fields through the Tooling API, as ``install-fields`` does.

A field created through the Tooling API has no field-level security: write-back
could not update it and nobody could see it. So after the fields, the installer
creates Rapport's permission sets (the same definitions the SFDX files are
generated from), grants each field, and assigns the integration set to the user
it runs as (the user write-back signs in as). Every step looks first, so a
second run creates nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError

from connectors.salesforce.writeback.permission_sets import (
    INTEGRATION,
    PermissionSetDefinition,
    permission_sets,
)
from connectors.salesforce.writeback.rapport_fields import FieldDefinition


class AccessInstallError(RuntimeError):
    """The org refused a permission set, a grant or the assignment; the message says which."""


@dataclass
class AccessReport:
    permission_sets_created: list[str] = field(default_factory=list)
    field_permissions_created: int = 0
    assigned: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        created = ", ".join(self.permission_sets_created) or "none"
        assigned = ", ".join(self.assigned) or "already assigned"
        return (
            f"permission sets created: {created}; field grants added: "
            f"{self.field_permissions_created}; assigned to you: {assigned}"
        )


# sObject Collections take at most 200 records a request.
COLLECTION_LIMIT = 200


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _quoted_list(values: Iterable[str]) -> str:
    return ", ".join(_quote(v) for v in values)


def _tooling_records(sf: Salesforce, soql: str) -> list[dict[str, Any]]:
    return list(sf.toolingexecute("query/", params={"q": soql}).get("records", []))


def _create_all(sf: Salesforce, records: list[dict[str, Any]]) -> list[str]:
    """Create records of any setup type, 200 a call, all or none; their Ids in order.

    One call for every grant instead of one per field: the installer runs
    against orgs whose daily API allowance may be nearly spent.
    """
    ids: list[str] = []
    for start in range(0, len(records), COLLECTION_LIMIT):
        chunk = records[start : start + COLLECTION_LIMIT]
        try:
            results = sf.toolingexecute(
                "composite/sobjects", method="POST", data={"allOrNone": True, "records": chunk}
            )
        except SalesforceError as error:
            raise AccessInstallError(f"Granting access failed: {error}") from error
        failures = [
            f"{record['attributes']['type']} {_describe(record)}: {result.get('errors')}"
            for record, result in zip(chunk, results, strict=True)
            if not result.get("success", False)
        ]
        if failures:
            raise AccessInstallError("Granting access failed: " + "; ".join(failures))
        ids += [str(result["id"]) for result in results]
    return ids


def _describe(record: dict[str, Any]) -> str:
    return str(record.get("Name") or record.get("Field") or record.get("PermissionSetId") or "")


def running_user_id(sf: Salesforce) -> str:
    """The Id of the user the session belongs to (OpenID Connect UserInfo)."""
    response = sf.session.get(sf.oauth2_url + "userinfo", headers=sf.headers, timeout=60)
    if response.status_code != 200:
        raise AccessInstallError(
            f"Finding the signed-in user failed: HTTP {response.status_code} {response.text}"
        )
    return str(response.json()["user_id"])


def _permission_set_record(definition: PermissionSetDefinition) -> dict[str, Any]:
    metadata = definition.metadata(())
    return {
        "attributes": {"type": "PermissionSet"},
        "Name": definition.name,
        "Label": metadata["label"],
        "Description": metadata["description"],
        "HasActivationRequired": metadata["hasActivationRequired"],
    }


def ensure_permission_sets(sf: Salesforce, report: AccessReport) -> dict[str, str]:
    """{name: Id} of Rapport's permission sets, creating the missing ones."""
    definitions = permission_sets()
    names = _quoted_list(d.name for d in definitions)
    ids = {
        str(r["Name"]): str(r["Id"])
        for r in _tooling_records(sf, f"SELECT Id, Name FROM PermissionSet WHERE Name IN ({names})")
    }
    missing = [d for d in definitions if d.name not in ids]
    if missing:
        created = _create_all(sf, [_permission_set_record(d) for d in missing])
        ids.update(zip((d.name for d in missing), created, strict=True))
        report.permission_sets_created += [d.name for d in missing]
    return ids


def missing_grants(
    sf: Salesforce, ids: dict[str, str], fields: tuple[FieldDefinition, ...]
) -> list[dict[str, Any]]:
    """FieldPermissions records for every (permission set, field) not granted yet."""
    granted = {
        (str(r["ParentId"]), str(r["Field"]).lower())
        for r in _tooling_records(
            sf,
            "SELECT ParentId, Field FROM FieldPermissions "
            f"WHERE ParentId IN ({_quoted_list(ids.values())})",
        )
    }
    return [
        {
            "attributes": {"type": "FieldPermissions"},
            "ParentId": ids[definition.name],
            "SobjectType": grant["field"].split(".")[0],
            "Field": grant["field"],
            "PermissionsRead": grant["readable"],
            "PermissionsEdit": grant["editable"],
        }
        for definition in permission_sets()
        for grant in definition.field_permissions(fields)
        if (ids[definition.name], grant["field"].lower()) not in granted
    ]


def install_access(sf: Salesforce, fields: Iterable[FieldDefinition]) -> AccessReport:
    """Create both permission sets with their grants; assign the integration set to the caller.

    Five API calls when everything is missing, three when nothing is.
    """
    fields = tuple(fields)
    report = AccessReport()
    ids = ensure_permission_sets(sf, report)
    records = missing_grants(sf, ids, fields)
    report.field_permissions_created = len(records)
    user_id = running_user_id(sf)
    integration_id = ids[INTEGRATION.name]
    assigned = _tooling_records(
        sf,
        "SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = "
        f"{_quote(user_id)} AND PermissionSetId = {_quote(integration_id)}",
    )
    if not assigned:
        records.append(
            {
                "attributes": {"type": "PermissionSetAssignment"},
                "AssigneeId": user_id,
                "PermissionSetId": integration_id,
            }
        )
        report.assigned.append(INTEGRATION.name)
    if records:
        _create_all(sf, records)
    return report
