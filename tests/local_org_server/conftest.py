"""Fixtures for the local org tests: small hand-built data, real HTTPS servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from local_org.server import LocalOrg
from local_org.store import OrgStore
from tests.factories.local_org import (
    PAGED_ACCOUNTS,
    build_store,
)


@pytest.fixture
def store() -> OrgStore:
    return build_store()


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One certificate for the whole run: generating it is the slow part of a start."""
    return tmp_path_factory.mktemp("local-org-state")


@pytest.fixture(scope="module")
def read_org(state_dir: Path) -> Iterator[LocalOrg]:
    """A shared org for tests that only read."""
    with LocalOrg.start(build_store(extra_accounts=PAGED_ACCOUNTS), state_dir=state_dir) as org:
        yield org


@pytest.fixture
def write_org(state_dir: Path) -> Iterator[LocalOrg]:
    """A fresh org per test for tests that change records."""
    with LocalOrg.start(build_store(), state_dir=state_dir) as org:
        yield org
