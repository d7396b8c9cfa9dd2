"""The Prefect flows: extract → transform → validate → write back.

Each stage is a flow of its own so it can be run, retried and scheduled alone;
``relationship_intelligence`` chains them and stops before write-back when a
quality gate fails.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

from connectors.salesforce.client import connect
from connectors.salesforce.load import LoadSummary, load_salesforce
from connectors.salesforce.mapping import ACCOUNT_MAPPING, updates_from_frame
from connectors.salesforce.writeback import push_composite
from expectations.gate import CheckResult, enforce, validate_dataframe
from expectations.suites import account_relationship_checks
from rapport.config import load_settings
from rapport.warehouse import DBT_PROJECT_DIR, export_dbt_env, read_table


@dataclass(frozen=True)
class WritebackSummary:
    attempted: int
    succeeded: int
    failed: int


@task(retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def extract_objects(full_refresh: bool, objects: list[str] | None) -> LoadSummary:
    settings = load_settings()
    sf = connect(settings.salesforce)
    return load_salesforce(sf, settings, full_refresh=full_refresh, objects=objects)


@flow(name="extract")
def extract(full_refresh: bool = False, objects: list[str] | None = None) -> LoadSummary:
    """Load Salesforce objects into the raw schema (incremental unless ``full_refresh``)."""
    summary = extract_objects(full_refresh, objects)
    get_run_logger().info("Rows extracted: %s", summary.rows_per_table)
    return summary


@flow(name="transform")
def transform() -> None:
    """Build and test the dbt project; every dbt node shows up as a Prefect task."""
    export_dbt_env(load_settings().warehouse)
    runner = PrefectDbtRunner(
        settings=PrefectDbtSettings(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    )
    runner.invoke(["build"])


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


@flow(name="writeback")
def writeback(dry_run: bool = False) -> WritebackSummary:
    """Write each account's type and strength to its CRM record."""
    settings = load_settings()
    logger = get_run_logger()
    frame = read_table(settings.warehouse, settings.warehouse.marts_schema, "account_relationship")
    updates = list(updates_from_frame(frame, ACCOUNT_MAPPING))
    if dry_run:
        logger.info("Dry run: %d account updates prepared, none sent.", len(updates))
        return WritebackSummary(attempted=0, succeeded=0, failed=0)
    sf = connect(settings.salesforce)
    outcomes = push_composite(
        sf, updates, settings.writeback.batch_size, settings.salesforce.timeout_seconds
    )
    failed = [o for o in outcomes if not o.success]
    for outcome in failed[:20]:
        logger.warning(
            "Account %s rejected: %s %s",
            outcome.update.record_id,
            outcome.error_code,
            outcome.message,
        )
    return WritebackSummary(len(outcomes), len(outcomes) - len(failed), len(failed))


@flow(name="relationship_intelligence")
def relationship_intelligence(
    full_refresh: bool = False,
    dry_run: bool = False,
    objects: list[str] | None = None,
) -> dict[str, int]:
    """Measure every account's relationship and write it back to the CRM.

    Args:
        full_refresh: re-extract every object from scratch instead of incrementally.
        dry_run: compute and validate everything, but send nothing to the CRM.
        objects: extract only these Salesforce objects (default: the configured list).
    """
    extract(full_refresh=full_refresh, objects=objects)
    transform()
    validate()
    summary = writeback(dry_run=dry_run)
    settings = load_settings()
    frame = read_table(settings.warehouse, settings.warehouse.marts_schema, "account_relationship")
    distribution = Counter(frame["relationship_type"])
    get_run_logger().info("Write-back: %s; types: %s", summary, dict(distribution))
    return dict(distribution)
