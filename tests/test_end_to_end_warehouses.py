"""The whole run on every supported warehouse: local org → marts → gates → write-back.

The CRM fields must equal the marts afterwards, and a second run must send
nothing, since the write-back ledger (in that same warehouse) remembers.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from connectors.salesforce.api.client import connect
from rapport.cli import app
from rapport.config import load_settings
from rapport.warehouse import read_table
from tests.factories.flow_run import WRITES
from tests.warehouses import SUPPORTED, use_warehouse

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def crm_fields(sf) -> dict[str, tuple[str | None, float | None]]:
    records = sf.query_all("SELECT Id, Relationship_Type__c, Relationship_Strength__c FROM Account")
    return {
        r["Id"]: (r["Relationship_Type__c"], r["Relationship_Strength__c"])
        for r in records["records"]
    }


def crm_and_mart(settings, mart) -> tuple[dict, dict]:
    """(type and strength per account in the CRM, the same from the mart), rounded alike."""
    expected = {
        account: (label, round(float(score), 1))
        for account, label, score in zip(
            mart["account_id"], mart["relationship_type_label"], mart["strength_score"], strict=True
        )
    }
    in_crm = {
        account: (label, None if score is None else round(float(score), 1))
        for account, (label, score) in crm_fields(connect(settings.salesforce)).items()
    }
    return in_crm, expected


def writes(org) -> int:
    return sum(org.request_log.count(method, path) for method, path in WRITES)


def rapport_run(*args: str) -> None:
    result = CliRunner().invoke(app, ["run", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)


@pytest.mark.parametrize("kind", SUPPORTED)
def test_run_writes_the_marts_back_then_nothing_the_second_time(
    kind, monkeypatch, tmp_path, request
):
    if kind == "duckdb":
        # DuckDB is the default warehouse: the session's shared full run of the
        # small org is this first run (tests/factories/flow_run.py).
        shared = request.getfixturevalue("shared_run")
        org, labels = shared.running.org, shared.running.labels
        use_warehouse(kind, monkeypatch, tmp_path, request)
        assert shared.exit_code == 0
        first = sum(shared.writes.values())
    else:
        small_org = request.getfixturevalue("small_org")
        org, labels = small_org.org, small_org.labels
        use_warehouse(kind, monkeypatch, tmp_path, request)
        rapport_run("--full-refresh")
        first = writes(org)

    settings = load_settings()
    assert settings.warehouse.type == kind
    mart = read_table(settings.warehouse, settings.warehouse.marts_schema, "account_relationship")
    in_crm, expected = crm_and_mart(settings, mart)
    assert len(expected) == len(labels)
    assert in_crm == expected
    assert first > 0
    before_second = writes(org)

    rapport_run()

    assert writes(org) == before_second  # the second run sent nothing
    log = read_table(settings.warehouse, settings.warehouse.audit_schema, "writeback_log")
    assert set(log["status"]) <= {"success", "already_in_crm"}
