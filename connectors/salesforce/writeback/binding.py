"""Bind the mapping to the org: describe each object, install missing Rapport fields, bind.

The mapping is checked against the fields as they will be (describe plus
the Rapport fields the org lacks) before anything is installed, so a mapping
that would fail anyway changes nothing in the org. A dry run installs
nothing: it binds to the fields as planned and names them, and the planner
treats them as empty in the CRM.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceResourceNotFound

from connectors.salesforce.writeback.crm_schema import ObjectFields, describe_object_fields
from connectors.salesforce.writeback.install import install_fields
from connectors.salesforce.writeback.mapping import (
    BoundObject,
    ObjectMapping,
    WritebackMapping,
    bind_mapping,
)
from connectors.salesforce.writeback.rapport_fields import FieldDefinition, rapport_field

Log = Callable[[str], None]


@dataclass(frozen=True)
class OrgBinding:
    """The mapping bound to the org's fields, with what binding had to install (or would)."""

    objects: list[BoundObject]
    # Each bound object's describe answer, for the payload gate.
    describes: dict[str, dict[str, Any]]
    # Dry run: the Rapport fields a real run would install first (not in the org yet).
    to_install: list[str] = field(default_factory=list)
    # Real run: the Rapport fields this run installed.
    installed: list[str] = field(default_factory=list)


def bind_to_org(
    sf: Salesforce,
    mapping: WritebackMapping,
    marts: Mapping[str, pa.Table],
    *,
    install_missing: bool,
    dry_run: bool,
    log: Log,
) -> OrgBinding:
    """The mapping bound to the org's fields, Rapport's missing fields installed if allowed.

    Raises ``MappingError`` naming every problem, missing fields included
    when installing them is not allowed.
    """
    described = _describe(sf, mapping)
    missing = {
        name: _missing_rapport_fields(name, body, described[name])
        for name, body in mapping.objects.items()
        if name in described
    }
    missing = {name: definitions for name, definitions in missing.items() if definitions}
    if missing and not dry_run and not install_missing:
        # Raises, naming the missing fields.
        return OrgBinding(bind_mapping(mapping, described, marts), _describes(described))
    planned = {
        name: fields.with_planned(missing.get(name, [])) for name, fields in described.items()
    }
    bound = bind_mapping(mapping, planned, marts)
    to_install = [d for definitions in missing.values() for d in definitions]
    if not to_install:
        return OrgBinding(bound, _describes(described))
    if dry_run:
        return OrgBinding(bound, _describes(planned), to_install=[d.full_name for d in to_install])
    installed = install_fields(sf, to_install, described=described)
    log(f"Installed missing Rapport fields: {', '.join(installed.created)}")
    for name in missing:
        described[name] = describe_object_fields(sf, name)
    bound = bind_mapping(mapping, described, marts)
    return OrgBinding(bound, _describes(described), installed=list(installed.created))


def _describe(sf: Salesforce, mapping: WritebackMapping) -> dict[str, ObjectFields]:
    """Each mapped object's fields (an object the org lacks is left out, for bind to report)."""
    described: dict[str, ObjectFields] = {}
    for object_name in mapping.objects:
        try:
            described[object_name] = describe_object_fields(sf, object_name)
        except SalesforceResourceNotFound:
            continue
    return described


def _describes(described: Mapping[str, ObjectFields]) -> dict[str, dict[str, Any]]:
    return {name: fields.describe or {} for name, fields in described.items()}


def _missing_rapport_fields(
    object_name: str, body: ObjectMapping, fields: ObjectFields
) -> list[FieldDefinition]:
    names = [*body.fields, *([body.updated_at_field] if body.updated_at_field else [])]
    missing = []
    for name in names:
        definition = rapport_field(object_name, name)
        if definition is not None and name not in fields:
            missing.append(definition)
    return missing
