"""Fixtures for the report tests: warehouses and rendered reports (tests/factories/report.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.factories.report import (
    Rendered,
    Warehouse,
    generate,
    parse_html,
)


@pytest.fixture
def make_warehouse(tmp_path: Path) -> Callable[..., Warehouse]:
    """Build a warehouse; the file is named rapport.duckdb, like the default, so
    its catalog collides with the marts schema as in production."""

    def build(snapshots: int = 2, **kwargs) -> Warehouse:
        folder = tmp_path / f"warehouse-{snapshots}-{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        return generate(folder / "rapport.duckdb", snapshots=snapshots, **kwargs)

    return build


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], Rendered]:
    """A report per number of snapshots, shared by the tests that only read it."""
    cache: dict[int, Rendered] = {}

    def get(snapshots: int) -> Rendered:
        if snapshots not in cache:
            from rapport.report import write_report

            folder = tmp_path_factory.mktemp(f"report-{snapshots}-snapshots")
            warehouse = generate(folder / "rapport.duckdb", snapshots=snapshots)
            report = write_report(warehouse.path, folder / "report.html", org_name="acme.example")
            html = report.read_text(encoding="utf-8")
            cache[snapshots] = Rendered(warehouse, report, html, parse_html(html))
        return cache[snapshots]

    return get
