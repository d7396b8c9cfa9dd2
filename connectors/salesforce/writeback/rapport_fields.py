"""Rapport's own CRM fields, defined once.

Four things are derived from these definitions so they can never disagree:
the SFDX source files an admin deploys with the Salesforce CLI, the
permission sets that grant access to them (``permission_sets``), the Tooling
API bodies ``install_fields`` sends, and the write-back allow-list. The
relationship-type picklist is read from the typology (dbt vars), so a type
added there reaches the CRM metadata the next time the files are generated.

Regenerate the SFDX files after changing a definition or the typology::

    python -m connectors.salesforce.writeback.rapport_fields
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rapport.config import PROJECT_ROOT

SFDX_PROJECT_DIR = PROJECT_ROOT / "salesforce"
SFDX_OBJECTS_DIR = SFDX_PROJECT_DIR / "force-app" / "main" / "default" / "objects"
SFDX_PERMISSIONSETS_DIR = SFDX_OBJECTS_DIR.parent / "permissionsets"
METADATA_NAMESPACE = "http://soap.sforce.com/2006/04/metadata"

MetadataType = Literal["Picklist", "Number", "Checkbox", "Text", "LongTextArea", "DateTime"]

# The type describe reports for a field of each metadata type.
DESCRIBE_TYPES: dict[str, str] = {
    "Picklist": "picklist",
    "Number": "double",
    "Checkbox": "boolean",
    "Text": "string",
    "LongTextArea": "textarea",
    "DateTime": "datetime",
}


@dataclass(frozen=True)
class FieldDefinition:
    object_name: str
    name: str
    label: str
    type: MetadataType
    description: str
    help_text: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    picklist_values: tuple[str, ...] = ()
    visible_lines: int | None = None
    # Shipped and installed by Rapport but owned by the reps: Rapport reads it
    # (extract) and never writes it, whatever the mapping says.
    rep_owned: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.object_name}.{self.name}"

    @property
    def describe_type(self) -> str:
        return DESCRIBE_TYPES[self.type]

    def metadata(self) -> dict[str, Any]:
        """The CustomField metadata (Tooling ``Metadata`` / SFDX elements), keys sorted."""
        body: dict[str, Any] = {
            "description": self.description,
            "externalId": False,
            "inlineHelpText": self.help_text,
            "label": self.label,
            "required": False,
            "trackHistory": False,
            "trackTrend": False,
            "type": self.type,
        }
        if self.type == "Checkbox":
            # Salesforce refuses a checkbox without a default.
            body["defaultValue"] = "false"
            body.pop("required")
        if self.length is not None:
            body["length"] = self.length
        if self.precision is not None:
            body["precision"] = self.precision
            body["scale"] = self.scale or 0
        if self.visible_lines is not None:
            body["visibleLines"] = self.visible_lines
        if self.picklist_values:
            body["valueSet"] = {
                "restricted": True,
                "valueSetDefinition": {
                    "sorted": False,
                    "value": [
                        {"fullName": value, "default": False, "label": value}
                        for value in self.picklist_values
                    ],
                },
            }
        return dict(sorted(body.items()))

    def tooling_body(self) -> dict[str, Any]:
        """The body of ``POST /tooling/sobjects/CustomField`` that creates this field."""
        return {"FullName": self.full_name, "Metadata": self.metadata()}

    def to_xml(self) -> str:
        """The field's ``.field-meta.xml`` in SFDX source format."""
        root = ET.Element("CustomField", xmlns=METADATA_NAMESPACE)
        _xml_value(root, "fullName", self.name)
        for key, value in self.metadata().items():
            _xml_value(root, key, value)
        ET.indent(root, space="    ")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"

    def path(self, objects_dir: Path = SFDX_OBJECTS_DIR) -> Path:
        return objects_dir / self.object_name / "fields" / f"{self.name}.field-meta.xml"


