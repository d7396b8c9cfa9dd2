"""Fixtures for the dbt tests: a build into a per-test target, a generated org's
records, and builds of those records shared by the tests that only read them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.factories.dbt import run_dbt, write_raw_tables
from tests.factories.orgs import generated_store
from tests.factories.shared import once_per_session, private_copy


@pytest.fixture
def dbt_build(tmp_path: Path) -> Callable[..., None]:
    def build(warehouse: Path, vars: dict | None = None, command: str = "build") -> None:
        run_dbt(warehouse, tmp_path / "dbt-target", vars, command)

    return build


@pytest.fixture(scope="session")
def generated_records() -> tuple[dict[str, list[dict]], list[dict]]:
    store, labels = generated_store(accounts=120, seed=5)
    records = {
        name: store.query(
            f"SELECT {', '.join(f.name for f in spec.fields.values() if not f.is_compound)} FROM {name}"
        ).records()
        for name, spec in store.objects.items()
    }
    return records, labels


@dataclass(frozen=True)
class Built:
    """A warehouse the dbt project was built on, and the build's target directory.

    ``warehouse`` is this worker's own copy of the build (tests/factories/shared.py):
    read it; a test that builds on it again makes its own copy first (``copy_to``).
    ``target`` is shared by the workers: read only.
    """

    warehouse: Path
    target: Path

    def copy_to(self, folder: Path) -> Path:
        return private_copy(self.warehouse, folder)


def _shared_build(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    records: dict[str, list[dict]],
    unit_tests: bool = False,
) -> Built:
    def build(folder: Path) -> None:
        # Built in work/, then copied beside it: the builder's dbt keeps work/
        # open, and the copy, which no process opens, is what the workers copy.
        warehouse = folder / "work" / "rapport.duckdb"
        warehouse.parent.mkdir()
        write_raw_tables(warehouse, records)
        run_dbt(warehouse, folder / "dbt-target", unit_tests=unit_tests)
        private_copy(warehouse, folder)

    shared = once_per_session(tmp_path_factory, name, build)
    own = tmp_path_factory.mktemp(name) / "rapport.duckdb"
    shutil.copyfile(shared / "rapport.duckdb", own)
    return Built(own, shared / "dbt-target")


@pytest.fixture(scope="session")
def generated_org_built(tmp_path_factory, generated_records) -> Built:
    """The generated org's records, raw tables as dlt names them, built once a session.

    This is the build of the suite that runs the dbt unit tests
    (tests/models/test_unit_tests.py reads their results).
    """
    records, _ = generated_records
    return _shared_build(tmp_path_factory, "generated-org", records, unit_tests=True)


@pytest.fixture(scope="session")
def accounts_and_opportunities_built(tmp_path_factory, generated_records) -> Built:
    """The generated org reduced to accounts and opportunities, built once a session."""
    records, _ = generated_records
    kept = {k: v for k, v in records.items() if k in ("Account", "Opportunity")}
    return _shared_build(tmp_path_factory, "accounts-and-opportunities", kept)
