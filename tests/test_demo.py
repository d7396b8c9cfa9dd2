"""``rapport demo`` on a folder of CSV exports written by another tool."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from tests.factories.orgs import generated_store
from tests.factories.output import assert_no_repr

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

# What a Data Loader export of four objects might hold: a subset of the
# fields, upper-case headers, 15-character Ids.
EXPORTED_FIELDS = {
    "Account": ["Id", "Name", "Industry", "CreatedDate", "SystemModstamp", "IsDeleted"],
    "Contact": [
        "Id",
        "AccountId",
        "FirstName",
        "LastName",
        "Title",
        "CreatedDate",
        "SystemModstamp",
    ],
    "Opportunity": [
        "Id",
        "AccountId",
        "Name",
        "StageName",
        "Amount",
        "CloseDate",
        "IsClosed",
        "IsWon",
        "CreatedDate",
        "SystemModstamp",
    ],
    "Task": [
        "Id",
        "AccountId",
        "WhoId",
        "Subject",
        "ActivityDate",
        "CallType",
        "CreatedDate",
        "SystemModstamp",
    ],
}


def export_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) == 18 and value[:3].isalnum() and value[3:5] == "5g":
        return value[:15]
    return value


def write_export(folder: Path, objects: tuple[str, ...] = tuple(EXPORTED_FIELDS)) -> int:
    store, labels = generated_store(accounts=40, seed=11)
    for object_name in objects:
        fields = EXPORTED_FIELDS[object_name]
        records = store.query(f"SELECT {', '.join(fields)} FROM {object_name}").records()
        frame = pd.DataFrame([{f.upper(): export_value(r[f]) for f in fields} for r in records])
        frame.to_csv(folder / f"{object_name}.csv", index=False)
    return len(labels)


def demo_on_export(tmp_path: Path, objects: tuple[str, ...]) -> tuple[int, Path, str]:
    """Write an export of ``objects`` and run `rapport demo --org-data` on it."""
    from typer.testing import CliRunner

    from rapport.cli import app

    export = tmp_path / "export"
    export.mkdir()
    accounts = write_export(export, objects)
    warehouse = tmp_path / "warehouse" / "rapport.duckdb"
    arguments = [
        "--org-data",
        str(export),
        "--warehouse",
        str(warehouse),
        "--state-dir",
        str(tmp_path / "state"),
    ]
    result = CliRunner().invoke(app, ["demo", *arguments])
    assert result.exit_code == 0, result.output
    assert f"({accounts} accounts)" in result.output
    assert "(not set)" not in result.output  # every account's type came back from the CRM
    assert_no_repr(result.output)
    return accounts, warehouse, result.output


@pytest.fixture(autouse=True)
def no_config_file(tmp_path, monkeypatch):
    monkeypatch.setenv("RAPPORT_CONFIG", str(tmp_path / "absent.yml"))


def test_demo_runs_on_a_csv_export_with_upper_case_headers(tmp_path):
    _, _, output = demo_on_export(tmp_path, tuple(EXPORTED_FIELDS))
    assert (tmp_path / "export" / "Account.csv").read_text().startswith("ID,NAME,")
    assert "Generator ground truth" not in output


def test_pipeline_completes_on_an_org_with_only_accounts_and_opportunities(tmp_path):
    """Types still come out; confidence says how little the org could tell."""
    from rapport.warehouse import duckdb_connection

    _, warehouse, _ = demo_on_export(tmp_path, ("Account", "Opportunity"))
    with duckdb_connection(warehouse) as connection:
        confidence = connection.sql(
            "select max(confidence) from rapport.rapport.account_relationship"
        ).fetchone()[0]
    assert confidence < 0.5
