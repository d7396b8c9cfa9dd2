"""Rapport's permission sets: generated from the field definitions, committed as generated."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

from connectors.salesforce.writeback.permission_sets import (
    INTEGRATION,
    READ_ONLY,
    permission_sets,
)
from connectors.salesforce.writeback.rapport_fields import (
    METADATA_NAMESPACE,
    SFDX_OBJECTS_DIR,
    SFDX_PERMISSIONSETS_DIR,
    SFDX_PROJECT_DIR,
    rapport_fields,
    write_sfdx_metadata,
)

NS = {"md": METADATA_NAMESPACE}


def field_access(path: Path) -> dict[str, tuple[str, str]]:
    """{field: (readable, editable)} from a permission set file."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{{{METADATA_NAMESPACE}}}PermissionSet"
    return {
        entry.findtext("md:field", namespaces=NS) or "": (
            entry.findtext("md:readable", namespaces=NS) or "",
            entry.findtext("md:editable", namespaces=NS) or "",
        )
        for entry in root.findall("md:fieldPermissions", NS)
    }


def test_the_committed_sfdx_files_are_exactly_what_the_generator_writes(tmp_path):
    objects_dir = tmp_path / "objects"

    written = write_sfdx_metadata(objects_dir)

    generated = {p.relative_to(tmp_path): p.read_text(encoding="utf-8") for p in written}
    committed_root = SFDX_OBJECTS_DIR.parent
    stale = [
        str(relative)
        for relative, text in generated.items()
        if not (committed_root / relative).exists()
        or (committed_root / relative).read_text(encoding="utf-8") != text
    ]
    assert stale == [], "run `python -m connectors.salesforce.writeback.rapport_fields`"
    committed_sets = sorted(p.name for p in SFDX_PERMISSIONSETS_DIR.glob("*-meta.xml"))
    assert committed_sets == sorted(p.path(Path()).name for p in permission_sets())


def test_users_read_every_rapport_field_and_the_integration_user_also_edits_them():
    every_field = {f.full_name for f in rapport_fields()}

    users = field_access(READ_ONLY.path(SFDX_PERMISSIONSETS_DIR))
    integration = field_access(INTEGRATION.path(SFDX_PERMISSIONSETS_DIR))

    assert users == dict.fromkeys(every_field, ("true", "false"))
    assert integration == dict.fromkeys(every_field, ("true", "true"))
    assert READ_ONLY.name == "Rapport_Relationship_Fields"
    assert INTEGRATION.name == "Rapport_Integration"


def test_a_new_field_definition_is_granted_the_next_time_the_files_are_generated(tmp_path):
    extra = replace(rapport_fields()[0], name="Relationship_Confidence__c")
    fields = (*rapport_fields(), extra)

    for permission_set in permission_sets():
        path = tmp_path / permission_set.path(Path()).name
        path.write_text(permission_set.to_xml(fields), encoding="utf-8")
        access = field_access(path)

        assert "Account.Relationship_Confidence__c" in access
        assert len(access) == len(fields)


def test_the_permission_sets_live_in_the_sfdx_project():
    assert SFDX_PERMISSIONSETS_DIR.parent == SFDX_PROJECT_DIR / "force-app" / "main" / "default"
