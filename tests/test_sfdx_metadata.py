"""Every SFDX metadata file under salesforce/ parses and references only Rapport's real fields.

No Salesforce org is reachable from the tests, so a typo in a list view
filter or a report column would only surface when an admin deploys. These
checks read the files the way the Metadata API would and hold every
``*__c`` reference against ``rapport_fields()``, the single definition the
field files are generated from.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from connectors.salesforce.writeback.rapport_fields import (
    METADATA_NAMESPACE,
    SFDX_PROJECT_DIR,
    FieldDefinition,
    rapport_fields,
)
from local_org.metadata_soap import FILTER_OPERATIONS
from rapport.config import PROJECT_ROOT

NS = {"md": METADATA_NAMESPACE}
DEFAULT_DIR = SFDX_PROJECT_DIR / "force-app" / "main" / "default"
LIST_VIEWS_DIR = DEFAULT_DIR / "objects" / "Account" / "listViews"
REPORT_TYPES_DIR = DEFAULT_DIR / "reportTypes"
REPORTS_DIR = DEFAULT_DIR / "reports"
PERMISSION_SETS_DIR = DEFAULT_DIR / "permissionsets"
LWC_DIR = DEFAULT_DIR / "lwc"

ROOT_TAGS = {
    ".field-meta.xml": "CustomField",
    ".listView-meta.xml": "ListView",
    ".permissionset-meta.xml": "PermissionSet",
    ".reportType-meta.xml": "ReportType",
    ".report-meta.xml": "Report",
    ".reportFolder-meta.xml": "ReportFolder",
    ".flexipage-meta.xml": "FlexiPage",
    ".js-meta.xml": "LightningComponentBundle",
}


def all_metadata_files() -> list[Path]:
    return sorted(SFDX_PROJECT_DIR.rglob("*-meta.xml"))


def parse(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def texts(root: ET.Element, path: str) -> list[str]:
    return [e.text or "" for e in root.findall(path, NS)]


def account_fields() -> dict[str, FieldDefinition]:
    return {f.name: f for f in rapport_fields() if f.object_name == "Account"}


def custom(names: list[str]) -> list[str]:
    return [n for n in names if n.endswith("__c")]


def list_view(name: str) -> ET.Element:
    return parse(LIST_VIEWS_DIR / f"{name}.listView-meta.xml")


def filters(root: ET.Element) -> list[tuple[str, str, str | None]]:
    return [
        (
            f.findtext("md:field", namespaces=NS) or "",
            f.findtext("md:operation", namespaces=NS) or "",
            f.findtext("md:value", namespaces=NS),
        )
        for f in root.findall("md:filters", NS)
    ]


def next_steps() -> list[str]:
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "dbt_project.yml").read_text())
    return [rule["step"] for rule in project["vars"]["next_steps"]]


@pytest.mark.parametrize(
    "path", all_metadata_files(), ids=lambda p: str(p.relative_to(SFDX_PROJECT_DIR))
)
def test_every_metadata_file_parses_as_the_type_its_name_says(path):
    root = parse(path)

    suffix = next(s for s in ROOT_TAGS if path.name.endswith(s))
    assert root.tag == f"{{{METADATA_NAMESPACE}}}{ROOT_TAGS[suffix]}"


def test_there_is_a_metadata_file_of_every_kind():
    kinds = {s for p in all_metadata_files() for s in ROOT_TAGS if p.name.endswith(s)}

    assert kinds == set(ROOT_TAGS)


def test_list_views_use_only_rapport_fields_valid_operations_and_picklist_values():
    fields = account_fields()
    paths = sorted(LIST_VIEWS_DIR.glob("*.listView-meta.xml"))
    assert len(paths) == 4

    for path in paths:
        root = parse(path)
        assert root.findtext("md:fullName", namespaces=NS) == path.name.split(".")[0]
        assert root.findtext("md:filterScope", namespaces=NS) == "Everything"
        label = root.findtext("md:label", namespaces=NS) or ""
        assert 0 < len(label) <= 40, path.name
        assert set(custom(texts(root, "md:columns"))) <= set(fields), path.name
        for field_name, operation, value in filters(root):
            assert field_name in fields, f"{path.name}: {field_name}"
            assert operation in FILTER_OPERATIONS, f"{path.name}: {operation}"
            definition = fields[field_name]
            if definition.picklist_values and value is not None:
                assert set(value.split(",")) <= set(definition.picklist_values), path.name
            if definition.type == "Checkbox":
                assert value in ("0", "1"), path.name


def test_the_hostages_view_filters_on_the_hostage_checkbox():
    assert filters(list_view("Rapport_Hostages")) == [("Relationship_Hostage__c", "equals", "1")]


def test_the_falling_view_keeps_married_and_partner_accounts_that_are_falling():
    assert filters(list_view("Rapport_Falling_Married_and_Partner")) == [
        ("Relationship_Type__c", "equals", "Married,Partner"),
        ("Relationship_Trend__c", "equals", "Falling"),
    ]


def test_the_few_contacts_view_matches_a_next_step_the_typology_really_writes():
    """No field says single-threaded; the view relies on the steady next step's wording."""
    view = filters(list_view("Rapport_Steady_Few_Contacts"))

    prefixes = [v for f, op, v in view if f == "Relationship_Next_Step__c" and op == "startsWith"]
    assert ("Relationship_Type__c", "equals", "Steady") in view
    assert len(prefixes) == 1
    matching = [step for step in next_steps() if step.startswith(prefixes[0] or "")]
    assert matching == ["Meet more people: fewer than three contacts engaged"]


