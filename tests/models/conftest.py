"""Fixtures for the dbt tests: a build into a per-test target, and a generated org's records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.factories.dbt import run_dbt
from tests.factories.orgs import generated_store


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
