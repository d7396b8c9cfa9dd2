"""Tooling API setup objects: PermissionSet, FieldPermissions, PermissionSetAssignment.

A field Rapport creates has no field-level security, so ``rapport
install-fields`` also creates Rapport's permission sets, grants them the
fields and assigns the integration set to the user it runs as. The local org
keeps those three setup objects in memory (they are not data the store's
SOQL serves) and refuses what Salesforce refuses: an unknown parent or
field, edit without read, and duplicates. ``GET /services/oauth2/userinfo``
tells a client who it is signed in as, which the assignment needs.
"""

from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connectors.salesforce.api.ids import make_id
from local_org.responses import sf_error
from local_org.state import org_state
from local_org.store import OrgStore

COLLECTION_LIMIT = 200
_DEVELOPER_NAME = re.compile(r"^[A-Za-z](?!.*__)[A-Za-z0-9_]*(?<!_)$")


class SetupError(Exception):
    def __init__(self, error_code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message
        self.fields = fields or []


@dataclass(frozen=True)
class SetupEntity:
    name: str
    key_prefix: str
    columns: tuple[str, ...]


ENTITIES: dict[str, SetupEntity] = {
    e.name: e
    for e in (
        SetupEntity(
            "PermissionSet",
            "0PS",
            ("Id", "Name", "Label", "Description", "HasActivationRequired", "IsCustom"),
        ),
        SetupEntity(
            "FieldPermissions",
            "01k",
            ("Id", "ParentId", "SobjectType", "Field", "PermissionsRead", "PermissionsEdit"),
        ),
        SetupEntity("PermissionSetAssignment", "0Pa", ("Id", "AssigneeId", "PermissionSetId")),
    )
}


@dataclass
class SetupRecords:
    """The org's setup records by entity name, each a list of rows with every column."""

    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in ENTITIES}
    )
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, entity: str, values: dict[str, Any]) -> str:
        record_id = make_id(ENTITIES[entity].key_prefix, len(self.rows[entity]) + 1, pod="LO")
        self.rows[entity].append({"Id": record_id, **values})
        return record_id

    def find(self, entity: str, **wanted: Any) -> dict[str, Any] | None:
        return next(
            (r for r in self.rows[entity] if all(r.get(k) == v for k, v in wanted.items())),
            None,
        )


# One registry per org store: OrgState (local_org/app.py) has no slot for them.
_RECORDS: weakref.WeakKeyDictionary[OrgStore, SetupRecords] = weakref.WeakKeyDictionary()
_RECORDS_LOCK = threading.Lock()


def setup_records(store: OrgStore) -> SetupRecords:
    with _RECORDS_LOCK:
        if store not in _RECORDS:
            _RECORDS[store] = SetupRecords()
        return _RECORDS[store]


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise SetupError("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{name}]", [name])
    return value


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise SetupError("INVALID_TYPE_ON_FIELD_IN_RECORD", f"{name}: value not of required type")
    return value


def _permission_set(records: SetupRecords, body: dict[str, Any]) -> dict[str, Any]:
    name = _text(body, "Name")
    if not _DEVELOPER_NAME.match(name):
        raise SetupError(
            "INVALID_FIELD",
            "The API name can only contain underscores and alphanumeric characters, must "
            "begin with a letter, not include spaces or two consecutive underscores, and not "
            "end with an underscore.",
            ["Name"],
        )
    if records.find("PermissionSet", Name=name) is not None:
        raise SetupError(
            "DUPLICATE_DEVELOPER_NAME",
            f"The API name '{name}' is already in use by another permission set.",
            ["Name"],
        )
    return {
        "Name": name,
        "Label": _text(body, "Label"),
        "Description": body.get("Description"),
        "HasActivationRequired": _flag(body, "HasActivationRequired"),
        "IsCustom": True,
    }


def _field_permissions(
    records: SetupRecords, store: OrgStore, body: dict[str, Any]
) -> dict[str, Any]:
    parent_id = _text(body, "ParentId")
    if records.find("PermissionSet", Id=parent_id) is None:
        raise SetupError(
            "FIELD_INTEGRITY_EXCEPTION",
            f"Parent ID: id value {parent_id} is not valid",
            ["ParentId"],
        )
    sobject_type = _text(body, "SobjectType")
    field_name = _text(body, "Field")
    object_name, _, short_name = field_name.partition(".")
    try:
        spec = store.spec(sobject_type)
    except KeyError:
        spec = None
    known = spec is not None and object_name.lower() == spec.name.lower()
    field_spec = spec.field_ci(short_name) if known and spec is not None else None
    if spec is None or field_spec is None:
        raise SetupError(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"Field Name: bad value for restricted picklist field: {field_name}",
            ["Field"],
        )
    read, edit = _flag(body, "PermissionsRead"), _flag(body, "PermissionsEdit")
    if edit and not read:
        raise SetupError(
            "FIELD_INTEGRITY_EXCEPTION",
            "Permission Edit depends on permission(s): Read",
            ["PermissionsEdit"],
        )
    full_name = f"{spec.name}.{field_spec.name}"
    if records.find("FieldPermissions", ParentId=parent_id, Field=full_name) is not None:
        raise SetupError("DUPLICATE_VALUE", f"duplicate value found: Field {full_name}")
    return {
        "ParentId": parent_id,
        "SobjectType": spec.name,
        "Field": full_name,
        "PermissionsRead": read,
        "PermissionsEdit": edit,
    }


