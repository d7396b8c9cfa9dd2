"""The declarative catalog of objects to extract (``catalog.yml``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

CATALOG_PATH = Path(__file__).with_name("catalog.yml")


class ObjectConfig(BaseModel):
    name: str
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)


@cache
def _default_catalog() -> tuple[ObjectConfig, ...]:
    raw = yaml.safe_load(CATALOG_PATH.read_text())
    return tuple(ObjectConfig(**entry) for entry in raw["objects"])


def default_objects() -> list[ObjectConfig]:
    return [entry.model_copy(deep=True) for entry in _default_catalog()]


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
