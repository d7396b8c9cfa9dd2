"""Write-back test data: a local org store with Rapport's fields, marts written
straight to DuckDB, and a ``WritebackEnv`` to sync and inspect them.

The marts are built here rather than by dbt: write-back only reads two
tables, and building them directly keeps each test to a second or two and
lets a test change exactly the rows it means to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from simple_salesforce import Salesforce

from connectors.salesforce.writeback.rapport_fields import FieldDefinition, rapport_fields
from connectors.salesforce.writeback.report import WritebackReport
from connectors.salesforce.writeback.state import WritebackLedger
from connectors.salesforce.writeback.sync import sync_writeback
from local_org.schema import FieldSpec, standard_objects
from local_org.server import LocalOrg
from local_org.store import OrgStore
from rapport.config import WarehouseSettings, WritebackSettings
from rapport.typology import relationship_types
from rapport.warehouse import open_warehouse
from tests.factories.ids import account_id, contact_id

TRENDS = ("rising", "stable", "falling")


COMMITMENTS = ("committed", "trapped", "switchable", "exit")


INFLUENCES = ("high", "medium", "low")
# A quarter of the accounts have no perceived type, so no gap (null).
PERCEPTION_GAPS = ("none", "overestimated", "underestimated", None)


WRITE_PATHS = ("composite/sobjects", "jobs/ingest", "tooling/sobjects")


def field_spec(definition: FieldDefinition) -> FieldSpec:
    """The local org's spec of a Rapport field, as an SFDX deploy would create it."""
    return FieldSpec(
        name=definition.name,
        type=definition.describe_type,
        label=definition.label,
        length=definition.length or (255 if definition.picklist_values else 0),
        precision=definition.precision or 0,
        scale=definition.scale or 0,
        picklist_values=definition.picklist_values,
        custom=True,
        nillable=definition.type != "Checkbox",
    )


def build_store(
    accounts: int, contacts: int, installed: Callable[[FieldDefinition], bool] = lambda d: True
) -> OrgStore:
    """Accounts and contacts with just their required fields, plus the chosen Rapport fields."""
    store = OrgStore.create(standard_objects(include_rapport_fields=False))
    store.insert(
        "Account",
        pa.table(
            {
                "Id": [account_id(n) for n in range(accounts)],
                "Name": [f"Account {n:05d}" for n in range(accounts)],
            }
        ),
    )
    if contacts:
        store.insert(
            "Contact",
            pa.table(
                {
                    "Id": [contact_id(n) for n in range(contacts)],
                    "AccountId": [account_id(n % accounts) for n in range(contacts)],
                    "LastName": [f"Person {n:05d}" for n in range(contacts)],
                }
            ),
        )
    for definition in rapport_fields():
        if installed(definition):
            store.add_field(definition.object_name, field_spec(definition))
    return store


def account_row(n: int, version: int = 0) -> dict[str, Any]:
    labels = [t.label for t in relationship_types()]
    codes = [t.code for t in relationship_types()]
    k = n + version
    return {
        "account_id": account_id(n),
        "relationship_type": codes[k % len(codes)],
        "relationship_type_label": labels[k % len(labels)],
        "strength_score": round((n * 7.3 + version * 11.1) % 100, 1),
        "trend": TRENDS[k % 3],
        "commitment_state": COMMITMENTS[k % 4],
        "is_hostage": k % 5 == 0,
        "next_step": f"Step {k % 7} for account {n}",
        "type_reasons": f"Reason {k % 11}: {n} won deals",
        "as_of_date": date(2026, 11, 23),
        # Per account, not per version: the rep's view changes rarely.
        "perception_gap": PERCEPTION_GAPS[n % 4],
    }


def contact_row(n: int, version: int = 0) -> dict[str, Any]:
    k = n + version
    return {
        "contact_id": contact_id(n),
        "account_id": account_id(n),
        "strength_score": round((n * 3.7 + version * 5.5) % 100, 2),
        "buying_influence": INFLUENCES[k % 3],
        "as_of_date": date(2026, 11, 23),
    }


