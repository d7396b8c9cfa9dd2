"""Warnings go on, severities come from config, and every run leaves a trace."""

from __future__ import annotations

import json
import logging

import pytest

from expectations.describes import StaticDescribes
from expectations.gate import enforce
from expectations.report import gate_markdown
from expectations.runner import run_gates
from expectations.suites import SuiteConfigError
from tests.factories import account_id, contact_id

ACCOUNT_DESCRIBE = {
    "name": "Account",
    "fields": [
        {"name": "Id", "type": "id", "picklistValues": []},
        {
            "name": "Industry",
            "type": "picklist",
            # No "Banking": the org's picklist was edited since the data was entered.
            "picklistValues": [{"value": v, "active": True} for v in ["Retail", "Energy", "Other"]],
        },
    ],
}


def test_a_picklist_value_missing_from_describe_is_a_reported_warning(
    make_settings, warehouse, caplog
):
    settings = make_settings()
    describes = StaticDescribes({"Account": ACCOUNT_DESCRIBE})

    report = run_gates(settings, describes=describes)

    [picklist] = [r for r in report.results if r.check == "picklist_values" and not r.success]
    assert (picklist.suite, picklist.column, picklist.severity) == (
        "raw_account",
        "industry",
        "warning",
    )
    banking = [
        r[0]
        for r in warehouse.rows(
            "select id from {cat}.salesforce.account where industry = 'Banking' order by id"
        )
    ]
    assert picklist.sample_ids == banking[:5]
    assert "Banking" in picklist.observed_value
    assert report.passed
    with caplog.at_level(logging.WARNING):
        enforce(report.results)  # does not raise
    assert "raw_account: expect_column_values_to_be_in_set on industry" in caplog.text
    markdown = gate_markdown(report)
    assert "**Passed**" in markdown
    assert "| warning | raw_account | picklist_values |" in markdown
    stored = warehouse.rows(
        "select severity, success, sample_ids from {cat}.rapport_audit.validation_results "
        "where check_name = 'picklist_values' and column_name = 'industry'"
    )
    assert stored == [("warning", False, json.dumps(banking[:5]))]


def test_a_severity_lowered_in_config_reports_instead_of_stopping(make_settings, warehouse):
    warehouse.execute(
        "insert into {cat}.salesforce.contact select * from {cat}.salesforce.contact where id = ?",
        [contact_id(2)],
    )
    settings = make_settings(severity={"raw_contact.id_unique": "warning"})

    report = run_gates(settings)

    [duplicate] = [r for r in report.results if not r.success]
    assert (duplicate.check, duplicate.severity) == ("id_unique", "warning")
    enforce(report.results)
    assert "| warning | raw_contact | id_unique |" in gate_markdown(report)


def test_an_override_naming_no_check_is_refused(make_settings):
    settings = make_settings(severity={"raw_contact.id_unqiue": "warning"})

    with pytest.raises(SuiteConfigError, match=r"raw_contact\.id_unqiue"):
        run_gates(settings)


def test_every_run_is_kept_in_the_results_table_and_in_data_docs(make_settings, warehouse):
    settings = make_settings(data_docs=True)
    first = run_gates(settings, run_id="run-one")
    warehouse.execute(
        "delete from {cat}.rapport.account_relationship where account_id = ?", [account_id(2)]
    )
    second = run_gates(settings, run_id="run-two")

    stored = warehouse.rows(
        "select run_id, count(*), count(*) filter (where not success) "
        "from {cat}.rapport_audit.validation_results group by run_id order by run_id"
    )
    assert stored == [("run-one", len(first.results), 0), ("run-two", len(second.results), 1)]
    [failure] = warehouse.rows(
        "select suite, check_name, expectation, column_name, severity, observed_value, sample_ids "
        "from {cat}.rapport_audit.validation_results where not success"
    )
    assert failure[:5] == (
        "account_relationship",
        "one_row_per_live_account",
        "expect_one_row_per_live_raw_row",
        "account_id",
        "error",
    )
    assert "1 live account rows missing" in failure[5]
    assert json.loads(failure[6]) == [account_id(2)]

    index = second.data_docs_index
    assert index is not None and index.name == "index.html" and index.exists()
    html = index.read_text()
    assert "run-one" in html and "run-two" in html
    assert list(index.parent.glob("validations/account_relationship/metrics/run-two/*/*.html"))
