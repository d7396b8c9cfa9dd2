"""What the org says about the fields Rapport writes, read from describe.

Write-back validates its mapping against these, not against what the
SFDX files say: the org is the authority on whether a field exists, its type,
its picklist and whether the running user may update it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simple_salesforce import Salesforce

from connectors.salesforce.writeback.rapport_fields import FieldDefinition


@dataclass(frozen=True)
class CrmField:
    object_name: str
    name: str
    type: str  # describe's type: string, picklist, double, boolean, datetime, ...
    updateable: bool
    length: int = 0
    precision: int = 0
    scale: int = 0
    picklist_values: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.object_name}.{self.name}"

    @classmethod
    def from_describe(cls, object_name: str, raw: dict[str, Any]) -> CrmField:
        return cls(
            object_name=object_name,
            name=raw["name"],
            type=raw["type"],
            updateable=bool(raw.get("updateable")),
            length=int(raw.get("length") or 0),
            precision=int(raw.get("precision") or 0),
            scale=int(raw.get("scale") or 0),
            picklist_values=tuple(
                entry["value"] for entry in raw.get("picklistValues") or [] if entry.get("active")
            ),
        )

    @classmethod
    def planned(cls, definition: FieldDefinition) -> CrmField:
        """The field as describe will show it once ``install_fields`` has created it."""
        return cls(
            object_name=definition.object_name,
            name=definition.name,
            type=definition.describe_type,
            updateable=True,
            length=definition.length or (255 if definition.picklist_values else 0),
            precision=definition.precision or 0,
            scale=definition.scale or 0,
            picklist_values=definition.picklist_values,
        )


class ObjectFields:
    """An object's fields by name, looked up case-insensitively as Salesforce does."""

    def __init__(
        self, object_name: str, fields: list[CrmField], describe: dict[str, Any] | None = None
    ) -> None:
        self.object_name = object_name
        self._by_name = {f.name.lower(): f for f in fields}
        # The describe answer itself, for checks that read it (the payload gate).
        self.describe = describe

    def get(self, name: str) -> CrmField | None:
        return self._by_name.get(name.lower())

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._by_name

    def with_planned(self, definitions: list[FieldDefinition]) -> ObjectFields:
        """These fields plus the ones about to be installed (for a dry run)."""
        planned = [CrmField.planned(d) for d in definitions if d.name not in self]
        return ObjectFields(self.object_name, [*self._by_name.values(), *planned], self.describe)


def describe_object_fields(sf: Salesforce, object_name: str) -> ObjectFields:
    """One describe call; raises simple-salesforce's error when the object does not exist."""
    described = getattr(sf, object_name).describe()
    name = described.get("name", object_name)
    fields = [CrmField.from_describe(name, raw) for raw in described["fields"]]
    return ObjectFields(name, fields, dict(described))
