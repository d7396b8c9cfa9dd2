"""Single records (get, create, update, delete), composite update and ``deleted``.

Writes go through the store's own checks, so a record refused here is
refused with the error code Salesforce gives for it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from connectors.salesforce.api.ids import InvalidSalesforceId, to_18
from local_org.faults import LOCK_ROW_MESSAGE
from local_org.responses import (
    format_value,
    json_body,
    not_found,
    record_json,
    routes,
    sf_error,
    versioned,
)
from local_org.schema import ObjectSpec
from local_org.state import OrgState, org_state, spec_or_none
from local_org.values import RecordError

COMPOSITE_RECORD_LIMIT = 200


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
    org = org_state(request)
    body = await json_body(request)
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
    org = org_state(request)
    spec = spec_or_none(org, request.path_params["sobject"])
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
    org = org_state(request)
    spec = spec_or_none(org, request.path_params["sobject"])
    if spec is None:
        return not_found()
    body = await json_body(request)
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
    org = org_state(request)
    spec = spec_or_none(org, request.path_params["sobject"])
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
    org = org_state(request)
    spec = spec_or_none(org, request.path_params["sobject"])
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
        *routes(f"{sobject}/deleted", versioned(deleted_records), ["GET"]),
        *routes(sobject, versioned(record_create), ["POST"]),
        *routes(f"{sobject}/{{record_id}}", versioned(record_delete), ["DELETE"]),
        *routes(f"{data}/composite/sobjects", versioned(composite_update), ["PATCH"]),
        *routes(f"{data}/sobjects/{{sobject}}/{{record_id}}", versioned(record_get), ["GET"]),
        *routes(f"{data}/sobjects/{{sobject}}/{{record_id}}", versioned(record_update), ["PATCH"]),
    ]
