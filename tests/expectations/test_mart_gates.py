"""Mart suites: each mart against the raw rows and against the last accepted run.

A mart's own invariants (keys, accepted values, score ranges) are dbt tests
and not checked here (see expectations/__init__.py). Independent defects
share one broken warehouse and one gate run; each test reads its own defect.
"""

from __future__ import annotations

import pytest

from expectations.gate import GateFailed, enforce
from expectations.marts import total_variation_distance
from expectations.report import gate_markdown
from expectations.runner import run_gates
from tests.factories import account_id, contact_id
from tests.factories.gates import build_warehouse, settings_for

MISSING_FROM_MART = account_id(6)
DELETED_BUT_IN_MART = account_id(10)
CONTACT_MISSING_FROM_MART = contact_id(7)


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    folder = tmp_path_factory.mktemp("broken-marts")
    warehouse = build_warehouse(folder / "rapport.duckdb")
    mart = "{cat}.rapport.account_relationship"
    warehouse.execute(f"delete from {mart} where account_id = ?", [MISSING_FROM_MART])
    # The tenth account is soft-deleted in raw: a mart row for it is one too many.
    warehouse.execute(
        f"insert into {mart} select ?, name, 'prospect', 'Prospect', 1, 0.1, 'stable', "
        "1, 1, 1, null, null, 1, 1, 0, current_date "
        "from {cat}.salesforce.account where id = ?",
        [DELETED_BUT_IN_MART, DELETED_BUT_IN_MART],
    )
    warehouse.execute(
        "delete from {cat}.rapport.contact_relationship where contact_id = ?",
        [CONTACT_MISSING_FROM_MART],
    )
    return run_gates(settings_for(warehouse, folder / "state"))


def failed(report, suite: str, check: str):
    return [r for r in report.results if r.suite == suite and r.check == check and not r.success]


def test_the_mart_must_hold_one_row_per_live_account(broken):
    [coverage] = failed(broken, "account_relationship", "one_row_per_live_account")
    assert coverage.sample_ids == sorted([MISSING_FROM_MART, DELETED_BUT_IN_MART])
    assert "1 live account rows missing, 1 rows with no live account" in coverage.observed_value


def test_a_contact_missing_from_the_mart_stops_the_run_naming_it(broken):
    with pytest.raises(GateFailed) as failure:
        enforce(broken.results)
    message = str(failure.value)
    assert "suite contact_relationship" in message
    assert "check one_row_per_live_contact" in message
    assert CONTACT_MISSING_FROM_MART in message


def test_exactly_the_injected_defects_fail(broken):
    assert sorted((r.suite, r.check, r.column or "") for r in broken.errors) == [
        ("account_relationship", "one_row_per_live_account", "account_id"),
        ("contact_relationship", "one_row_per_live_contact", "contact_id"),
    ]


def test_the_markdown_summary_names_what_stopped_the_run(broken):
    markdown = gate_markdown(broken)

    assert "**Stopped**" in markdown
    assert "| error | account_relationship | one_row_per_live_account |" in markdown
    assert MISSING_FROM_MART in markdown
    assert "| account_relationship | 2 | 1 |" in markdown


def test_a_type_flip_across_the_book_is_stopped_but_the_first_run_passes(make_settings, warehouse):
    settings = make_settings(max_type_shift=0.25)
    first = run_gates(settings)
    [shift] = [r for r in first.results if r.check == "type_distribution_shift"]
    assert shift.success and "first run" in shift.observed_value

    warehouse.execute(
        "update {cat}.rapport.account_relationship set relationship_type = 'ex' "
        "where account_id in (select account_id from {cat}.rapport.account_relationship "
        "order by account_id limit 5)"
    )
    report = run_gates(settings)

    [shift] = failed(report, "account_relationship", "type_distribution_shift")
    assert shift.severity == "error"
    assert "total variation distance 0.556" in shift.observed_value
    assert "ex 0→5" in shift.observed_value
    assert [r.check for r in report.errors] == ["type_distribution_shift"]


def test_total_variation_distance():
    assert total_variation_distance({"a": 5, "b": 5}, {"a": 50, "b": 50}) == 0
    assert total_variation_distance({"a": 10}, {"b": 3}) == 1
    assert total_variation_distance({"a": 6, "b": 4}, {"a": 4, "b": 6}) == pytest.approx(0.2)
    assert total_variation_distance({}, {}) == 0
