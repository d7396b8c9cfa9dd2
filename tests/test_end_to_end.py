"""The walking skeleton, end to end against a local org over HTTPS."""

from __future__ import annotations

import pytest
from simple_salesforce import Salesforce

from connectors.salesforce.api.client import connect
from rapport.config import load_settings
from rapport.warehouse import read_table
from tests.factories.flow_run import RUN_ARTIFACTS

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def crm_types(sf: Salesforce) -> dict[str, str | None]:
    records = sf.query_all("SELECT Id, Relationship_Type__c, Relationship_Strength__c FROM Account")
    return {r["Id"]: r["Relationship_Type__c"] for r in records["records"]}


def test_flow_writes_every_account_type_back_to_the_crm(shared_run):
    """Reads the session's shared full run (tests/factories/flow_run.py) of the small org."""
    settings = load_settings()
    mart = read_table(settings.warehouse, "rapport", "account_relationship")
    in_crm = crm_types(connect(settings.salesforce))
    labels = shared_run.running.labels
    assert len(mart) == len(labels) == len(in_crm)
    expected = dict(zip(mart["account_id"], mart["relationship_type_label"], strict=True))
    assert in_crm == expected
    assert sum(shared_run.distribution.values()) == len(labels)
    assert mart["strength_score"].between(0, 100).all()

    artifacts = shared_run.artifacts
    assert set(artifacts) == set(RUN_ARTIFACTS)
    assert "| account |" in artifacts["rows-extracted"]
    assert "model.rapport.account_relationship" in artifacts["dbt-models"]
    assert "First snapshot" in artifacts["type-distribution"]
    assert artifacts["relationship-report"].endswith("relationship_report.html)")


CORRUPTIONS = {
    # what is broken: (SQL run after dbt, words the gate's message must hold)
    # A mart's own invariants are dbt tests; the gate sees a mart that lost a live account.
    "mart row missing": (
        "delete from rapport.rapport.account_relationship where account_id = ?",
        ["suite account_relationship", "one_row_per_live_account", "1 live account rows missing"],
    ),
    "duplicate raw Ids": (
        "insert into rapport.salesforce.account select * from rapport.salesforce.account where id = ?",
        ["account", "unique"],
    ),
}


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_failed_gate_stops_the_flow_and_leaves_the_crm_unchanged(
    small_org, monkeypatch, corruption
):
    import flows.transform as transform_module
    from expectations.gate import GateFailed
    from flows.relationship_intelligence import relationship_intelligence
    from rapport.warehouse import duckdb_connection

    real_transform = transform_module.transform
    broken_id = small_org.labels[0]["account_id"]
    statement, expected_words = CORRUPTIONS[corruption]

    def transform_then_corrupt(**kwargs):
        real_transform(**kwargs)
        with duckdb_connection(load_settings().warehouse.path) as connection:
            connection.execute(statement, [broken_id])

    monkeypatch.setattr(transform_module, "transform", transform_then_corrupt)
    with pytest.raises(GateFailed) as failure:
        relationship_intelligence(full_refresh=True)

    message = str(failure.value)
    for words in expected_words:
        assert words in message
    assert broken_id in message
    assert small_org.org.request_log.count("PATCH", "composite") == 0
    assert small_org.org.request_log.count("POST", "jobs/ingest") == 0
    assert set(crm_types(connect(load_settings().salesforce)).values()) == {None}


def test_warning_level_failure_is_reported_and_write_back_proceeds(small_org, monkeypatch):
    import flows.transform as transform_module
    from flows.relationship_intelligence import relationship_intelligence
    from rapport.warehouse import duckdb_connection

    monkeypatch.setenv(
        "RAPPORT_GATES__SEVERITY", '{"contact_relationship.one_row_per_live_contact": "warning"}'
    )
    real_transform = transform_module.transform

    def transform_then_corrupt(**kwargs):
        real_transform(**kwargs)
        with duckdb_connection(load_settings().warehouse.path) as connection:
            connection.execute(
                "delete from rapport.rapport.contact_relationship "
                "where contact_id = (select min(contact_id) from rapport.rapport.contact_relationship)"
            )

    monkeypatch.setattr(transform_module, "transform", transform_then_corrupt)
    relationship_intelligence(full_refresh=True)

    settings = load_settings()
    results = read_table(settings.warehouse, "rapport_audit", "validation_results")
    warned = results[
        (results["check_name"] == "one_row_per_live_contact") & (~results["success"].astype(bool))
    ]
    assert set(warned["severity"]) == {"warning"}
    assert "contact_relationship" in set(warned["suite"])
    assert None not in set(crm_types(connect(settings.salesforce)).values())  # written all the same
