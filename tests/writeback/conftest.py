"""Fixtures for write-back: a small local org over HTTPS and its marts (tests/factories/writeback.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.salesforce.writeback.rapport_fields import FieldDefinition
from local_org.server import LocalOrg
from rapport.config import WarehouseSettings
from tests.factories.writeback import (
    Marts,
    WritebackEnv,
    account_row,
    build_store,
    client,
    contact_row,
)


@pytest.fixture(scope="session")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One certificate for the session: generating it is the slow part of starting an org."""
    return tmp_path_factory.mktemp("writeback-org")


@pytest.fixture
def make_env(tls_dir: Path, tmp_path: Path) -> Iterator[Callable[..., WritebackEnv]]:
    started: list[LocalOrg] = []

    def make(
        accounts: int = 20,
        contacts: int = 10,
        installed: Callable[[FieldDefinition], bool] = lambda d: True,
        warehouse_name: str = "warehouse.duckdb",
        **org_options: Any,
    ) -> WritebackEnv:
        org = LocalOrg.start(
            build_store(accounts, contacts, installed), state_dir=tls_dir, **org_options
        )
        started.append(org)
        marts = Marts(
            tmp_path / warehouse_name,
            [account_row(n) for n in range(accounts)],
            [contact_row(n) for n in range(contacts)],
        )
        marts.write()
        return WritebackEnv(org, client(org), marts, WarehouseSettings(path=marts.path))

    yield make
    for org in started:
        org.stop()


@pytest.fixture
def env(make_env) -> WritebackEnv:
    return make_env()
