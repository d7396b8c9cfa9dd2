"""Object metadata of the local org, read from ``schema.yml``.

The same metadata drives describe, the store's tables, the SOQL type checks
and the synthetic generator, so they can never disagree about a field.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

SCHEMA_PATH = Path(__file__).with_name("schema.yml")

# Salesforce system fields present on every object.
SYSTEM_FIELDS: dict[str, dict[str, Any]] = {
    "Id": {"type": "id", "length": 18, "updateable": False, "nillable": False},
    "IsDeleted": {"type": "boolean", "updateable": False, "nillable": False},
    "CreatedDate": {"type": "datetime", "updateable": False, "nillable": False},
    "LastModifiedDate": {"type": "datetime", "updateable": False, "nillable": False},
    "SystemModstamp": {"type": "datetime", "updateable": False, "nillable": False},
}

# Compound fields are describable but not queryable through the Bulk API and
# not stored as a column of their own.
COMPOUND_TYPES = frozenset({"address", "location"})


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    label: str
    length: int = 0
    precision: int = 0
    scale: int = 0
    picklist_values: tuple[str, ...] = ()
    reference_to: tuple[str, ...] = ()
    custom: bool = False
    nillable: bool = True
    updateable: bool = True
    # A formula field: read-only, and its value may change without the
    # record's SystemModstamp moving (see OrgStore.recalculate).
    calculated: bool = False

    @property
    def is_compound(self) -> bool:
        return self.type in COMPOUND_TYPES


@dataclass
class ObjectSpec:
    name: str
    label: str
    key_prefix: str
    custom: bool = False
    soft_delete: bool = True
    fields: dict[str, FieldSpec] = field(default_factory=dict)

    def field_ci(self, name: str) -> FieldSpec | None:
        """Look a field up case-insensitively, as SOQL and CSV headers do."""
        wanted = name.lower()
        return next((f for f in self.fields.values() if f.name.lower() == wanted), None)

    def add_field(self, spec: FieldSpec) -> None:
        self.fields[spec.name] = spec


def field_from_yaml(name: str, raw: dict[str, Any]) -> FieldSpec:
    return FieldSpec(
        name=name,
        type=raw["type"],
        label=raw.get("label", name),
        length=int(raw.get("length", 0)),
        precision=int(raw.get("precision", 0)),
        scale=int(raw.get("scale", 0)),
        picklist_values=tuple(str(v) for v in raw.get("values", ())),
        reference_to=tuple(raw.get("reference_to", ())),
        custom=name.endswith("__c"),
        nillable=bool(raw.get("nillable", True)),
        updateable=bool(raw.get("updateable", True)) and not raw.get("calculated", False),
        calculated=bool(raw.get("calculated", False)),
    )


@cache
def _raw_schema() -> dict[str, Any]:
    return yaml.safe_load(SCHEMA_PATH.read_text())


def standard_objects(include_rapport_fields: bool = True) -> dict[str, ObjectSpec]:
    """Return fresh, mutable object specs (callers may add fields to them)."""
    raw = _raw_schema()
    objects: dict[str, ObjectSpec] = {}
    for name, body in raw["objects"].items():
        spec = ObjectSpec(
            name=name,
            label=body.get("label", name),
            key_prefix=str(body["key_prefix"]),
            custom=bool(body.get("custom", False)),
            soft_delete=bool(body.get("soft_delete", True)),
        )
        for field_name, field_raw in SYSTEM_FIELDS.items():
            if field_name == "IsDeleted" and not spec.soft_delete:
                continue
            spec.add_field(field_from_yaml(field_name, field_raw))
        for field_name, field_raw in body["fields"].items():
            spec.add_field(field_from_yaml(field_name, field_raw))
        objects[name] = spec
    if include_rapport_fields:
        for object_name, fields in raw["rapport_fields"].items():
            for field_name, field_raw in fields.items():
                objects[object_name].add_field(field_from_yaml(field_name, field_raw))
    return objects


def rapport_field_specs() -> dict[str, list[FieldSpec]]:
    raw = _raw_schema()["rapport_fields"]
    return {obj: [field_from_yaml(n, r) for n, r in fields.items()] for obj, fields in raw.items()}


def spec_to_json(spec: ObjectSpec) -> str:
    """The object's spec as JSON, as a store file keeps it beside the records."""
    return json.dumps(dataclasses.asdict(spec))


def spec_from_json(raw: str) -> ObjectSpec:
    """The spec :func:`spec_to_json` wrote."""
    data = json.loads(raw)
    fields = {
        name: FieldSpec(
            **{
                **body,
                "picklist_values": tuple(body["picklist_values"]),
                "reference_to": tuple(body["reference_to"]),
            }
        )
        for name, body in data.pop("fields").items()
    }
    return ObjectSpec(**data, fields=fields)
