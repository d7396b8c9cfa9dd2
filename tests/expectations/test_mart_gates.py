"""Mart suites: the account_relationship and contact_relationship contracts.

Independent defects share one broken warehouse and one gate run (GX costs
tens of milliseconds per expectation); each test reads its own defect.
"""

from __future__ import annotations

import pytest

from expectations.gate import GateFailed, enforce
from expectations.marts import total_variation_distance
from expectations.report import gate_markdown
from expectations.runner import run_gates
from tests.factories import account_id, contact_id
from tests.factories.gates import build_warehouse, settings_for

SCORE_250 = account_id(4)
CONFIDENCE_ABOVE_ONE = account_id(1)
UNKNOWN_TYPE = account_id(2)
NULL_TYPE = account_id(3)
MISSING_FROM_MART = account_id(6)
DELETED_BUT_IN_MART = account_id(10)
HUGE_INFLUENCE = contact_id(7)


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    folder = tmp_path_factory.mktemp("broken-marts")
    warehouse = build_warehouse(folder / "rapport.duckdb")
    mart = "{cat}.rapport.account_relationship"
    warehouse.execute(f"update {mart} set strength_score = 250 where account_id = ?", [SCORE_250])
    warehouse.execute(
        f"update {mart} set confidence = 1.5 where account_id = ?", [CONFIDENCE_ABOVE_ONE]
    )
    warehouse.execute(
        f"update {mart} set relationship_type = 'soulmate' where account_id = ?", [UNKNOWN_TYPE]
    )
    warehouse.execute(
        f"update {mart} set relationship_type = null where account_id = ?", [NULL_TYPE]
    )
    warehouse.execute(f"delete from {mart} where account_id = ?", [MISSING_FROM_MART])
    # The tenth account is soft-deleted in raw: a mart row for it is one too many.
    warehouse.execute(
        f"insert into {mart} select ?, name, 'prospect', 'Prospect', 1, 0.1, 'stable', "
        "1, 1, 1, null, null, 1, 1, 0, current_date "
        "from {cat}.salesforce.account where id = ?",
        [DELETED_BUT_IN_MART, DELETED_BUT_IN_MART],
    )
    warehouse.execute(
        "update {cat}.rapport.contact_relationship set buying_influence = 'huge' "
        "where contact_id = ?",
        [HUGE_INFLUENCE],
    )
    return run_gates(settings_for(warehouse, folder / "state"))


def failed(report, suite: str, check: str):
    return [r for r in report.results if r.suite == suite and r.check == check and not r.success]


def test_an_out_of_range_score_is_stopped_with_the_account_and_value(broken):
    with pytest.raises(GateFailed) as failure:
        enforce(broken.results)
    message = str(failure.value)
    assert "suite account_relationship" in message
    assert "expect_column_values_to_be_between on strength_score" in message
    assert SCORE_250 in message
    assert "250" in message


def test_confidence_above_one_an_unknown_type_and_a_null_type_are_stopped(broken):
    [confidence] = failed(broken, "account_relationship", "confidence_in_range")
    assert confidence.sample_ids == [CONFIDENCE_ABOVE_ONE]
    [unknown] = failed(broken, "account_relationship", "type_known")
    assert unknown.sample_ids == [UNKNOWN_TYPE]
    assert "soulmate" in unknown.observed_value
    [null] = failed(broken, "account_relationship", "type_not_null")
    assert null.sample_ids == [NULL_TYPE]


def test_the_mart_must_hold_one_row_per_live_account(broken):
    [coverage] = failed(broken, "account_relationship", "one_row_per_live_account")
    assert coverage.sample_ids == sorted([MISSING_FROM_MART, DELETED_BUT_IN_MART])
    assert "1 live account rows missing, 1 rows with no live account" in coverage.observed_value


def test_contact_influence_must_be_in_the_allowed_set(broken):
    [influence] = failed(broken, "contact_relationship", "influence_allowed")
    assert influence.sample_ids == [HUGE_INFLUENCE]


def test_exactly_the_injected_defects_fail(broken):
    assert sorted((r.suite, r.check, r.column or "") for r in broken.errors) == [
        ("account_relationship", "confidence_in_range", "confidence"),
        ("account_relationship", "one_row_per_live_account", "account_id"),
        ("account_relationship", "scores_in_range", "strength_score"),
        ("account_relationship", "type_known", "relationship_type"),
        ("account_relationship", "type_not_null", "relationship_type"),
        ("contact_relationship", "influence_allowed", "buying_influence"),
    ]


def test_the_markdown_summary_names_what_stopped_the_run(broken):
    markdown = gate_markdown(broken)

    assert "**Stopped**" in markdown
    assert "| error | account_relationship | type_not_null |" in markdown
    assert NULL_TYPE in markdown
    assert "| account_relationship | 16 | 5 |" in markdown


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
