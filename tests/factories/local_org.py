"""Local org test data and clients: hand-built sample records, stores, and
simple-salesforce or plain HTTPS calls to a running org.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import requests
from simple_salesforce import Salesforce

from connectors.salesforce.api.ids import make_id
from connectors.salesforce.api.local_routing import local_org_session
from local_org.schema import standard_objects
from local_org.server import LocalOrg
from local_org.store import OrgStore
from tests.factories.ids import account_id, contact_id, opportunity_id

PAGED_ACCOUNTS = 4_500  # more than two full pages of 2,000


def sample_records() -> dict[str, list[dict]]:
    """A handful of records covering every value type and the awkward cases (nulls, quotes)."""
    created = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    return {
        "User": [
            {
                "Id": make_id("005", 1),
                "Name": "Ada Admin",
                "Username": "ada@example.com",
                "Email": "ada@example.com",
                "IsActive": True,
            },
        ],
        "Account": [
            {
                "Id": account_id(1),
                "Name": "Acme",
                "Industry": "Banking",
                "Type": "Customer - Direct",
                "AnnualRevenue": 5_000_000.0,
                "NumberOfEmployees": 120,
                "BillingCity": "Paris",
                "BillingCountry": "France",
                "OwnerId": make_id("005", 1),
                "CreatedDate": created,
            },
            {
                "Id": account_id(2),
                "Name": "O'Brien & Sons",
                "Industry": "Retail",
                "AnnualRevenue": 250_000.0,
                "NumberOfEmployees": 12,
                "CreatedDate": datetime(2025, 3, 2, 8, 0, tzinfo=UTC),
            },
            {
                "Id": account_id(3),
                "Name": "globex",
                "Industry": None,
                "NumberOfEmployees": None,
                "CreatedDate": datetime(2025, 2, 27, 23, 59, 59, tzinfo=UTC),
            },
            {
                "Id": account_id(4),
                "Name": "100%_Pure",
                "Industry": "Energy",
                "NumberOfEmployees": 7,
                "CreatedDate": datetime(2025, 1, 15, 12, 0, tzinfo=UTC),
            },
            {
                "Id": account_id(5),
                "Name": "Deleted Ltd",
                "Industry": "Banking",
                "IsDeleted": True,
                "CreatedDate": created,
            },
        ],
        "Contact": [
            {
                "Id": contact_id(1),
                "AccountId": account_id(1),
                "FirstName": "Grace",
                "LastName": "Hopper",
                "Email": "grace@acme.example",
                "LeadSource": "Web",
            },
            {
                "Id": contact_id(2),
                "AccountId": account_id(2),
                "FirstName": "Liam",
                "LastName": "O'Brien",
                "LeadSource": None,
            },
        ],
        "Opportunity": [
            {
                "Id": opportunity_id(1),
                "AccountId": account_id(1),
                "Name": "Acme renewal",
                "StageName": "Closed Won",
                "Amount": 125_000.5,
                "Probability": 100,
                "CloseDate": date(2025, 3, 1),
                "IsClosed": True,
                "IsWon": True,
            },
            {
                "Id": opportunity_id(2),
                "AccountId": account_id(2),
                "Name": "O'Brien upsell",
                "StageName": "Prospecting",
                "Amount": None,
                "Probability": 10,
                "CloseDate": date(2025, 6, 30),
                "IsClosed": False,
                "IsWon": False,
            },
            {
                "Id": opportunity_id(3),
                "AccountId": account_id(1),
                "Name": "Acme expansion",
                "StageName": "Negotiation/Review",
                "Amount": 40_000.0,
                "Probability": 70,
                "CloseDate": date(2025, 4, 15),
                "IsClosed": False,
                "IsWon": False,
            },
        ],
    }


def build_store(extra_accounts: int = 0, path: Path | None = None) -> OrgStore:
    store = OrgStore.create(standard_objects(), path)
    for object_name, records in sample_records().items():
        store.insert(object_name, records)
    if extra_accounts:
        store.insert(
            "Account",
            [
                {"Id": account_id(1000 + n), "Name": f"Paged {n:05d}", "NumberOfEmployees": n}
                for n in range(extra_accounts)
            ],
        )
    return store


def client(org: LocalOrg, token: str | None = None) -> Salesforce:
    """simple-salesforce on the org's session id, as the connector uses it."""
    info = org.info
    return Salesforce(
        instance_url=info.instance_url,
        session_id=token or info.access_token,
        session=local_org_session(info.instance_url, info.ca_cert),
    )


def raw(
    org: LocalOrg, method: str, path: str, token: str | None = None, **kwargs: Any
) -> requests.Response:
    """One plain HTTPS call, for endpoints simple-salesforce has no client for."""
    headers = {"Authorization": f"Bearer {token or org.info.access_token}"}
    headers.update(kwargs.pop("headers", {}))
    session = _shared_session(org.info.instance_url, org.info.ca_cert)
    return session.request(method, org.info.instance_url + path, headers=headers, **kwargs)


@functools.lru_cache(maxsize=8)
def _shared_session(instance_url: str, ca_cert: str) -> requests.Session:
    """One pooled connection per org: a TLS handshake per call would dominate the tests."""
    return local_org_session(instance_url, ca_cert)


def fresh_org(state_dir: Path, **options: Any) -> LocalOrg:
    """A new org over the sample records; ``options`` go to ``LocalOrg.start``."""
    return LocalOrg.start(build_store(), state_dir=state_dir, **options)
