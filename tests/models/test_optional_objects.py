"""The project builds whatever the org holds; missing evidence lowers confidence, not the build."""

from __future__ import annotations

import pytest

from tests.factories.dbt import mart, write_raw_tables

pytestmark = pytest.mark.slow

OPTIONAL_TABLES = [
    "user",
    "contact",
    "opportunity_contact_role",
    "opportunity_competitor",
    "contract",
    "case",
    "task",
    "event",
    "email_message",
    "order",
    "survey_response_c",
]


def test_disabling_optional_objects_keeps_types_and_lowers_confidence(
    tmp_path, dbt_build, generated_records, generated_org_built
):
    _, labels = generated_records
    full = mart(generated_org_built.warehouse).set_index("account_id")
    # The same raw tables built again with the optional objects disabled, on a copy.
    warehouse = generated_org_built.copy_to(tmp_path)
    dbt_build(warehouse, vars={"disabled_objects": OPTIONAL_TABLES})
    reduced = mart(warehouse).set_index("account_id")

    assert len(reduced) == len(full) == len(labels)
    assert reduced["relationship_type"].notna().all()
    assert (reduced["confidence"] < full["confidence"]).all()
    # Signals from the disabled objects are unknown, not zero.
    signals = mart(warehouse, "int_account_signals", schema="rapport_intermediate")
    for column in (
        "active_contracts",
        "escalations_last_365",
        "late_deliveries_last_365",
        "competitor_deal_share",
    ):
        assert signals[column].isna().all(), column
    assert full["has_competitor_presence"].any() and not reduced["has_competitor_presence"].any()


def test_org_with_only_accounts_and_opportunities_builds(
    generated_records, accounts_and_opportunities_built
):
    records, _ = generated_records
    # accounts_and_opportunities_built: the raw tables of these two objects alone, built.
    result = mart(accounts_and_opportunities_built.warehouse)
    assert len(result) == len(records["Account"])
    assert set(result["relationship_type"]) >= {"prospect", "one_night_stand"}
    assert result["confidence"].max() < 0.5


def test_custom_field_columns_match_with_either_underscore_convention(
    tmp_path, dbt_build, generated_records, generated_org_built
):
    """dlt writes Score__c as score_c (JSON rows) or score__c (Arrow rows); both must work."""
    records, _ = generated_records
    # JSON-style names (score_c) are those of the shared build (write_raw_tables' default).
    arrow = tmp_path / "arrow.duckdb"
    write_raw_tables(arrow, records, column_name=_arrow_style)
    dbt_build(arrow)
    columns = ["account_id", "relationship_type", "experience_score", "competitive_score"]
    results = [mart(generated_org_built.warehouse)[columns], mart(arrow)[columns]]
    assert results[0].equals(results[1])
    assert results[0]["experience_score"].notna().any()


def _arrow_style(api_name: str) -> str:
    from tests.factories.dbt import NAMING

    # dlt keeps the double underscore of custom fields on the Arrow path.
    return (
        NAMING.normalize_identifier(api_name).replace("_c", "__c")
        if api_name.endswith("__c")
        else NAMING.normalize_identifier(api_name)
    )
