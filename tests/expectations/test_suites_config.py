"""suites.yml is data: a malformed entry is refused with its name, overrides resolve predictably."""

from __future__ import annotations

import pytest

from expectations.suites import (
    Severities,
    SuiteConfigError,
    default_suites,
    parse_suites,
)


def test_the_shipped_suites_parse_and_leave_mart_invariants_to_dbt():
    suites = default_suites()

    assert {s.name for s in suites.raw_checks("contact")} >= {"id_unique", "account_id_present"}
    mart_checks = {name: {s.name for s in m.checks} for name, m in suites.marts.items()}
    assert mart_checks == {
        "account_relationship": {"one_row_per_live_account", "type_distribution_shift"},
        "contact_relationship": {"one_row_per_live_contact"},
    }


@pytest.mark.parametrize(
    "entry",
    [
        {"check": "in_range", "expect": "expect_column_values_to_be_between", "column": "x"},
        {"check": "unique", "metric": "duplicate_values", "column": "account_id"},
    ],
)
def test_a_mart_check_dbt_owns_is_refused(entry):
    with pytest.raises(SuiteConfigError, match=r"marts\.account_relationship\.\w+: .*dbt tests"):
        parse_suites(
            {"marts": {"account_relationship": {"id_column": "account_id", "checks": [entry]}}}
        )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"metric": "duplicate_values"}, "needs a 'check' name"),
        (
            {"check": "x", "severity": "fatal", "metric": "null_values"},
            "raw.every_table.x: severity",
        ),
        (
            {"check": "x", "metric": "null_values", "expect": "y"},
            "raw.every_table.x: needs exactly one",
        ),
        ({"check": "x", "metric": "vibes"}, "unknown metric 'vibes'"),
        ({"check": "x", "from_describe": "colours"}, "unknown describe generator"),
    ],
)
def test_a_malformed_entry_is_refused_by_name(entry, message):
    with pytest.raises(SuiteConfigError, match=message):
        parse_suites({"raw": {"every_table": [entry]}})


def test_duplicate_check_names_in_a_suite_are_refused():
    entry = {"check": "same", "metric": "null_values", "column": "id"}
    with pytest.raises(SuiteConfigError, match=r"raw\.tables\.contact: check names must be unique"):
        parse_suites({"raw": {"every_table": [entry], "tables": {"contact": [entry]}}})


def test_an_exact_override_wins_over_a_pattern():
    severities = Severities({"raw_*.id_unique": "warning", "raw_account.id_unique": "error"})

    assert severities.resolve("raw_account", "id_unique", "error") == "error"
    assert severities.resolve("raw_contact", "id_unique", "error") == "warning"
    assert severities.resolve("raw_contact", "id_not_null", "error") == "error"
