"""The rapport command line: help everywhere, clear errors, and each command doing its job."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from connectors.salesforce.writeback.rapport_fields import rapport_fields
from rapport.cli import app
from tests.factories.output import assert_no_repr

runner = CliRunner()
RAPPORT = str(Path(sys.executable).with_name("rapport"))
COMMANDS = [
    [],
    ["demo"],
    ["run"],
    ["extract"],
    ["transform"],
    ["validate"],
    ["writeback"],
    ["install-fields"],
    ["report"],
    ["doctor"],
    ["local-org"],
    ["local-org", "serve"],
    ["local-org", "generate"],
    ["local-org", "export"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "rapport")
def test_every_command_has_help(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert len(result.output.splitlines()) > 5
    assert_no_repr(result.output)


def write_config(path: Path, org, warehouse: Path, **salesforce) -> Path:
    info = org.info
    config = {
        "salesforce": {
            "username": info.username,
            "password": info.password,
            "security_token": info.security_token,
            "local_org_url": info.instance_url,
            "ca_cert": info.ca_cert,
            **salesforce,
        },
        "warehouse": {"path": str(warehouse)},
        "state_dir": str(path.parent / "state"),
    }
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def bare_org(tmp_path):
    """A local org without Rapport's fields and with almost no API budget left."""
    from local_org.schema import standard_objects
    from local_org.server import LocalOrg
    from local_org.store import OrgStore

    store = OrgStore.create(standard_objects(include_rapport_fields=False))
    store.insert("Account", [{"Name": "Acme"}])
    with LocalOrg.start(store, state_dir=tmp_path / "org", daily_api_requests=20) as org:
        yield org


def spend_api_budget(org, calls: int) -> None:
    session = org.session()
    for _ in range(calls):
        session.get(
            f"{org.info.instance_url}/services/data/v59.0/limits",
            headers={"Authorization": f"Bearer {org.info.access_token}"},
            timeout=10,
        ).raise_for_status()


def test_doctor_names_each_problem_of_a_misconfigured_org(tmp_path, bare_org, monkeypatch):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the warehouse folder should be")
    config = write_config(tmp_path / "rapport.yml", bare_org, blocked / "rapport.duckdb")
    monkeypatch.setenv("RAPPORT_CONFIG", str(config))
    spend_api_budget(bare_org, calls=16)  # 17 of 20 used: past the 80% stop

    result = runner.invoke(app, ["doctor"])

    assert result.exit_code == 5
    rows = {
        line.split("│")[1].strip(): line
        for line in result.output.splitlines()
        if line.count("│") >= 3
    }
    assert "ok" in rows["sign-in"]
    assert "problem" in rows["API budget"] and "daily API requests" in result.output
    assert "problem" in rows["CRM fields"] and "Relationship_Type__c" in result.output
    assert "problem" in rows["warehouse"]
    assert "rapport install-fields" in re.sub(r"[\s│]+", " ", result.output)
    assert_no_repr(result.output)


@pytest.mark.slow
def test_doctor_names_a_refused_sign_in(tmp_path, bare_org, monkeypatch):
    config = write_config(
        tmp_path / "rapport.yml", bare_org, tmp_path / "w.duckdb", password="wrong"
    )
    monkeypatch.setenv("RAPPORT_CONFIG", str(config))

    result = runner.invoke(app, ["doctor"])

    assert result.exit_code == 5
    assert "INVALID_LOGIN" in result.output or "authentication failure" in result.output.lower()
    assert "wrong" not in result.output  # the secret itself is never shown


def test_install_fields_creates_the_missing_fields(tmp_path, bare_org, monkeypatch):
    monkeypatch.setenv(
        "RAPPORT_CONFIG",
        str(write_config(tmp_path / "rapport.yml", bare_org, tmp_path / "w.duckdb")),
    )
    bare_org.request_log.clear()
    first = runner.invoke(app, ["install-fields"])
    assert first.exit_code == 0, first.output
    assert "Relationship_Type__c" in bare_org.store.spec("Account").fields
    # One create per Rapport field the bare org lacks (it has none of them).
    assert bare_org.request_log.count("POST", "tooling/sobjects/CustomField") == len(
        rapport_fields()
    )
    assert_no_repr(first.output)
    fields = {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in first.output.splitlines()
        if line.count("│") >= 3
    }
    assert fields["Account.Relationship_Type__c"] == "created"
    assert (
        "Permission sets created: Rapport_Relationship_Fields, Rapport_Integration." in first.output
    )


