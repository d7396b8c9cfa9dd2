"""dbt source freshness runs on a raw warehouse and its thresholds come from vars."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner

from rapport.environment import scoped_environ
from rapport.warehouse import DBT_PROJECT_DIR
from tests.factories.dbt import write_raw_tables

TEN_YEARS_HOURS = 24 * 365 * 10

# dbt parses or builds the project: seconds to minutes.
pytestmark = pytest.mark.slow


def source_freshness(
    warehouse: Path, target: Path, vars: dict | None = None, select: str | None = None
) -> tuple[bool, dict[str, dict]]:
    args = [
        "source",
        "freshness",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
        "--vars",
        json.dumps(vars or {}),
        "--quiet",
    ]
    if select:
        args += ["--select", select]
    with scoped_environ({"RAPPORT_DUCKDB_PATH": str(warehouse), "RAPPORT_TARGET": "duckdb"}):
        result = dbtRunner().invoke(args)
    results = json.loads((target / "sources.json").read_text())["results"]
    return result.success, {r["unique_id"].split(".")[-1]: r for r in results}


def test_freshness_is_measured_on_every_raw_table(tmp_path, generated_records):
    records, _ = generated_records
    warehouse = tmp_path / "rapport.duckdb"
    write_raw_tables(warehouse, records)

    _, default = source_freshness(warehouse, tmp_path / "target-default")
    assert len(default) == len(records)
    # The generated org is dated to the tests' as-of date, so the defaults may
    # warn or error, but every table is measured (no runtime error).
    assert {r["status"] for r in default.values()} <= {"pass", "warn", "error"}
    assert all(r["max_loaded_at"] for r in default.values())
    assert all(
        r["criteria"]["warn_after"] == {"count": 24, "period": "hour"}
        and r["criteria"]["error_after"] == {"count": 72, "period": "hour"}
        for r in default.values()
    )

    lenient = {
        "source_freshness_warn_hours": TEN_YEARS_HOURS,
        "source_freshness_error_hours": 2 * TEN_YEARS_HOURS,
    }
    success, relaxed = source_freshness(warehouse, tmp_path / "target-relaxed", lenient)
    assert success
    assert {r["status"] for r in relaxed.values()} == {"pass"}


def test_a_table_changed_an_hour_ago_is_fresh_and_a_week_old_one_errors(tmp_path):
    now = datetime.now(UTC)
    warehouse = tmp_path / "rapport.duckdb"
    rows = {
        "Account": [
            {"Id": "001000000000001AAA", "Name": "Acme", "SystemModstamp": now - timedelta(hours=1)}
        ],
        "Contact": [
            {"Id": "003000000000001AAA", "Name": "Ann", "SystemModstamp": now - timedelta(days=7)}
        ],
    }
    write_raw_tables(warehouse, rows)

    _, results = source_freshness(
        warehouse, tmp_path / "target", select="source:salesforce.account source:salesforce.contact"
    )

    assert results["account"]["status"] == "pass"
    assert results["contact"]["status"] == "error"
