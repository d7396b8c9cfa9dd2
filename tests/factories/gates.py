"""Small warehouses for the gate tests, built directly in DuckDB: raw tables as
dlt names them, marts as plain tables.

Nothing here runs dlt, dbt or Prefect: each test shapes exactly the rows it
needs and calls the gates' API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from rapport.config import (
    ExtractSettings,
    GateSettings,
    SalesforceSettings,
    Settings,
    WarehouseSettings,
)
from tests.factories.ids import account_id, contact_id, opportunity_id

AS_OF = date(2026, 11, 23)


ACCOUNTS = 10


CONTACTS_PER_ACCOUNT = 2


TYPES = ["prospect", "dating", "steady", "married", "partner"]


def _ts(days_ago: int) -> datetime:
    return datetime.combine(AS_OF, datetime.min.time(), tzinfo=UTC) - timedelta(days=days_ago)


@dataclass
class Warehouse:
    path: Path

    def execute(self, sql: str, params: list | None = None) -> None:
        """Run SQL; write {cat}.schema.table for a table name."""
        with duckdb.connect(str(self.path)) as connection:
            Catalogued(connection).execute(sql, params)

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.path)) as connection:
            return Catalogued(connection).execute(sql, params).fetchall()


class Catalogued:
    """Runs SQL with {cat} replaced by the file's catalog.

    A file named rapport.duckdb makes a catalog named like the marts schema,
    so every name is qualified, as in the real warehouse.
    """

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self._connection = connection
        self.catalog = connection.sql("select current_database()").fetchone()[0]

    def execute(self, sql: str, params: list | None = None):
        return self._connection.execute(sql.replace("{cat}", f'"{self.catalog}"'), params or [])


def build_warehouse(path: Path) -> Warehouse:
    """Ten accounts (the tenth soft-deleted), two contacts each, one opportunity each, and marts."""
    warehouse = Warehouse(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        c = Catalogued(connection)
        c.execute("create schema {cat}.salesforce; create schema {cat}.rapport")
        c.execute(
            "create table {cat}.salesforce.account (id varchar not null, name varchar, industry varchar, "
            "is_deleted boolean, created_date timestamptz, last_modified_date timestamptz, "
            "system_modstamp timestamptz, _dlt_load_id varchar)"
        )
        c.execute(
            "create table {cat}.salesforce.contact (id varchar not null, account_id varchar, "
            "last_name varchar, is_deleted boolean, created_date timestamptz, "
            "system_modstamp timestamptz, _dlt_load_id varchar)"
        )
        c.execute(
            "create table {cat}.salesforce.opportunity (id varchar not null, account_id varchar, "
            "stage_name varchar, close_date date, is_closed boolean, is_deleted boolean, "
            "created_date timestamptz, system_modstamp timestamptz, _dlt_load_id varchar)"
        )
        industries = ["Banking", "Retail", "Energy"]
        for n in range(1, ACCOUNTS + 1):
            c.execute(
                "insert into {cat}.salesforce.account values (?, ?, ?, ?, ?, ?, ?, '1')",
                [
                    account_id(n),
                    f"Account {n}",
                    industries[n % 3],
                    n == ACCOUNTS,
                    _ts(900 - n),
                    _ts(10),
                    _ts(10),
                ],
            )
            c.execute(
                "insert into {cat}.salesforce.opportunity values (?, ?, ?, ?, ?, false, ?, ?, '1')",
                [
                    opportunity_id(n),
                    account_id(n),
                    "Closed Won" if n % 2 else "Prospecting",
                    AS_OF - timedelta(days=30) if n % 2 else AS_OF + timedelta(days=200),
                    bool(n % 2),
                    _ts(400),
                    _ts(20),
                ],
            )
            for k in range(CONTACTS_PER_ACCOUNT):
                number = (n - 1) * CONTACTS_PER_ACCOUNT + k + 1
                c.execute(
                    "insert into {cat}.salesforce.contact values (?, ?, ?, ?, ?, ?, '1')",
                    [
                        contact_id(number),
                        account_id(n),
                        f"Person {number}",
                        n == ACCOUNTS,
                        _ts(300),
                        _ts(5),
                    ],
                )
        c.execute(
            "create table {cat}.rapport.account_relationship (account_id varchar, account_name varchar, "
            "relationship_type varchar, relationship_type_label varchar, strength_score double, "
            "confidence double, trend varchar, engagement_score double, reciprocity_score double, "
            "stakeholder_coverage_score double, experience_score double, moments_score double, "
            "commitment_score double, competitive_score double, value_score double, as_of_date date)"
        )
        for n in range(1, ACCOUNTS):  # the tenth account is deleted: no mart row
            c.execute(
                "insert into {cat}.rapport.account_relationship values "
                "(?, ?, ?, 'label', 50, 0.8, 'stable', 40, 60, 70, null, 55, 65, 75, 10, ?)",
                [account_id(n), f"Account {n}", TYPES[n % len(TYPES)], AS_OF],
            )
        c.execute(
            "create table {cat}.rapport.contact_relationship as "
            "select id as contact_id, account_id, 30.0 as strength_score, "
            "  case when right(id, 1) < 'M' then 'high' else 'low' end as buying_influence "
            "from {cat}.salesforce.contact where not coalesce(is_deleted, false)"
        )
    return warehouse


def settings_for(warehouse: Warehouse, state_dir: Path, **gates) -> Settings:
    """Settings for a test warehouse, every section explicit so no rapport.yml leaks in;
    keyword arguments become the gates section."""
    gates.setdefault("describe", "off")
    # Rendering HTML costs about a second a run; the test about reporting turns it on.
    gates.setdefault("data_docs", False)
    return Settings(
        salesforce=SalesforceSettings(),
        warehouse=WarehouseSettings(path=warehouse.path),
        extract=ExtractSettings(),
        state_dir=state_dir,
        as_of_date=AS_OF,
        gates=GateSettings(**gates),
    )
