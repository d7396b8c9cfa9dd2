"""Fixtures for the connector tests: small orgs served over HTTPS, and a throwaway
warehouse. The data and helpers are in tests/factories/connector.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from local_org.server import LocalOrg
from local_org.store import OrgStore
from tests.factories.connector import (
    Extraction,
    connector_store,
    settings_for,
)


@pytest.fixture(scope="session")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One certificate for the session: generating it is the slow part of starting an org."""
    return tmp_path_factory.mktemp("connector-tls")


@pytest.fixture
def start_org(tls_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., LocalOrg]]:
    monkeypatch.setenv("RAPPORT_CONFIG", str(tls_dir / "absent.yml"))
    started: list[LocalOrg] = []

    def start(store: OrgStore, **options: Any) -> LocalOrg:
        org = LocalOrg.start(store, state_dir=tls_dir, **options)
        started.append(org)
        return org

    yield start
    for org in started:
        org.stop()


@pytest.fixture
def extraction(start_org, tmp_path: Path) -> Callable[..., Extraction]:
    """``extraction(store, **org_options)``: an org serving ``store`` and settings to extract it."""

    def make(store: OrgStore | None = None, **org_options: Any) -> Extraction:
        org = start_org(store if store is not None else connector_store(), **org_options)
        return Extraction(org, settings_for(org, tmp_path))

    return make


@pytest.fixture
def rest_and_bulk(extraction, tmp_path: Path) -> Callable[..., tuple[Extraction, Extraction, Any]]:
    """``rest_and_bulk(objects, accounts, bulk_page_rows)``: the same org extracted
    twice, all by REST and all by Bulk in pages of ``bulk_page_rows``, each into
    its own warehouse; returns both extractions and the Bulk run's summary."""

    def run(objects: list[str], accounts: int, bulk_page_rows: int):
        via_rest = extraction(connector_store(accounts=accounts))
        via_rest.configure(bulk_threshold_rows=1_000_000)
        via_rest.run(objects=objects)
        via_bulk = extraction(connector_store(accounts=accounts))
        via_bulk.configure(bulk_threshold_rows=0, bulk_page_rows=bulk_page_rows)
        via_bulk.move_to(tmp_path / "bulk")
        return via_rest, via_bulk, via_bulk.run(objects=objects)

    return run
