"""Raw schemas as Fivetran and Airbyte land them, rebuilt from tables Rapport extracted.

Each layout follows its loader's documentation, not Rapport's code:

- Fivetran (Salesforce connector docs, fivetran/dbt_salesforce_source): table
  and column names in snake_case with digits split off (``Pricebook2Id`` →
  ``pricebook_2_id``, ``Score__c`` → ``score_c``, ``OpportunityContactRole``
  → ``opportunity_contact_role``); ``_fivetran_synced`` (timestamp with time
  zone) and ``_fivetran_deleted`` (boolean) on every table; ``is_deleted``
  synced like any field.
- Airbyte (Destinations V2 typed tables): tables named after the stream,
  which is the API name (``OpportunityContactRole``, ``Survey_Response__c``),
  columns the API names (``AccountId``, ``Score__c``); numbers as
  ``decimal(38, 9)``, and the metadata columns ``_airbyte_raw_id``,
  ``_airbyte_extracted_at``, ``_airbyte_meta`` (JSON) and
  ``_airbyte_generation_id``; ``IsDeleted`` with queryAll on.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb


def key(name: str) -> str:
    return name.lower().replace("_", "")


def fivetran_name(api_name: str) -> str:
    """Fivetran's column or table name for a Salesforce API name."""
    name = api_name.replace("__", "_")
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    name = re.sub(r"(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])", "_", name)
    return name.lower()


def _api_name_of(columns: dict[str, str]) -> Callable[[str], str]:
    def api_name(dlt_column: str) -> str:
        try:
            return columns[key(dlt_column)]
        except KeyError:
            raise AssertionError(f"no API name for raw column {dlt_column}") from None

    return api_name


def raw_tables(warehouse: Path, schema: str = "salesforce") -> dict[str, list[tuple[str, str]]]:
    """dlt table → its (column, type) list; dlt's and Rapport's bookkeeping (_*) left out."""
    with duckdb.connect(str(warehouse)) as connection:
        rows = connection.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name not like '\\_dlt%' escape '\\' "
            "order by table_name, ordinal_position",
            [schema],
        ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        if not column.startswith("_"):
            tables.setdefault(table, []).append((column, data_type))
    return tables


def land(
    source: Path,
    target: Path,
    schema: str,
    loader: str,
    api_names: dict[str, dict[str, str]],
    synced_at: datetime,
) -> None:
    """Copy Rapport's raw tables from ``source`` into ``target`` in ``loader``'s layout.

    ``api_names``: dlt table → {key: API name} for its fields, from the org's
    describe, plus "" → the object's API name.
    """
    tables = raw_tables(source)
    landed = {}
    with duckdb.connect(str(source)) as connection:
        for table, columns in tables.items():
            names = api_names[table]
            api_name = _api_name_of(names)
            select = [_column(loader, c, t, api_name(c)) for c, t in columns]
            if loader == "fivetran":
                name = fivetran_name(names[""])
                select += [
                    f"timestamptz '{synced_at.isoformat()}' as _fivetran_synced",
                    "false as _fivetran_deleted",
                ]
            else:
                name = names[""]
                select += [
                    "cast(uuid() as varchar) as _airbyte_raw_id",
                    f"timestamptz '{synced_at.isoformat()}' as _airbyte_extracted_at",
                    """cast('{"changes": [], "sync_id": 1}' as json) as _airbyte_meta""",
                    "cast(0 as bigint) as _airbyte_generation_id",
                ]
            query = f'select {", ".join(select)} from salesforce."{table}"'
            landed[name] = connection.execute(query).to_arrow_table()
    with duckdb.connect(str(target)) as connection:
        connection.execute(f'create schema if not exists "{schema}"')
        for name, rows in landed.items():
            connection.register("landed", rows)
            # Arrow carries JSON as text; Airbyte's _airbyte_meta is JSON.
            columns = "* replace (cast(_airbyte_meta as json) as _airbyte_meta)"
            select = columns if loader == "airbyte" else "*"
            connection.execute(f'create table "{schema}"."{name}" as select {select} from landed')
            connection.unregister("landed")


def _column(loader: str, column: str, data_type: str, api_name: str) -> str:
    name = fivetran_name(api_name) if loader == "fivetran" else api_name
    value = f'"{column}"'
    if loader == "airbyte" and data_type.upper() in ("DOUBLE", "FLOAT", "REAL"):
        value = f"cast({value} as decimal(38, 9))"
    elif data_type.upper().startswith("TIMESTAMP"):
        value = f"cast({value} as timestamptz)"
    return f'{value} as "{name}"'


def add_deleted_copy(
    warehouse: Path, relation: str, id_column: str, where: str, flags: dict[str, bool]
) -> str:
    """Insert a copy of the first row matching ``where`` under a new Id, flagged deleted."""
    new_id = "0DEL" + uuid.uuid4().hex[:14].upper()
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            f"create temp table copied as select * from {relation} where {where} "
            f'order by "{id_column}" limit 1'
        )
        for column, value in {id_column: new_id, **flags}.items():
            connection.execute(f'update copied set "{column}" = ?', [value])
        connection.execute(f"insert into {relation} select * from copied")
    return new_id
