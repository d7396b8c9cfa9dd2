"""Connector test data: a small org's records (every value type, awkward text, a
deleted record), its store, and an ``Extraction`` joining an org to a warehouse.

Records carry SystemModstamps spread over days in the past, so an incremental
run that re-reads only the overlap window is told apart from a full one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import duckdb
from pydantic import BaseModel

from connectors.salesforce.api.client import SalesforceClient
from connectors.salesforce.api.ids import make_id
from connectors.salesforce.extract.fields import SKIPPED_TYPES, column_name
from connectors.salesforce.extract.load import LoadSummary, load_salesforce, open_client, pipeline
from connectors.salesforce.extract.source import table_name
from local_org.schema import ObjectSpec, standard_objects
from local_org.server import LocalOrg
from local_org.store import OrgStore
from rapport.config import ExtractSettings, SalesforceSettings, Settings, WarehouseSettings
from tests.factories.ids import account_id

ModelT = TypeVar("ModelT", bound=BaseModel)


BASE_STAMP = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


ACCOUNTS = 1000


TRICKY_TEXT = 'Line one, with "quotes"\nline two; naïve café, 100% ✓'


def stamp(minutes: int) -> datetime:
    return BASE_STAMP + timedelta(minutes=minutes)


def _system(minutes: int) -> dict[str, datetime]:
    at = stamp(minutes)
    return {"CreatedDate": at, "LastModifiedDate": at, "SystemModstamp": at}


def connector_records(accounts: int = ACCOUNTS) -> dict[str, list[dict[str, Any]]]:
    """A small org: every value type, awkward text, a record already deleted."""
    users = [
        {"Id": make_id("005", n), "Name": f"User {n}", "Username": f"u{n}@example.com",
         "Email": f"u{n}@example.com", "IsActive": n != 3, **_system(n)}
        for n in range(1, 4)
    ]  # fmt: skip
    industries = ["Banking", "Retail", "Energy", None]
    account_rows = [
        {
            "Id": account_id(n),
            "Name": f"Account {n:05d}" if n % 7 else f"O'Brien & Sons, {n}",
            "Industry": industries[n % 4],
            "AnnualRevenue": None if n % 5 == 0 else n * 1000.25,
            "NumberOfEmployees": n,
            "BillingCity": "Paris" if n % 2 else None,
            "OwnerId": users[n % 3]["Id"],
            "Estimated_Annual_Wallet__c": n * 10.5,
            **_system(10 * n),
        }
        for n in range(1, accounts + 1)
    ]
    account_rows.append(
        {"Id": account_id(accounts + 1), "Name": "Gone Ltd", "IsDeleted": True, **_system(5)}
    )
    contacts = [
        {
            "Id": make_id("003", n),
            "AccountId": account_id(n),
            "FirstName": "Liam" if n % 2 else None,
            "LastName": f"O'Brien {n}",
            "Email": f"c{n}@example.com",
            **_system(10 * n + 3),
        }
        for n in range(1, 41)
    ]
    opportunities = [
        {
            "Id": make_id("006", n),
            "AccountId": account_id(n),
            "Name": f"Deal {n}",
            "StageName": "Closed Won" if n % 3 == 0 else "Prospecting",
            "Amount": n * 99.99,
            "Probability": 10.0 * (n % 10),
            "CloseDate": date(2025, 1, 1) + timedelta(days=n),
            "IsClosed": n % 3 == 0,
            "IsWon": n % 3 == 0,
            **_system(10 * n + 4),
        }
        for n in range(1, 31)
    ]
    surveys = [
        {
            "Id": make_id("a01", n),
            "Name": f"Survey {n}",
            "Account__c": account_id(n),
            "Score__c": float(n % 11),
            "Comment__c": TRICKY_TEXT if n % 2 else None,
            "Responded_At__c": stamp(n),
            **_system(10 * n + 5),
        }
        for n in range(1, 11)
    ]
    return {
        "User": users,
        "Account": account_rows,
        "Contact": contacts,
        "Opportunity": opportunities,
        "Survey_Response__c": surveys,
    }


def connector_store(
    accounts: int = ACCOUNTS, objects: dict[str, ObjectSpec] | None = None
) -> OrgStore:
    store = OrgStore.create(objects if objects is not None else standard_objects())
    for object_name, records in connector_records(accounts).items():
        if object_name in store.objects:
            store.insert(object_name, records)
    return store


@dataclass
class Extraction:
    """One org, one warehouse, and the settings that join them."""

    org: LocalOrg
    settings: Settings
    clients: list[SalesforceClient] = field(default_factory=list)

    def configure(self, **extract: Any) -> None:
        self.settings = self.settings.model_copy(
            update={"extract": changed(self.settings.extract, **extract)}
        )

    def configure_salesforce(self, **salesforce: Any) -> None:
        self.settings = self.settings.model_copy(
            update={"salesforce": changed(self.settings.salesforce, **salesforce)}
        )

    def move_to(self, folder: Path) -> None:
        """A warehouse and state of its own, for a second extraction beside a test's first."""
        self.settings = self.settings.model_copy(
            update={
                "warehouse": self.settings.warehouse.model_copy(
                    update={"path": folder / "rapport.duckdb"}
                ),
                "state_dir": folder / "state",
            }
        )

    def run(self, objects: list[str] | None = None, full_refresh: bool = False) -> LoadSummary:
        client = open_client(self.settings)
        self.clients.append(client)
        return load_salesforce(client, self.settings, full_refresh=full_refresh, objects=objects)

    def raw(self, object_name: str) -> dict[str, dict[str, Any]]:
        """The raw table of ``object_name`` by Id, without dlt's and Rapport's bookkeeping."""
        return {
            row["id"]: {k: v for k, v in row.items() if not k.startswith("_")}
            for row in self.raw_rows(object_name)
        }

    def raw_rows(self, object_name: str) -> list[dict[str, Any]]:
        path = self.settings.warehouse.path
        if not path.exists():
            return []
        with duckdb.connect(str(path), read_only=True) as connection:
            connection.execute("SET TimeZone = 'UTC'")
            schema = self.settings.warehouse.raw_schema
            table = table_name(object_name)
            exists = connection.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchone()[0]
            if not exists:
                return []
            relation = connection.sql(f'select * from "{schema}"."{table}"')
            names = relation.columns
            return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]

    def in_org(self, object_name: str) -> dict[str, dict[str, Any]]:
        """The org's records (deleted ones included), keyed and named as the raw table is."""
        return org_records(self.org.store, object_name)

    def resource_state(self, object_name: str) -> dict[str, Any]:
        state = pipeline(self.settings).state.get("sources", {}).get("salesforce", {})
        return state.get("resources", {}).get(table_name(object_name), {})

    def assert_raw_equals_org(self, *object_names: str) -> None:
        for object_name in object_names:
            raw, org = self.raw(object_name), self.in_org(object_name)
            assert raw.keys() == org.keys(), f"{object_name}: Ids differ"
            rows = len(self.raw_rows(object_name))
            assert rows == len(raw), f"{object_name}: duplicate Ids in the raw table"
            for record_id, expected in org.items():
                assert raw[record_id] == expected, f"{object_name} {record_id} differs"