@pytest.mark.slow
def test_errors_are_one_paragraph_with_an_exit_code(tmp_path):
    result = subprocess.run(
        [RAPPORT, "report", "--warehouse", str(tmp_path / "missing.duckdb")],
        capture_output=True,
        text=True,
        env=os.environ | {"RAPPORT_CONFIG": str(tmp_path / "none.yml")},
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "missing.duckdb" in result.stderr
    assert_no_repr(result.stdout + result.stderr)

    debug = subprocess.run(
        [RAPPORT, "--debug", "report", "--warehouse", str(tmp_path / "missing.duckdb")],
        capture_output=True,
        text=True,
        env=os.environ | {"RAPPORT_CONFIG": str(tmp_path / "none.yml")},
    )
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_local_org_generate_then_export(tmp_path):
    org_file = tmp_path / "org.duckdb"
    generated = runner.invoke(
        app, ["local-org", "generate", "--accounts", "12", "--seed", "4", "--out", str(org_file)]
    )
    assert generated.exit_code == 0, generated.output
    assert_no_repr(generated.output)
    labels = list(csv.DictReader((tmp_path / "org.labels.csv").open()))
    assert len(labels) == 12

    exported = runner.invoke(
        app, ["local-org", "export", "--store", str(org_file), "--out", str(tmp_path / "csv")]
    )
    assert exported.exit_code == 0, exported.output
    assert_no_repr(exported.output)
    with (tmp_path / "csv" / "Account.csv").open() as handle:
        accounts = list(csv.DictReader(handle))
    assert sorted(a["Id"] for a in accounts) == sorted(label["account_id"] for label in labels)
    assert (
        "relationship_type" not in (tmp_path / "csv" / "Account.csv").read_text()
    )  # the truth stays outside


def test_report_command_writes_the_html(tmp_path, monkeypatch):
    from tests.factories.report import generate

    warehouse = tmp_path / "rapport.duckdb"
    generate(warehouse, snapshots=2)
    monkeypatch.setenv("RAPPORT_CONFIG", str(tmp_path / "none.yml"))
    out = tmp_path / "report.html"

    result = runner.invoke(app, ["report", "--warehouse", str(warehouse), "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert_no_repr(result.output)
    assert out.read_text().lstrip().lower().startswith("<!doctype html>")


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_stage_commands_run_one_after_another(small_org):
    for command in (["extract"], ["transform"], ["validate"], ["writeback", "--dry-run"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, f"{command}: {result.output}"
        assert "Run summary" in result.output
        assert_no_repr(result.output)
    assert small_org.org.request_log.count("PATCH", "composite") == 0  # a dry run writes nothing
    assert "Dry run" in result.output or "dry run" in result.output.lower()


STAMP = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S* +"


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_run_piped_prints_a_line_per_stage_with_counts_and_a_summary(shared_run):
    """Off a terminal (CI, cron), the log shows where a run is and what it did.

    The first run is the session's shared `rapport run --full-refresh` of the
    small org (tests/factories/flow_run.py): on an empty warehouse it is the
    same run as a plain `rapport run`.
    """
    from rapport.config import load_settings

    result = shared_run

    assert result.exit_code == 0, result.output
    progress_lines = result.stderr
    for stage, counts in [
        ("extract", r"\d+ of \d+ objects, [\d,]+ rows in all \([\d,]+ rows/s\)"),
        ("dbt build", r"\d+ of \d+ models built"),
        ("gates", r"\d+ of \d+ suites checked, \d+ passed"),
        ("write-back", r"[\d,]+ of [\d,]+ records sent, [\d,]+ API calls"),
    ]:
        assert re.search(STAMP + re.escape(stage) + r" .*" + counts, progress_lines, re.M), stage
    summary = result.stdout
    rows = {
        cells[1].strip(): cells[2:]
        for cells in (line.split("│") for line in summary.splitlines())
        if len(cells) >= 4
    }
    for entry in load_settings().extract.objects:
        assert entry.name in rows, f"{entry.name} missing from the summary"
    header = next(line for line in summary.splitlines() if "created" in line)
    for counter in ("created", "updated", "unchanged", "conflicts", "failed"):
        assert counter in header
    assert int(rows["Account"][0].strip().replace(",", "")) > 0  # rows extracted
    assert re.search(r"API requests used today: [\d,]+ of [\d,]+ \([\d,]+ left\)", summary)
    assert_no_repr(result.output)

    again = runner.invoke(app, ["run", "--json"])

    assert again.exit_code == 0, again.output
    data = json.loads(again.stdout)  # stdout holds the JSON and nothing else
    assert set(data["stages"]) == {"extract", "transform", "validate", "writeback"}
    assert set(data["stages"]["writeback"]["totals"]) >= {"created", "updated", "unchanged"}
    assert data["stages"]["writeback"]["totals"]["unchanged"] > 0  # nothing new to write
    assert sum(data["relationship_types"].values()) == 60
