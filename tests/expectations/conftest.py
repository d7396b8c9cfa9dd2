"""Fixtures for the gate tests: a small warehouse and settings for it (tests/factories/gates.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.config import (
    Settings,
)
from tests.factories.gates import (
    Warehouse,
    build_warehouse,
    settings_for,
)


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return build_warehouse(tmp_path / "warehouse" / "rapport.duckdb")


@pytest.fixture
def make_settings(tmp_path: Path, warehouse: Warehouse):
    def make(**gates) -> Settings:
        return settings_for(warehouse, tmp_path / "state", **gates)

    return make
