"""Rapport's permission sets, derived from the field definitions.

A new custom field has no field-level security: nobody can see it and the
integration user cannot write it. Two permission sets fix that, one to read
every Rapport field (for the people who look at accounts) and one to read and
edit them (for the integration user write-back signs in as). They are built
from ``rapport_fields()`` so adding a field grants it the next time the SFDX
files are generated, instead of silently staying invisible.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.salesforce.writeback.rapport_fields import (
    METADATA_NAMESPACE,
    FieldDefinition,
    _xml_value,
)


@dataclass(frozen=True)
class PermissionSetDefinition:
    name: str
    label: str
    description: str
    editable: bool

    def field_permissions(self, fields: Iterable[FieldDefinition]) -> list[dict[str, Any]]:
        """One entry per field, sorted by full name as Salesforce retrieves them."""
        return [
            {"editable": self.editable, "field": full_name, "readable": True}
            for full_name in sorted(f.full_name for f in fields)
        ]

    def metadata(self, fields: Iterable[FieldDefinition]) -> dict[str, Any]:
        """The PermissionSet metadata (Tooling ``Metadata`` / SFDX elements)."""
        return {
            "description": self.description,
            "fieldPermissions": self.field_permissions(fields),
            "hasActivationRequired": False,
            "label": self.label,
        }

    def to_xml(self, fields: Iterable[FieldDefinition]) -> str:
        """The ``.permissionset-meta.xml`` in SFDX source format."""
        root = ET.Element("PermissionSet", xmlns=METADATA_NAMESPACE)
        for key, value in self.metadata(fields).items():
            _xml_value(root, key, value)
        ET.indent(root, space="    ")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"

    def path(self, permissionsets_dir: Path) -> Path:
        return permissionsets_dir / f"{self.name}.permissionset-meta.xml"


READ_ONLY = PermissionSetDefinition(
    "Rapport_Relationship_Fields",
    "Rapport Relationship Fields",
    "Read access to every field Rapport writes, for the people who work the accounts. "
    "Rapport owns these values: edits would be overwritten by the next write-back.",
    editable=False,
)
INTEGRATION = PermissionSetDefinition(
    "Rapport_Integration",
    "Rapport Integration",
    "Read and edit access to every field Rapport writes, for the integration user "
    "that write-back signs in as. Assign it to that user only.",
    editable=True,
)


def permission_sets() -> tuple[PermissionSetDefinition, ...]:
    return (READ_ONLY, INTEGRATION)


def write_permission_sets(
    permissionsets_dir: Path, fields: Iterable[FieldDefinition]
) -> list[Path]:
    """(Re)write both permission sets' SFDX files; returns the paths written."""
    fields = tuple(fields)
    permissionsets_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for permission_set in permission_sets():
        path = permission_set.path(permissionsets_dir)
        path.write_text(permission_set.to_xml(fields), encoding="utf-8")
        written.append(path)
    return written
