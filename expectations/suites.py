"""The gates' suites, as plain data: which expectations guard which table."""

from __future__ import annotations

from expectations.gate import Check
from rapport.typology import type_codes

SCORE_COLUMNS = (
    "strength_score",
    "engagement_score",
    "reciprocity_score",
    "stakeholder_coverage_score",
    "value_score",
)


def account_relationship_checks() -> list[Check]:
    """The write-back's source: one row per account, a known type, scores in range."""
    checks = [
        Check("expect_column_values_to_be_unique", {"column": "account_id"}),
        Check("expect_column_values_to_not_be_null", {"column": "account_id"}),
        Check("expect_column_values_to_not_be_null", {"column": "relationship_type"}),
        Check(
            "expect_column_values_to_be_in_set",
            {"column": "relationship_type", "value_set": type_codes()},
        ),
    ]
    checks += [
        Check(
            "expect_column_values_to_be_between",
            {"column": column, "min_value": 0, "max_value": 100},
        )
        for column in SCORE_COLUMNS
    ]
    return checks
