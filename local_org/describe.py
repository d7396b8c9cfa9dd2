"""Describe and org metadata: versions, resources, limits, describeGlobal, sObject describe.

The describe bodies copy Salesforce's keys and defaults, because the connector
builds its catalog (types, lengths, writability) from them.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from local_org.records import COMPOSITE_RECORD_LIMIT
from local_org.responses import instance_url, not_found, routes, versioned
from local_org.schema import SYSTEM_FIELDS, FieldSpec, ObjectSpec
from local_org.soql import TEXT_TYPES, compound_parent
from local_org.state import org_state, spec_or_none
from local_org.values import max_length

API_VERSIONS = {
    "59.0": "Winter '24",
    "60.0": "Spring '24",
    "61.0": "Summer '24",
    "62.0": "Winter '25",
}

_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "time": "xsd:time",
    "address": "urn:address",
    "location": "urn:location",
}
_NAME_PARTS = ("Salutation", "FirstName", "MiddleName", "LastName", "Suffix")


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def _relationship_name(field_spec: FieldSpec) -> str | None:
    if field_spec.type != "reference":
        return None
    if field_spec.name.endswith("__c"):
        return field_spec.name[:-3] + "__r"
    return field_spec.name[:-2] if field_spec.name.endswith("Id") else None


def _name_field(spec: ObjectSpec) -> str | None:
    for candidate in ("Name", f"{spec.name}Number", "CaseNumber", "Subject"):
        if candidate in spec.fields:
            return candidate
    return None


def describe_field(spec: ObjectSpec, field_spec: FieldSpec) -> dict[str, Any]:
    kind = field_spec.type
    is_text = kind in TEXT_TYPES
    is_system = field_spec.name in SYSTEM_FIELDS
    long_text = kind == "textarea" and field_spec.length > 255
    length = max_length(field_spec)
    writable = field_spec.updateable and not is_system and not field_spec.is_compound
    filterable = not field_spec.is_compound and not long_text
    compound = compound_parent(spec, field_spec.name)
    if compound is None and field_spec.name in _NAME_PARTS and "Name" in spec.fields:
        compound = "Name"
    picklist = [
        {"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v}
        for v in field_spec.picklist_values
    ]
    numeric = kind in ("double", "currency", "percent")
    described = {
        "aggregatable": filterable and kind not in ("boolean", "id"),
        "aiPredictionField": False,
        "autoNumber": False,
        "byteLength": length * 3 if is_text else length,
        "calculated": field_spec.calculated,
        "calculatedFormula": "/* formula */" if field_spec.calculated else None,
        "cascadeDelete": False,
        "caseSensitive": False,
        "compoundFieldName": compound,
        "controllerName": None,
        "createable": writable,
        "custom": field_spec.custom,
        "defaultValue": False if kind == "boolean" else None,
        "defaultValueFormula": None,
        "defaultedOnCreate": is_system or kind == "boolean" or field_spec.name == "OwnerId",
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": 9 if kind == "int" else 0,
        "displayLocationInDecimal": False,
        "encrypted": False,
        "externalId": False,
        "extraTypeInfo": "plaintextarea" if kind == "textarea" else None,
        "filterable": filterable,
        "filteredLookupInfo": None,
        "formulaTreatNullNumberAsZero": False,
        "groupable": filterable and not numeric,
        "highScaleNumber": False,
        "htmlFormatted": False,
        "idLookup": kind == "id",
        "inlineHelpText": None,
        "label": field_spec.label,
        "length": length,
        "mask": None,
        "maskType": None,
        "name": field_spec.name,
        "nameField": field_spec.name == _name_field(spec),
        "namePointing": len(field_spec.reference_to) > 1,
        "nillable": field_spec.nillable and kind not in ("boolean", "id") and not is_system,
        "permissionable": field_spec.custom and field_spec.nillable,
        "picklistValues": picklist,
        "polymorphicForeignKey": len(field_spec.reference_to) > 1,
        "precision": field_spec.precision if numeric else 0,
        "queryByDistance": kind == "location",
        "referenceTargetField": None,
        "referenceTo": list(field_spec.reference_to),
        "relationshipName": _relationship_name(field_spec),
        "relationshipOrder": None,
        "restrictedDelete": False,
        "restrictedPicklist": kind in ("picklist", "multipicklist"),
        "scale": field_spec.scale if numeric else 0,
        "searchPrefilterable": False,
        "soapType": _SOAP_TYPES.get(kind, "xsd:string"),
        "sortable": filterable,
        "type": kind,
        "unique": False,
        "updateable": writable,
        "writeRequiresMasterRead": False,
    }
    return described


def _object_urls(spec: ObjectSpec, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{spec.name}"
    return {
        "compactLayouts": f"{base}/describe/compactLayouts",
        "rowTemplate": f"{base}/{{ID}}",
        "approvalLayouts": f"{base}/describe/approvalLayouts",
        "defaultValues": f"{base}/defaultValues?recordTypeId&fields",
        "listviews": f"{base}/listviews",
        "describe": f"{base}/describe",
        "quickActions": f"{base}/quickActions",
        "layouts": f"{base}/describe/layouts",
        "sobject": base,
    }


def describe_global_entry(spec: ObjectSpec, version: str) -> dict[str, Any]:
    deletable = "IsDeleted" in spec.fields
    return {
        "activateable": False,
        "associateEntityType": None,
        "associateParentEntity": None,
        "createable": True,
        "custom": spec.custom,
        "customSetting": False,
        "deepCloneable": False,
        "deletable": deletable,
        "deprecatedAndHidden": False,
        "feedEnabled": False,
        "hasSubtypes": False,
        "isInterface": False,
        "isSubtype": False,
        "keyPrefix": spec.key_prefix,
        "label": spec.label,
        "labelPlural": _plural(spec.label),
        "layoutable": True,
        "mergeable": False,
        "mruEnabled": True,
        "name": spec.name,
        "queryable": True,
        "replicateable": True,
        "retrieveable": True,
        "searchable": True,
        "triggerable": True,
        "undeletable": deletable,
        "updateable": True,
        "urls": _object_urls(spec, version),
    }


def _child_relationships(spec: ObjectSpec, objects: dict[str, ObjectSpec]) -> list[dict]:
    relationships = []
    for child in objects.values():
        named = False
        for child_field in child.fields.values():
            if spec.name not in child_field.reference_to:
                continue
            # Salesforce names one relationship per child object and parent.
            name = None
            if not named:
                base = child.name.removesuffix("__c")
                name = _plural(base) + ("__r" if child.custom else "")
                named = True
            relationships.append(
                {
                    "cascadeDelete": False,
                    "childSObject": child.name,
                    "deprecatedAndHidden": False,
                    "field": child_field.name,
                    "junctionIdListNames": [],
                    "junctionReferenceTo": [],
                    "relationshipName": name,
                    "restrictedDelete": False,
                }
            )
    return relationships


def describe_object(
    spec: ObjectSpec, objects: dict[str, ObjectSpec], version: str, instance_url: str
) -> dict[str, Any]:
    described = describe_global_entry(spec, version)
    described["urls"].update(
        {
            "uiDetailTemplate": f"{instance_url}/{{ID}}",
            "uiEditTemplate": f"{instance_url}/{{ID}}/e",
            "uiNewRecord": f"{instance_url}/{spec.key_prefix}/e",
        }
    )
    described.update(
        {
            "actionOverrides": [],
            "childRelationships": _child_relationships(spec, objects),
            "compactLayoutable": True,
            "defaultImplementation": None,
            "extendedBy": None,
            "extendsInterfaces": None,
            "fields": [describe_field(spec, f) for f in list(spec.fields.values())],
            "implementedBy": None,
            "implementsInterfaces": None,
            "listviewable": None,
            "lookupLayoutable": None,
            "namedLayoutInfos": [],
            "networkScopeFieldName": None,
            "recordTypeInfos": [],
            "searchLayoutable": True,
            "sobjectDescribeOption": "FULL",
            "supportedScopes": [{"label": "All records", "name": "everything"}],
        }
    )
    return dict(sorted(described.items()))


async def versions(request: Request) -> Response:
    return JSONResponse(
        [
            {"label": label, "url": f"/services/data/v{version}", "version": version}
            for version, label in API_VERSIONS.items()
        ]
    )


async def resources(request: Request) -> Response:
    base = f"/services/data/v{request.path_params['version']}"
    names = ("sobjects", "query", "queryAll", "composite", "limits", "jobs", "tooling")
    return JSONResponse({name: f"{base}/{name}" for name in names})


async def describe_global(request: Request) -> Response:
    version = request.path_params["version"]
    objects = list(org_state(request).store.objects.values())
    return JSONResponse(
        {
            "encoding": "UTF-8",
            "maxBatchSize": COMPOSITE_RECORD_LIMIT,
            "sobjects": [describe_global_entry(spec, version) for spec in objects],
        }
    )


async def sobject_basic_info(request: Request) -> Response:
    spec = spec_or_none(org_state(request), request.path_params["sobject"])
    if spec is None:
        return not_found()
    entry = describe_global_entry(spec, request.path_params["version"])
    return JSONResponse({"objectDescribe": entry, "recentItems": []})


async def sobject_describe(request: Request) -> Response:
    org = org_state(request)
    spec = spec_or_none(org, request.path_params["sobject"])
    if spec is None:
        return not_found()
    version = request.path_params["version"]
    return JSONResponse(describe_object(spec, org.store.objects, version, instance_url(request)))


def _limit(maximum: int, remaining: int | None = None) -> dict[str, int]:
    return {"Max": maximum, "Remaining": maximum if remaining is None else remaining}


async def limits(request: Request) -> Response:
    """The org's limits; only DailyApiRequests moves, the rest are typical values."""
    usage = org_state(request).api_usage
    return JSONResponse(
        {
            "DailyApiRequests": _limit(usage.daily_limit, max(0, usage.daily_limit - usage.used)),
            "DailyAsyncApexExecutions": _limit(250_000),
            "DailyBulkApiBatches": _limit(15_000),
            "DailyBulkV2QueryFileStorageMB": _limit(976_562),
            "DailyBulkV2QueryJobs": _limit(10_000),
            "DataStorageMB": _limit(5_120),
            "FileStorageMB": _limit(20_480),
            "HourlyODataCallout": _limit(20_000),
            "SingleEmail": _limit(5_000),
        }
    )


def metadata_routes() -> list[BaseRoute]:
    data = "/services/data/v{version}"
    return [
        *routes("/services/data", versions, ["GET"]),
        *routes(data, versioned(resources), ["GET"]),
        *routes(f"{data}/limits", versioned(limits), ["GET"]),
        *routes(f"{data}/sobjects", versioned(describe_global), ["GET"]),
        *routes(f"{data}/sobjects/{{sobject}}", versioned(sobject_basic_info), ["GET"]),
        *routes(f"{data}/sobjects/{{sobject}}/describe", versioned(sobject_describe), ["GET"]),
    ]
