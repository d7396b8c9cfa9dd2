"""A raw table as whichever loader landed it: found, and its columns named, by one key.

Rapport (dlt), Fivetran and Airbyte name the same object and field
differently: ``opportunity_contact_role`` / ``OpportunityContactRole``
(or ``opportunitycontactrole`` where the warehouse folds case), and
``account_id`` / ``AccountId``, ``score_c`` / ``score__c`` / ``Score__c``,
``pricebook2_id`` / ``pricebook_2_id``. Lower-cased with every underscore
dropped they are one key, the same one the dbt staging macro matches on
(``salesforce_key`` in ``dbt_project/macros/salesforce_staging.sql``), so the
gates check exactly the rows and columns the models read. The suites keep
naming columns as dlt does; this module turns those names into the landed ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rapport.warehouse import WarehouseSql
from rapport.warehouse.sql import quote

# Soft-delete flags: Salesforce's IsDeleted (read through queryAll) and
# Fivetran's own marker for a row deleted at the source.
DELETION_FLAGS = ("is_deleted", "_fivetran_deleted")


def salesforce_key(name: str) -> str:
    """The name every loader's spelling of a field or object reduces to."""
    return name.lower().replace("_", "")


@cache
def _api_names() -> dict[str, str]:
    """dlt table name → API name, for the catalog's objects."""
    from connectors.salesforce.extract.catalog import default_objects
    from connectors.salesforce.extract.source import table_name

    return {table_name(entry.name): entry.name for entry in default_objects()}


@dataclass(frozen=True)
class LandedTable:
    """One raw table: where it is, its landed name and its columns with their types."""

    relation: str
    name: str
    types: dict[str, str]

    def column(self, name: str) -> str | None:
        """The landed column for a dlt column name, or None when the loader did not sync it."""
        wanted = salesforce_key(name)
        return next((c for c in self.types if salesforce_key(c) == wanted), None)

    def quoted(self, name: str) -> str:
        landed = self.column(name)
        if landed is None:
            raise KeyError(f"{self.name} has no column {name}")
        return quote(landed)

    def type_of(self, name: str) -> str:
        landed = self.column(name)
        return "" if landed is None else self.types[landed]

    @property
    def live(self) -> str:
        """SQL that holds for rows not deleted at the source."""
        flags = [self.column(flag) for flag in DELETION_FLAGS]
        conditions = [f"not coalesce({quote(f)}, false)" for f in flags if f is not None]
        return " and ".join(conditions) or "1 = 1"

    def renamed(self, names: list[str]) -> bool:
        """Whether any of these dlt column names is spelled otherwise in this table."""
        return any(self.column(n) not in (None, n) for n in names)


def find_landed_table(
    sql: WarehouseSql, schema: str, table: str, object_name: str | None = None
) -> LandedTable | None:
    """The raw table for dlt's ``table`` name, as dlt, Fivetran or Airbyte named it.

    Tried in turn: dlt's and Fivetran's name, the API name (Airbyte on a
    warehouse that keeps case) and the API name lower-cased (Airbyte on
    PostgreSQL). ``object_name`` defaults to the catalog's API name.
    """
    api_name = object_name or _api_names().get(table)
    candidates = [table] + ([api_name, api_name.lower()] if api_name else [])
    for name in dict.fromkeys(candidates):
        types = sql.columns(schema, name)
        if types is not None:
            return LandedTable(sql.relation(schema, name), name, types)
    return None
