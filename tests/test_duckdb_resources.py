"""DuckDB's resources for dbt: a default that keeps a process within its memory budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.config import WarehouseSettings
from rapport.warehouse import connection


@pytest.mark.parametrize(
    ("physical_mib", "expected"),
    [
        (24 * 1024, "2048MiB"),  # this machine: capped, not half of 24 GB
        (6 * 1024, "1536MiB"),  # a small machine: a quarter
        (1024, "512MiB"),  # a tiny one: never below DuckDB's working minimum
    ],
)
def test_the_default_memory_limit_is_a_quarter_of_the_machine_at_most_2_gib(
    monkeypatch: pytest.MonkeyPatch, physical_mib: int, expected: str
) -> None:
    monkeypatch.setattr(connection, "_physical_memory_mib", lambda: physical_mib)
    resources = connection.duckdb_resources(WarehouseSettings(path=Path("w/rapport.duckdb")))
    assert resources["RAPPORT_DUCKDB_MEMORY_LIMIT"] == expected


def test_a_configured_memory_limit_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "_physical_memory_mib", lambda: 24 * 1024)
    settings = WarehouseSettings(path=Path("w/rapport.duckdb"), duckdb_memory_limit="6GB")
    assert connection.duckdb_resources(settings)["RAPPORT_DUCKDB_MEMORY_LIMIT"] == "6GB"
