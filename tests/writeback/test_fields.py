"""Rapport's CRM fields: the SFDX metadata an admin deploys, and install_fields."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from connectors.salesforce.writeback.crm_schema import describe_object_fields
from connectors.salesforce.writeback.install import create_field, install_fields
from connectors.salesforce.writeback.mapping import MappingError
from connectors.salesforce.writeback.rapport_fields import (
    METADATA_NAMESPACE,
    SFDX_OBJECTS_DIR,
    SFDX_PROJECT_DIR,
    rapport_fields,
)
from rapport.config import WritebackSettings
from rapport.typology import relationship_types
from tests.factories import account_id

NS = {"md": METADATA_NAMESPACE}
EXPECTED_TYPES = {
    ("Account", "Relationship_Type__c"): "Picklist",
    ("Account", "Relationship_Perceived_Type__c"): "Picklist",
    ("Account", "Relationship_Perception_Gap__c"): "Picklist",
    ("Account", "Relationship_Strength__c"): "Number",
    ("Account", "Relationship_Trend__c"): "Picklist",
    ("Account", "Relationship_Commitment__c"): "Picklist",
    ("Account", "Relationship_Hostage__c"): "Checkbox",
    ("Account", "Relationship_Next_Step__c"): "Text",
    ("Account", "Relationship_Reasons__c"): "LongTextArea",
    ("Account", "Relationship_Updated_At__c"): "DateTime",
    ("Contact", "Relationship_Strength__c"): "Number",
    ("Contact", "Buying_Influence__c"): "Picklist",
}


def parsed_fields() -> dict[tuple[str, str], ET.Element]:
    fields = {}
    for path in sorted(SFDX_OBJECTS_DIR.glob("*/fields/*.field-meta.xml")):
        root = ET.parse(path).getroot()
        fields[(path.parent.parent.name, path.name.removesuffix(".field-meta.xml"))] = root
    return fields


def text(root: ET.Element, tag: str) -> str | None:
    element = root.find(f"md:{tag}", NS)
    return None if element is None else element.text


def picklist(root: ET.Element) -> list[str]:
    return [
        v.text or ""
        for v in root.findall("md:valueSet/md:valueSetDefinition/md:value/md:fullName", NS)
    ]


def test_the_sfdx_metadata_parses_with_the_expected_field_types():
    fields = parsed_fields()

    assert {key: text(root, "type") for key, root in fields.items()} == EXPECTED_TYPES
    for (_, name), root in fields.items():
        assert root.tag == f"{{{METADATA_NAMESPACE}}}CustomField"
        assert text(root, "fullName") == name
        assert text(root, "label")
    strength = fields[("Account", "Relationship_Strength__c")]
    assert (text(strength, "precision"), text(strength, "scale")) == ("5", "2")
    assert text(fields[("Account", "Relationship_Next_Step__c")], "length") == "255"
    assert text(fields[("Account", "Relationship_Hostage__c")], "defaultValue") == "false"
    assert picklist(fields[("Account", "Relationship_Type__c")]) == [
        t.label for t in relationship_types()
    ]
    assert picklist(fields[("Account", "Relationship_Trend__c")]) == ["Rising", "Stable", "Falling"]
    assert picklist(fields[("Contact", "Buying_Influence__c")]) == ["High", "Medium", "Low"]


def test_the_sfdx_files_are_generated_from_the_definitions():
    stale = [
        str(d.path().relative_to(SFDX_PROJECT_DIR))
        for d in rapport_fields()
        if not d.path().exists() or d.path().read_text(encoding="utf-8") != d.to_xml()
    ]

    assert stale == [], "run `python -m connectors.salesforce.writeback.rapport_fields`"


def test_the_sfdx_project_points_at_the_metadata():
    project = json.loads((SFDX_PROJECT_DIR / "sfdx-project.json").read_text())

    assert [d["path"] for d in project["packageDirectories"]] == ["force-app"]
    assert (SFDX_PROJECT_DIR / "force-app" / "main" / "default" / "objects").is_dir()


def test_install_fields_creates_the_missing_fields_and_a_second_run_creates_nothing(make_env):
    env = make_env(installed=lambda d: d.name in ("Relationship_Type__c",))

    first = install_fields(env.sf)

    created = {d.full_name for d in rapport_fields()} - {"Account.Relationship_Type__c"}
    assert set(first.created) == created
    assert first.existing == ["Account.Relationship_Type__c"]
    assert env.org.request_log.count("POST", "tooling/sobjects/CustomField") == len(created)
    account = describe_object_fields(env.sf, "Account")
    assert account.get("Relationship_Strength__c").type == "double"
    assert account.get("Relationship_Strength__c").scale == 2
    assert account.get("Relationship_Hostage__c").type == "boolean"
    assert account.get("Relationship_Reasons__c").type == "textarea"
    assert account.get("Relationship_Updated_At__c").type == "datetime"
    assert account.get("Relationship_Commitment__c").picklist_values == (
        "Committed",
        "Trapped",
        "Switchable",
        "Exit",
    )
    assert describe_object_fields(env.sf, "Contact").get("Buying_Influence__c").type == "picklist"

    env.org.request_log.clear()
    second = install_fields(env.sf)

    assert second.created == []
    assert sorted(second.existing) == sorted(d.full_name for d in rapport_fields())
    # Nothing created; the only POST left is the Metadata API's readMetadata (SOAP).
    assert env.org.request_log.count("POST", "tooling/") == 0
    assert env.org.request_log.count("POST") == env.org.request_log.count("POST", "Soap/m/")


def test_a_field_created_by_an_answer_that_was_lost_counts_as_installed(make_env):
    """A POST that timed out may still have created the field; its retry, or an
    install running alongside, then meets DUPLICATE_DEVELOPER_NAME."""
    env = make_env(installed=lambda d: False)
    strength = next(d for d in rapport_fields() if d.name == "Relationship_Strength__c")
    assert create_field(env.sf, strength) is not None

    assert create_field(env.sf, strength) is None  # the org says it exists: done
    report = install_fields(env.sf, [strength], grant_access=False)
    assert report.created == [] and report.existing == [strength.full_name]


def test_write_back_installs_missing_rapport_fields_before_writing(make_env):
    env = make_env(
        installed=lambda d: d.name in ("Relationship_Type__c", "Relationship_Strength__c")
    )

    report = env.sync()

    assert "Account.Relationship_Trend__c" in report.fields_installed
    assert "Contact.Buying_Influence__c" in report.fields_installed
    assert env.crm("Account", account_id(0), "Relationship_Trend__c") == "Rising"


def test_write_back_without_installing_asks_for_install_fields_and_writes_nothing(make_env):
    env = make_env(installed=lambda d: d.object_name == "Account")
    options = WritebackSettings(install_missing_fields=False)

    with pytest.raises(
        MappingError, match=r"Contact\.Buying_Influence__c does not exist"
    ) as refused:
        env.sync(options=options)

    assert "rapport install-fields" in str(refused.value)
    assert env.write_calls() == 0


def test_a_dry_run_on_an_org_without_the_fields_plans_them_and_installs_nothing(make_env):
    env = make_env(installed=lambda d: False)

    report = env.sync(dry_run=True)

    # The write-back needs the fields it writes; the rep's own field is
    # install-fields' business, not the write-back's.
    assert len(report.fields_to_install) == len([f for f in rapport_fields() if not f.rep_owned])
    assert env.write_calls() == 0
    assert report.object("Account").created == len(env.marts.accounts)
    assert "Fields to install first" in report.to_markdown()