def _assignment(
    records: SetupRecords, store: OrgStore, running_user: str, body: dict[str, Any]
) -> dict[str, Any]:
    assignee = _text(body, "AssigneeId")
    permission_set_id = _text(body, "PermissionSetId")
    known_user = assignee == running_user
    if not known_user and "User" in store.objects:
        known_user = store.get("User", assignee) is not None
    if not known_user:
        raise SetupError(
            "FIELD_INTEGRITY_EXCEPTION", f"Assignee ID: id value {assignee} is not valid"
        )
    if records.find("PermissionSet", Id=permission_set_id) is None:
        raise SetupError(
            "FIELD_INTEGRITY_EXCEPTION",
            f"Permission Set ID: id value {permission_set_id} is not valid",
        )
    if (
        records.find(
            "PermissionSetAssignment", AssigneeId=assignee, PermissionSetId=permission_set_id
        )
        is not None
    ):
        raise SetupError("DUPLICATE_VALUE", "Duplicate PermissionSetAssignment")
    return {"AssigneeId": assignee, "PermissionSetId": permission_set_id}


def _validated(
    records: SetupRecords, store: OrgStore, running_user: str, entity: str, body: Any
) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise SetupError("JSON_PARSER_ERROR", "The request body must be a JSON object")
    unknown = sorted(set(body) - set(ENTITIES[entity].columns) - {"attributes"})
    if unknown or "Id" in body:
        name = unknown[0] if unknown else "Id"
        raise SetupError("INVALID_FIELD", f"No such column '{name}' on sobject of type {entity}")
    if entity == "PermissionSet":
        return _permission_set(records, body)
    if entity == "FieldPermissions":
        return _field_permissions(records, store, body)
    return _assignment(records, store, running_user, body)


def create_setup_record(store: OrgStore, running_user: str, entity: str, body: Any) -> str:
    """Validate and add one setup record; its Id, or ``SetupError``."""
    records = setup_records(store)
    with records.lock:
        return records.add(entity, _validated(records, store, running_user, entity, body))


def create_setup_collection(
    store: OrgStore, running_user: str, items: list[Any], all_or_none: bool
) -> list[dict[str, Any]]:
    """sObject Collections create: one result per record, in order.

    Records are validated in order, so a grant may name a permission set
    created earlier in the same request. With ``all_or_none`` one refusal
    rolls every record back, as Salesforce does.
    """
    records = setup_records(store)
    results: list[dict[str, Any]] = []
    with records.lock:
        before = {entity: list(rows) for entity, rows in records.rows.items()}
        for item in items:
            entity = (item.get("attributes") or {}).get("type") if isinstance(item, dict) else None
            try:
                if entity not in ENTITIES:
                    raise SetupError(
                        "INVALID_TYPE", f"sObject type '{entity}' is not supported by this call"
                    )
                values = _validated(records, store, running_user, entity, item)
                results.append({"id": records.add(entity, values), "success": True, "errors": []})
            except SetupError as error:
                failure = {"statusCode": error.error_code, "message": error.message}
                results.append({"success": False, "errors": [{**failure, "fields": error.fields}]})
        if all_or_none and not all(r["success"] for r in results):
            records.rows.update(before)
            rolled_back = {
                "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "message": "Record rolled back because not all records were valid and the "
                "request was using AllOrNone header",
                "fields": [],
            }
            results = [
                r if not r["success"] else {"success": False, "errors": [rolled_back]}
                for r in results
            ]
    return results


def setup_rows(store: OrgStore, entity: str) -> list[dict[str, Any]]:
    records = setup_records(store)
    with records.lock:
        return [dict(row) for row in records.rows[entity]]


# --------------------------------------------------------------------------- HTTP


async def create_setup_record_handler(request: Request) -> Response:
    org = org_state(request)
    entity = request.path_params["entity"]
    if entity not in ENTITIES:
        return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
    try:
        body = await request.json()
    except ValueError:
        return sf_error(400, "JSON_PARSER_ERROR", "The request body is not valid JSON")
    try:
        record_id = create_setup_record(org.store, org.credentials.user_id, entity, body)
    except SetupError as error:
        return sf_error(400, error.error_code, error.message, error.fields)
    return JSONResponse(
        {"id": record_id, "success": True, "errors": [], "warnings": [], "infos": []},
        status_code=201,
    )


async def create_setup_collection_handler(request: Request) -> Response:
    org = org_state(request)
    try:
        body = await request.json()
    except ValueError:
        return sf_error(400, "JSON_PARSER_ERROR", "The request body is not valid JSON")
    items = body.get("records") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        return sf_error(400, "INVALID_FIELD", "records is required", ["records"])
    if len(items) > COLLECTION_LIMIT:
        return sf_error(
            400,
            "EXCEEDED_ID_LIMIT",
            f"record limit reached. cannot submit more than {COLLECTION_LIMIT} records",
        )
    results = create_setup_collection(
        org.store, org.credentials.user_id, items, bool(body.get("allOrNone", False))
    )
    return JSONResponse(results)


async def userinfo(request: Request) -> Response:
    """OpenID Connect UserInfo: who the bearer token belongs to."""
    org = org_state(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() not in ("bearer", "oauth") or not org.sessions.is_valid(token.strip()):
        return JSONResponse({"error": "invalid_token"}, status_code=401)
    creds = org.credentials
    return JSONResponse(
        {
            "sub": f"{request.base_url}id/{creds.org_id}/{creds.user_id}",
            "user_id": creds.user_id,
            "organization_id": creds.org_id,
            "preferred_username": creds.username,
            "email": creds.username,
            "active": True,
        }
    )