def changed(model: ModelT, **changes: Any) -> ModelT:
    """A validated copy (``model_copy(update=...)`` would skip validation: no SecretStr)."""
    return type(model).model_validate({**dict(model), **changes})


def org_records(store: OrgStore, object_name: str) -> dict[str, dict[str, Any]]:
    spec = store.spec(object_name)
    names = [f.name for f in spec.fields.values() if f.type not in SKIPPED_TYPES]
    result = store.query(
        f"SELECT {', '.join(names)} FROM {spec.name}",
        include_deleted="IsDeleted" in spec.fields,
    )
    return {
        record["Id"]: {column_name(name): value for name, value in record.items()}
        for record in result.records()
    }


def settings_for(org: LocalOrg, tmp_path: Path, **extract: Any) -> Settings:
    info = org.info
    salesforce = SalesforceSettings(
        auth="password",
        username=info.username,
        password=info.password,
        security_token=info.security_token,
        local_org_url=info.instance_url,
        ca_cert=Path(info.ca_cert),
        timeout_seconds=30,
        retry_backoff_seconds=0.01,
        retry_max_backoff_seconds=0.05,
    )
    return Settings(
        salesforce=salesforce,
        warehouse=WarehouseSettings(path=tmp_path / "warehouse" / "rapport.duckdb"),
        state_dir=tmp_path / "state",
        extract=ExtractSettings(bulk_poll_seconds=0.02, bulk_max_poll_seconds=0.2, **extract),
    )
