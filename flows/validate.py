"""The validate stage: Great Expectations gates on the marts."""

from __future__ import annotations

from prefect import flow

from expectations.gate import CheckResult, enforce, validate_dataframe
from expectations.suites import account_relationship_checks
from rapport.config import load_settings
from rapport.warehouse import read_table


@flow(name="validate")
def validate() -> list[CheckResult]:
    """Gate the marts; raises GateFailed on any error-severity failure."""
    settings = load_settings()
    frame = read_table(settings.warehouse, settings.warehouse.marts_schema, "account_relationship")
    results = validate_dataframe(
        frame, "account_relationship", account_relationship_checks(), id_column="account_id"
    )
    enforce(results)
    return results