@dataclass
class Marts:
    """The two marts write-back reads, kept as rows so a test can change a few and rewrite."""

    path: Path
    accounts: list[dict[str, Any]]
    contacts: list[dict[str, Any]]

    def write(self) -> None:
        with duckdb.connect(str(self.path)) as connection:
            catalog = connection.sql("select current_database()").fetchone()[0]
            connection.execute(f'create schema if not exists "{catalog}".rapport')
            for name, rows, example in (
                ("account_relationship", self.accounts, account_row(0)),
                ("contact_relationship", self.contacts, contact_row(0)),
            ):
                table = _table(rows, example)
                connection.register("incoming", table)
                connection.execute(
                    f'create or replace table "{catalog}".rapport.{name} as select * from incoming'
                )
                connection.unregister("incoming")

    def change_accounts(self, indexes: list[int], **values: Any) -> None:
        for index in indexes:
            self.accounts[index].update(values)
        self.write()


def _table(rows: list[dict[str, Any]], example: dict[str, Any]) -> pa.Table:
    types = {
        str: pa.string(),
        float: pa.float64(),
        bool: pa.bool_(),
        date: pa.date32(),
        int: pa.int64(),
    }
    return pa.table(
        {
            name: pa.array([row[name] for row in rows], types[type(value)])
            for name, value in example.items()
        }
    )


@dataclass
class WritebackEnv:
    org: LocalOrg
    sf: Salesforce
    marts: Marts
    warehouse: WarehouseSettings
    options: WritebackSettings = field(default_factory=WritebackSettings)

    def sync(self, org: Any = None, **kwargs: Any) -> WritebackReport:
        """Sync with ``self.sf`` or ``org`` (a client, or a function that signs in)."""
        options = kwargs.pop("options", self.options)
        return sync_writeback(org or self.sf, warehouse=self.warehouse, options=options, **kwargs)

    def signing_in(self) -> tuple[Callable[[], Salesforce], list[Salesforce]]:
        """A password sign-in to call when needed, as the flow passes, and the clients it made.

        Unlike ``self.sf`` (on the org's session id), it costs a sign-in call.
        """
        made: list[Salesforce] = []

        def sign_in() -> Salesforce:
            info = self.org.info
            made.append(
                Salesforce(
                    username=info.username,
                    password=info.password,
                    security_token=info.security_token,
                    session=self.org.session(),
                )
            )
            return made[-1]

        return sign_in, made

    def sync_counting(self, **kwargs: Any) -> tuple[WritebackReport, list]:
        """Sync and return the requests the org answered during it."""
        self.org.request_log.clear()
        report = self.sync(**kwargs)
        return report, self.org.request_log.entries()

    def write_calls(self) -> int:
        return sum(
            1
            for entry in self.org.request_log.entries()
            if entry.method in ("PATCH", "POST", "PUT", "DELETE")
            and any(path in entry.path for path in WRITE_PATHS)
        )

    def crm(self, object_name: str, record_id: str, field_name: str) -> Any:
        return self.org.store.get(object_name, record_id)[field_name]

    def ledger_rows(self, run_id: str | None = None) -> list[dict[str, Any]]:
        with open_warehouse(self.warehouse) as sql:
            return WritebackLedger(sql, create=False).log_rows(run_id)

    def last_pushed(self, object_name: str) -> dict[str, dict[str, Any]]:
        with open_warehouse(self.warehouse) as sql:
            return WritebackLedger(sql, create=False).last_pushed(object_name)


def client(org: LocalOrg) -> Salesforce:
    """simple-salesforce on the org's session: no sign-in call to count."""
    return Salesforce(
        instance_url=org.info.instance_url,
        session_id=org.info.access_token,
        session=org.session(),
    )
