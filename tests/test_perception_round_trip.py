"""The rep's perceived type round-trips: org -> extract -> mart -> report, never written back.

Issue #15's acceptance: ``Relationship_Perceived_Type__c`` is set in the org
(by the generator for a share of accounts, and by a rep through the API
between two runs), lands in the raw table, in ``account_relationship`` and in
the report's matrix, and write-back never sends it; the gap it causes
reaches the CRM as ``Relationship_Perception_Gap__c``.
"""

from __future__ import annotations

import pytest
from simple_salesforce import Salesforce

from connectors.salesforce.api.client import connect
from rapport.config import WarehouseSettings, load_settings
from rapport.report import write_report
from rapport.typology import relationship_types
from rapport.warehouse import read_table
from tests.factories.report import parse_html

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

PERCEIVED = "Relationship_Perceived_Type__c"
GAP = "Relationship_Perception_Gap__c"
CODES = {t.label: t.code for t in relationship_types()}
GAP_LABELS = {
    "none": "No Gap",
    "overestimated": "Overestimated",
    "underestimated": "Underestimated",
}


def crm_accounts(sf: Salesforce, fields: tuple[str, ...] = (PERCEIVED, GAP)) -> dict[str, dict]:
    records = sf.query_all(f"SELECT Id, {', '.join(fields)} FROM Account")["records"]
    return {r["Id"]: r for r in records}


def raw_perceived(settings) -> dict[str, str | None]:
    raw = read_table(settings.warehouse, "salesforce", "account")
    [column] = [c for c in raw.columns if c.replace("__", "_") == "relationship_perceived_type_c"]
    return {
        r["id"]: r[column] if isinstance(r[column], str) else None for r in raw.to_dict("records")
    }


def mart(warehouse) -> dict[str, dict]:
    frame = read_table(warehouse, "rapport", "account_relationship")
    frame = frame.astype(object).where(frame.notna(), None)
    return {r["account_id"]: r for r in frame.to_dict("records")}


def never_sent_perceived(settings) -> None:
    state = read_table(settings.warehouse, "rapport_audit", "writeback_state")
    log = read_table(settings.warehouse, "rapport_audit", "writeback_log")
    assert PERCEIVED not in set(state["field"])
    assert not log["fields_sent"].fillna("").str.contains(PERCEIVED).any()
    assert GAP in set(state["field"])


def matrix_count(html: str, perceived: str, computed: str) -> int:
    table = parse_html(html).find("table", data_table="perception-matrix")
    row = next(r for r in table.find_all("tr") if r.attrs.get("data-perceived") == perceived)
    cell = next(c for c in row.find_all("td") if c.attrs.get("data-computed") == computed)
    text = cell.text.strip()
    return int(text) if text.isdigit() else 0


def test_the_reps_perceived_type_round_trips_and_is_never_written_back(shared_run, tmp_path):
    """The first run is the session's shared full run of the small org (tests/factories/flow_run.py)."""
    from flows.relationship_intelligence import relationship_intelligence

    settings = load_settings()
    sf = connect(settings.salesforce)
    # The rep's field as it was before the first run (the gap field was not there
    # yet: the first write-back installed it).
    before = {i: {PERCEIVED: v} for i, v in shared_run.extra["perceived_before"].items()}
    set_by_generator = {i: r[PERCEIVED] for i, r in before.items() if r[PERCEIVED]}
    assert set_by_generator, "the generator sets the rep's view for a share of accounts"

    # Extracted as it is in the org, and in the mart as its type code, from the rep.
    assert {i: v for i, v in raw_perceived(settings).items() if v} == set_by_generator
    first = mart(settings.warehouse)
    for account, label in set_by_generator.items():
        assert first[account]["perceived_type"] == CODES[label]
        assert first[account]["perception_source"] == "rep"
    # Write-back wrote the gap, left the rep's field alone.
    after_first = crm_accounts(sf)
    assert {i: r[PERCEIVED] for i, r in after_first.items()} == {
        i: r[PERCEIVED] for i, r in before.items()
    }
    for account, row in first.items():
        expected = GAP_LABELS.get(row["perception_gap"]) if row["perception_gap"] else None
        assert after_first[account][GAP] == expected, account
    never_sent_perceived(settings)

    # Between runs a rep says a passing relationship is a marriage.
    passing = sorted(
        account
        for account, row in first.items()
        if row["relationship_type"] in ("one_night_stand", "dating", "ex")
        and row["perceived_type"] != "married"
    )
    assert passing, "the generated org holds one-night stands, dating and ex accounts"
    believer = passing[0]
    computed = first[believer]["relationship_type"]
    sf.Account.update(believer, {PERCEIVED: "Married"})

    relationship_intelligence()

    second = mart(settings.warehouse)
    assert raw_perceived(settings)[believer] == "Married"
    assert second[believer]["perceived_type"] == "married"
    assert second[believer]["perception_source"] == "rep"
    assert second[believer]["relationship_type"] == computed
    assert second[believer]["perception_gap"] == "overestimated"
    after_second = crm_accounts(sf)
    assert after_second[believer][PERCEIVED] == "Married"
    assert after_second[believer][GAP] == "Overestimated"
    assert {i: r[PERCEIVED] for i, r in after_second.items() if i != believer} == {
        i: r[PERCEIVED] for i, r in before.items() if i != believer
    }
    never_sent_perceived(settings)

    # The report's matrix counts the account where it now sits, and lists it first.
    html = write_report(settings, tmp_path / "report.html").read_text(encoding="utf-8")
    married_there = sum(
        1
        for row in second.values()
        if row["perceived_type"] == "married" and row["relationship_type"] == computed
    )
    assert matrix_count(html, "married", computed) == married_there >= 1
    listed = parse_html(html).find("table", data_table="perception-overestimated")
    flagged = [r.attrs["data-account"] for r in listed.find_all("tr") if "data-flagged" in r.attrs]
    assert believer in flagged


def test_a_csv_export_carrying_the_reps_view_reaches_the_mart(tmp_path, monkeypatch):
    """`rapport demo --org-data`: the perceived type in Account.csv is read like any field."""
    from typer.testing import CliRunner

    from local_org.csv_seed import export_csv
    from rapport.cli import app
    from tests.factories.orgs import generated_store

    monkeypatch.setenv("RAPPORT_CONFIG", str(tmp_path / "absent.yml"))
    store, _ = generated_store(accounts=40, seed=11)
    export_csv(store, tmp_path / "export", upper_case_headers=True)
    in_csv = {
        r["Id"]: r[PERCEIVED]
        for r in store.query(f"SELECT Id, {PERCEIVED} FROM Account").records()
        if r[PERCEIVED]
    }
    assert in_csv and PERCEIVED.upper() in (tmp_path / "export" / "Account.csv").read_text()
    warehouse = tmp_path / "warehouse" / "rapport.duckdb"

    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--org-data",
            str(tmp_path / "export"),
            "--warehouse",
            str(warehouse),
            "--state-dir",
            str(tmp_path / "state"),
        ],
    )

    assert result.exit_code == 0, result.output
    rows = mart(WarehouseSettings(path=warehouse))
    assert {i: CODES[v] for i, v in in_csv.items()} == {
        i: r["perceived_type"] for i, r in rows.items() if r["perception_source"] == "rep"
    }
