"""The declarative catalog of objects to extract (``catalog.yml``).

An entry names an object as Rapport knows it (its table is named after it);
``source_name`` and ``rename`` map an org that names things differently onto
that, so dbt reads the same tables and columns from every org.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

CATALOG_PATH = Path(__file__).with_name("catalog.yml")

Transport = Literal["auto", "rest", "bulk"]


class ObjectConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The catalog's name for the object; the warehouse table is named after it.
    name: str
    # The object's API name in this org, when it differs (NPS_Survey__c for
    # Survey_Response__c, say).
    source_name: str | None = None
    # Org field name -> catalog field name, for fields an org names differently.
    rename: dict[str, str] = Field(default_factory=dict)
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    # "auto" picks Bulk API 2.0 or REST from the row count; force one here.
    transport: Transport = "auto"

    @field_validator("rename")
    @classmethod
    def _one_target_per_field(cls, rename: dict[str, str]) -> dict[str, str]:
        targets = [target.lower() for target in rename.values()]
        duplicates = sorted({t for t in targets if targets.count(t) > 1})
        if duplicates:
            raise ValueError(f"rename maps several fields onto {', '.join(duplicates)}")
        return rename

    @property
    def api_name(self) -> str:
        """The name to ask the org for."""
        return self.source_name or self.name


@cache
def _default_catalog() -> tuple[ObjectConfig, ...]:
    raw = yaml.safe_load(CATALOG_PATH.read_text())
    return tuple(ObjectConfig(**entry) for entry in raw["objects"])


def default_objects() -> list[ObjectConfig]:
    return [entry.model_copy(deep=True) for entry in _default_catalog()]


def configured_objects(
    objects: list[ObjectConfig], add: list[ObjectConfig], drop: list[str]
) -> list[ObjectConfig]:
    """The catalog after rapport.yml's ``add_objects`` and ``drop_objects``.

    An added entry with a catalog object's name replaces it (to set a
    ``source_name`` or ``rename``); dropping a name the catalog lacks is an
    error, since it is most likely a typo that would extract an unwanted object.
    """
    by_name = {entry.name.lower(): entry for entry in objects}
    for entry in add:
        by_name[entry.name.lower()] = entry
    unknown = [name for name in drop if name.lower() not in by_name]
    if unknown:
        raise ValueError(
            f"extract.drop_objects names {', '.join(unknown)}, which the catalog does not have "
            f"({', '.join(e.name for e in by_name.values())})."
        )
    dropped = {name.lower() for name in drop}
    return [entry for key, entry in by_name.items() if key not in dropped]


def select_objects(catalog: list[ObjectConfig], names: list[str] | None) -> list[ObjectConfig]:
    """Narrow the catalog to ``names`` (case-insensitive); unknown names are an error."""
    if not names:
        return catalog
    by_name = {entry.name.lower(): entry for entry in catalog}
    unknown = [name for name in names if name.lower() not in by_name]
    if unknown:
        raise ValueError(
            f"Objects {', '.join(unknown)} are not in the extract catalog "
            f"({', '.join(e.name for e in catalog)})."
        )
    return [by_name[name.lower()] for name in names]
