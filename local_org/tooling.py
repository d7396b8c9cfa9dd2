"""The Tooling API's CustomField: deploy a custom field the way Rapport's installer does.

Rapport creates its own CRM fields (``Relationship_Type__c``, ...) through
``POST tooling/sobjects/CustomField`` and checks for them with a tooling
query, so the local org accepts the same request body, maps the Metadata
type to the describe type Salesforce reports, and refuses a duplicate with
``DUPLICATE_DEVELOPER_NAME``. The permission set objects the installer
creates next (``local_org.tooling_setup``) share the query and the routes.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from local_org.metadata_soap import metadata_soap_routes
from local_org.responses import json_body, routes, sf_error, versioned
from local_org.schema import FieldSpec, ObjectSpec
from local_org.state import CustomFieldIds, org_state
from local_org.store import OrgStore
from local_org.tooling_setup import (
    ENTITIES,
    create_setup_collection_handler,
    create_setup_record_handler,
    setup_rows,
    userinfo,
)
from rapport.errors import RapportError

# Metadata API field type -> (describe type, default length)
METADATA_TYPES: dict[str, tuple[str, int]] = {
    "Picklist": ("picklist", 255),
    "MultiselectPicklist": ("multipicklist", 4099),
    "Number": ("double", 0),
    "Currency": ("currency", 0),
    "Percent": ("percent", 0),
    "Checkbox": ("boolean", 0),
    "Text": ("string", 255),
    "TextArea": ("textarea", 255),
    "LongTextArea": ("textarea", 32768),
    "Email": ("email", 80),
    "Phone": ("phone", 40),
    "Url": ("url", 255),
    "Date": ("date", 0),
    "DateTime": ("datetime", 0),
}
_FULL_NAME = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*__c)$")


class CustomFieldError(RapportError):
    def __init__(self, error_code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message
        self.fields = fields or []


def field_from_metadata(full_name: Any, metadata: Any) -> tuple[str, FieldSpec]:
    """(object name, field spec) from a CustomField request; ``CustomFieldError`` if invalid."""
    match = _FULL_NAME.match(full_name) if isinstance(full_name, str) else None
    if match is None:
        raise CustomFieldError(
            "INVALID_FIELD",
            f"FullName must be Object.Field__c, got {full_name!r}",
            ["FullName"],
        )
    if not isinstance(metadata, dict):
        raise CustomFieldError("REQUIRED_FIELD_MISSING", "Metadata is required", ["Metadata"])
    kind = metadata.get("type")
    if kind not in METADATA_TYPES:
        raise CustomFieldError(
            "FIELD_INTEGRITY_EXCEPTION",
            f"Unsupported field type {kind!r}; the local org knows {', '.join(METADATA_TYPES)}",
            ["type"],
        )
    label = metadata.get("label")
    if not isinstance(label, str) or not label.strip():
        raise CustomFieldError(
            "REQUIRED_FIELD_MISSING", "Required fields are missing: [label]", ["label"]
        )
    sf_type, default_length = METADATA_TYPES[kind]
    values: tuple[str, ...] = ()
    if sf_type in ("picklist", "multipicklist"):
        definition = (metadata.get("valueSet") or {}).get("valueSetDefinition") or {}
        values = tuple(str(v["fullName"]) for v in definition.get("value", []) if "fullName" in v)
        if not values:
            raise CustomFieldError(
                "FIELD_INTEGRITY_EXCEPTION",
                "A picklist needs valueSet.valueSetDefinition.value entries",
                ["valueSet"],
            )
    numeric = sf_type in ("double", "currency", "percent")
    precision = int(metadata.get("precision") or (18 if numeric else 0))
    scale = int(metadata.get("scale") or 0)
    if numeric and not 0 <= scale <= precision <= 18:
        raise CustomFieldError(
            "FIELD_INTEGRITY_EXCEPTION",
            f"precision {precision} and scale {scale} must satisfy 0 <= scale <= precision <= 18",
            ["precision"],
        )
    field = FieldSpec(
        name=match.group(2),
        type=sf_type,
        label=label,
        length=int(metadata.get("length") or default_length),
        precision=precision if numeric else 0,
        scale=scale if numeric else 0,
        picklist_values=values,
        custom=True,
        nillable=sf_type != "boolean",
    )
    return match.group(1), field


def create_custom_field(store: OrgStore, full_name: Any, metadata: Any) -> tuple[str, str]:
    """Add the field to the org; (object name, field name)."""
    object_name, field = field_from_metadata(full_name, metadata)
    try:
        spec = store.spec(object_name)
    except KeyError:
        raise CustomFieldError(
            "INVALID_TYPE", f"sObject type '{object_name}' is not supported.", ["FullName"]
        ) from None
    if spec.field_ci(field.name) is not None:
        raise CustomFieldError(
            "DUPLICATE_DEVELOPER_NAME",
            f"Duplicate developer name: there is already a field named "
            f"{field.name.removesuffix('__c')} on {spec.name}.",
            ["FullName"],
        )
    try:
        store.add_field(spec.name, field)
    except ValueError as error:  # lost a race with an identical request
        raise CustomFieldError("DUPLICATE_DEVELOPER_NAME", str(error), ["FullName"]) from None
    return spec.name, field.name


# --------------------------------------------------------------------------- tooling query

_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<entity>\w+)(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(
    r"^\s*(?P<field>\w+)\s*(?:(?P<eq>=)\s*'(?P<value>[^']*)'|IN\s*\((?P<values>[^)]*)\))\s*$",
    re.IGNORECASE,
)
QUERYABLE = ("Id", "DeveloperName", "TableEnumOrId", "NamespacePrefix", "FullName")


def _custom_field_rows(store: OrgStore, ids: CustomFieldIds) -> list[dict[str, Any]]:
    rows = []
    for spec in list(store.objects.values()):
        for field in _custom_fields(spec):
            rows.append(
                {
                    "Id": ids.id_for(spec.name, field.name),
                    "DeveloperName": field.name.removesuffix("__c"),
                    "TableEnumOrId": spec.name,
                    "NamespacePrefix": None,
                    "FullName": f"{spec.name}.{field.name}",
                }
            )
    return rows


def _custom_fields(spec: ObjectSpec) -> list[FieldSpec]:
    return [f for f in spec.fields.values() if f.custom and f.name.endswith("__c")]


def _queryable(entity: str) -> tuple[str, tuple[str, ...]] | None:
    """(canonical entity name, its columns) for an entity the local tooling API serves."""
    if entity.lower() == "customfield":
        return "CustomField", QUERYABLE
    setup = next((e for name, e in ENTITIES.items() if name.lower() == entity.lower()), None)
    return None if setup is None else (setup.name, setup.columns)


def tooling_query_records(soql: str, store: OrgStore, ids: CustomFieldIds) -> list[dict]:
    """Records of a simple tooling query; ``CustomFieldError`` otherwise."""
    match = _QUERY.match(soql)
    queryable = _queryable(match.group("entity")) if match else None
    if match is None or queryable is None:
        raise CustomFieldError(
            "MALFORMED_QUERY",
            "The local org's tooling API answers SELECT ... FROM CustomField, PermissionSet, "
            "FieldPermissions or PermissionSetAssignment [WHERE a = 'x' AND b IN ('y', 'z')] "
            "[LIMIT n] only",
        )
    entity, columns = queryable
    selected = []
    for name in (name.strip() for name in match.group("fields").split(",")):
        canonical = next((q for q in columns if q.lower() == name.lower()), None)
        if canonical is None:
            raise CustomFieldError(
                "INVALID_FIELD", f"No such column '{name}' on entity '{entity}'."
            )
        selected.append(canonical)
    conditions: list[tuple[str, set[str]]] = []
    if match.group("where"):
        for part in re.split(r"\s+AND\s+", match.group("where"), flags=re.IGNORECASE):
            condition = _CONDITION.match(part)
            field = next(
                (q for q in columns if condition and q.lower() == condition["field"].lower()),
                None,
            )
            if condition is None or field is None:
                raise CustomFieldError("MALFORMED_QUERY", f"unsupported condition: {part.strip()}")
            if condition["eq"]:
                values = {condition["value"]}
            else:
                values = {v.strip().strip("'") for v in condition["values"].split(",")}
            conditions.append((field, {v.lower() for v in values}))
    all_rows = (
        _custom_field_rows(store, ids) if entity == "CustomField" else setup_rows(store, entity)
    )
    rows = [
        row for row in all_rows if all(str(row[f]).lower() in values for f, values in conditions)
    ]
    if match.group("limit"):
        rows = rows[: int(match.group("limit"))]
    return [{name: row[name] for name in selected} for row in rows]


# --------------------------------------------------------------------------- HTTP


async def create_custom_field_handler(request: Request) -> Response:
    org = org_state(request)
    body = await json_body(request)
    if isinstance(body, Response):
        return body
    if not isinstance(body, dict):
        return sf_error(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    try:
        object_name, field_name = await run_in_threadpool(
            create_custom_field, org.store, body.get("FullName"), body.get("Metadata")
        )
    except CustomFieldError as error:
        return sf_error(400, error.error_code, error.message, error.fields)
    field_id = org.custom_field_ids.id_for(object_name, field_name)
    return JSONResponse(
        {"id": field_id, "success": True, "errors": [], "warnings": [], "infos": []},
        status_code=201,
    )


async def tooling_query(request: Request) -> Response:
    org = org_state(request)
    soql = request.query_params.get("q")
    if not soql:
        return sf_error(400, "MALFORMED_QUERY", "A query string has to be specified")
    try:
        records = tooling_query_records(soql, org.store, org.custom_field_ids)
    except CustomFieldError as error:
        return sf_error(400, error.error_code, error.message)
    version = request.path_params["version"]
    match = _QUERY.match(soql)
    entity = _queryable(match.group("entity"))[0] if match else "CustomField"  # type: ignore[index]
    for record in records:
        attributes = {"type": entity}
        if "Id" in record:
            attributes["url"] = (
                f"/services/data/v{version}/tooling/sobjects/{entity}/{record['Id']}"
            )
        record_with_attributes = {"attributes": attributes, **record}
        record.clear()
        record.update(record_with_attributes)
    return JSONResponse(
        {
            "size": len(records),
            "totalSize": len(records),
            "done": True,
            "queryLocator": None,
            "entityTypeName": entity,
            "records": records,
        }
    )


def tooling_routes() -> list[BaseRoute]:
    tooling = "/services/data/v{version}/tooling"
    return [
        *routes(
            f"{tooling}/sobjects/CustomField", versioned(create_custom_field_handler), ["POST"]
        ),
        *routes(f"{tooling}/sobjects/{{entity}}", versioned(create_setup_record_handler), ["POST"]),
        *routes(
            f"{tooling}/composite/sobjects", versioned(create_setup_collection_handler), ["POST"]
        ),
        *routes(f"{tooling}/query", versioned(tooling_query), ["GET"]),
        Route("/services/oauth2/userinfo", userinfo, methods=["GET"]),
        # Not Tooling, but what install-fields calls next (list views), so served alongside.
        *metadata_soap_routes(),
    ]