def _xml_value(parent: ET.Element, tag: str, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _xml_value(parent, tag, item)
        return
    element = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, child in value.items():
            _xml_value(element, key, child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)


# The perception gap's picklist values ("No Gap" rather than "None", which
# Salesforce shows for an empty picklist); the write-back mapping translates
# the mart's codes to them.
PERCEPTION_GAP_LABELS = ("No Gap", "Overestimated", "Underestimated")


def _relationship_type_labels() -> tuple[str, ...]:
    from rapport.typology import relationship_types

    return tuple(t.label for t in relationship_types())


def rapport_fields() -> tuple[FieldDefinition, ...]:
    """Every field Rapport writes, in the order an admin would read them."""
    strength_help = (
        "0 (no relationship) to 100 (as strong as it gets), recomputed daily by Rapport."
    )
    return (
        FieldDefinition(
            "Account",
            "Relationship_Type__c",
            "Relationship Type",
            "Picklist",
            "Where the account stands on Rapport's relationship ladder.",
            "Set by Rapport from activities, deals, contracts and cases. Edits are kept.",
            picklist_values=_relationship_type_labels(),
        ),
        FieldDefinition(
            "Account",
            "Relationship_Strength__c",
            "Relationship Strength",
            "Number",
            "Weighted strength of the relationship with the account (0-100).",
            strength_help,
            precision=5,
            scale=2,
        ),
        FieldDefinition(
            "Account",
            "Relationship_Trend__c",
            "Relationship Trend",
            "Picklist",
            "Whether contact with the account is rising, stable or falling.",
            "Compares the last 90 days of touches with the 90 days before.",
            picklist_values=("Rising", "Stable", "Falling"),
        ),
        FieldDefinition(
            "Account",
            "Relationship_Commitment__c",
            "Relationship Commitment",
            "Picklist",
            "Commitment state: committed, trapped (a hostage), switchable or on the way out.",
            "From satisfaction, investment and alternatives (the investment model).",
            picklist_values=("Committed", "Trapped", "Switchable", "Exit"),
        ),
        FieldDefinition(
            "Account",
            "Relationship_Hostage__c",
            "Relationship Hostage",
            "Checkbox",
            "Held by a contract while unhappy: likely to leave when it can.",
            "Checked when the account is under contract but shows anger or competitor interest.",
        ),
        FieldDefinition(
            "Account",
            "Relationship_Next_Step__c",
            "Relationship Next Step",
            "Text",
            "What blocks the next level of the relationship.",
            "The first blocker that holds for the account's relationship type.",
            length=255,
        ),
        FieldDefinition(
            "Account",
            "Relationship_Reasons__c",
            "Relationship Reasons",
            "LongTextArea",
            "Why Rapport gave the account its relationship type.",
            "The rule that matched and the evidence behind it.",
            length=32768,
            visible_lines=5,
        ),
        FieldDefinition(
            "Account",
            "Relationship_Perceived_Type__c",
            "Relationship Perceived Type",
            "Picklist",
            "Where the account team believes the relationship stands, set by hand.",
            "Your own view of the relationship. Rapport reads it and never changes it.",
            picklist_values=_relationship_type_labels(),
            rep_owned=True,
        ),
        FieldDefinition(
            "Account",
            "Relationship_Perception_Gap__c",
            "Relationship Perception Gap",
            "Picklist",
            "Whether the perceived relationship is above or below the one Rapport computes.",
            "Overestimated: the team (or the customer's survey) believes in more than the "
            "behaviour shows. Empty when nobody set a perceived type.",
            picklist_values=PERCEPTION_GAP_LABELS,
        ),
        FieldDefinition(
            "Account",
            "Relationship_Updated_At__c",
            "Relationship Updated At",
            "DateTime",
            "When Rapport last changed any of the relationship fields of this account.",
            "Set by Rapport on every write; older values mean nothing has changed since.",
        ),
        FieldDefinition(
            "Contact",
            "Relationship_Strength__c",
            "Relationship Strength",
            "Number",
            "Strength of our tie with the person (0-100).",
            strength_help,
            precision=5,
            scale=2,
        ),
        FieldDefinition(
            "Contact",
            "Buying_Influence__c",
            "Buying Influence",
            "Picklist",
            "How much the person weighs in buying decisions.",
            "From seniority and roles on deals.",
            picklist_values=("High", "Medium", "Low"),
        ),
    )


def rapport_field(object_name: str, name: str) -> FieldDefinition | None:
    wanted = (object_name.lower(), name.lower())
    return next(
        (f for f in rapport_fields() if (f.object_name.lower(), f.name.lower()) == wanted), None
    )


def write_sfdx_metadata(objects_dir: Path = SFDX_OBJECTS_DIR) -> list[Path]:
    """(Re)write every field's SFDX file and the permission sets granting them.

    The permission sets go next to ``objects/`` (``permissionsets/``) and are
    written in the same run, so a field cannot be added without its access.
    Returns the paths written.
    """
    # Imported here: permission_sets builds on this module's definitions.
    from connectors.salesforce.writeback.permission_sets import write_permission_sets

    written = []
    definitions = rapport_fields()
    for definition in definitions:
        path = definition.path(objects_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(definition.to_xml(), encoding="utf-8")
        written.append(path)
    written += write_permission_sets(objects_dir.parent / "permissionsets", definitions)
    return written


if __name__ == "__main__":
    for written_path in write_sfdx_metadata():
        print(written_path.relative_to(PROJECT_ROOT))