def test_the_next_level_view_wants_a_next_step_and_leaves_out_the_top_of_the_ladder():
    view = filters(list_view("Rapport_Ready_for_the_Next_Level"))

    assert ("Relationship_Next_Step__c", "notEqual", None) in view
    assert ("Relationship_Type__c", "notEqual", "Married") in view
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "dbt_project.yml").read_text())
    top = [code for code, up in project["vars"]["next_level"].items() if up is None]
    assert top == ["married"]


def test_the_report_type_offers_only_existing_account_fields():
    root = parse(REPORT_TYPES_DIR / "Accounts_with_Relationship.reportType-meta.xml")

    assert root.findtext("md:baseObject", namespaces=NS) == "Account"
    assert root.findtext("md:deployed", namespaces=NS) == "true"
    assert set(texts(root, "md:sections/md:columns/md:table")) == {"Account"}
    offered = custom(texts(root, "md:sections/md:columns/md:field"))
    assert set(offered) <= set(account_fields())
    assert "Relationship_Type__c" in offered


def test_the_report_groups_by_owner_then_type_using_columns_of_its_report_type():
    report = parse(REPORTS_DIR / "Rapport" / "Relationship_Types_by_Owner.report-meta.xml")
    report_type_name = (report.findtext("md:reportType", namespaces=NS) or "").removesuffix("__c")
    report_type = parse(REPORT_TYPES_DIR / f"{report_type_name}.reportType-meta.xml")
    offered = set(texts(report_type, "md:sections/md:columns/md:field"))

    assert report.findtext("md:format", namespaces=NS) == "Summary"
    assert report.findtext("md:name", namespaces=NS) == "Relationship types by owner"
    groupings = texts(report, "md:groupingsDown/md:field")
    assert groupings == ["Account$Owner", "Account$Relationship_Type__c"]
    used = groupings + texts(report, "md:columns/md:field")
    used += texts(report, "md:timeFrameFilter/md:dateColumn")
    for column in used:
        table, _, field_name = column.partition("$")
        assert table == "Account"
        assert field_name in offered, column
        if field_name.endswith("__c"):
            assert field_name in account_fields(), column
    assert (REPORTS_DIR / "Rapport.reportFolder-meta.xml").exists()


def test_permission_sets_grant_only_rapport_fields():
    every_field = {f.full_name for f in rapport_fields()}
    paths = sorted(PERMISSION_SETS_DIR.glob("*.permissionset-meta.xml"))
    assert [p.name.split(".")[0] for p in paths] == [
        "Rapport_Integration",
        "Rapport_Relationship_Fields",
    ]

    for path in paths:
        granted = texts(parse(path), "md:fieldPermissions/md:field")
        assert sorted(granted) == sorted(every_field), path.name


def test_the_lwc_imports_only_rapport_account_fields():
    source = (LWC_DIR / "relationshipCard" / "relationshipCard.js").read_text()

    imported = re.findall(r"@salesforce/schema/Account\.(\w+)", source)
    assert imported
    assert set(imported) <= set(account_fields())


def test_the_flexipage_places_the_relationship_card_on_account_pages():
    root = parse(DEFAULT_DIR / "flexipages" / "Account_Record_Page_Rapport.flexipage-meta.xml")
    bundle = parse(LWC_DIR / "relationshipCard" / "relationshipCard.js-meta.xml")

    assert root.findtext("md:sobjectType", namespaces=NS) == "Account"
    assert root.findtext("md:type", namespaces=NS) == "RecordPage"
    components = texts(root, ".//md:componentInstance/md:componentName")
    assert "relationshipCard" in components
    assert texts(bundle, "md:targets/md:target") == ["lightning__RecordPage"]
    assert texts(bundle, ".//md:targetConfig/md:objects/md:object") == ["Account"]


def test_the_root_sfdx_project_for_lwc_jest_points_at_the_same_source():
    root_project = json.loads((PROJECT_ROOT / "sfdx-project.json").read_text())
    project = json.loads((SFDX_PROJECT_DIR / "sfdx-project.json").read_text())

    assert [d["path"] for d in root_project["packageDirectories"]] == [
        str((SFDX_PROJECT_DIR / d["path"]).relative_to(PROJECT_ROOT))
        for d in project["packageDirectories"]
    ]
    assert root_project["sourceApiVersion"] == project["sourceApiVersion"]
