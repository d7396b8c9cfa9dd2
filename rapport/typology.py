"""The relationship types, read from the dbt project's vars.

The typology lives in one place, ``dbt_project.yml``; the gates, the
write-back picklist and the report read it from there so that a type added by
RevOps is accepted everywhere at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from rapport.warehouse import DBT_PROJECT_DIR


@dataclass(frozen=True)
class RelationshipType:
    code: str
    label: str


@cache
def relationship_types() -> tuple[RelationshipType, ...]:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    return tuple(
        RelationshipType(rule["code"], rule["label"])
        for rule in project["vars"]["relationship_types"]
    )


def type_codes() -> list[str]:
    return [t.code for t in relationship_types()]
