"""The extract stage: Salesforce → the warehouse's raw schema, through dlt."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from connectors.salesforce.client import connect
from connectors.salesforce.load import LoadSummary, load_salesforce
from rapport.config import load_settings


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
