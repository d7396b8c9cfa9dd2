"""The parent flow: extract → transform → validate → write back.

Each stage is a flow of its own so it can be run, retried and scheduled alone;
this one chains them and stops before write-back when a quality gate fails.
"""

from __future__ import annotations

from collections import Counter

from prefect import flow, get_run_logger

from flows import extract as extract_stage
from flows import transform as transform_stage
from flows import validate as validate_stage
from flows import writeback as writeback_stage
from rapport.config import load_settings
from rapport.warehouse import read_table


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
        objects: extract only these Salesforce objects (default: the configured catalog).
    """
    extract_stage.extract(full_refresh=full_refresh, objects=objects)
    transform_stage.transform(full_refresh=full_refresh)
    validate_stage.validate()
    summary = writeback_stage.writeback(dry_run=dry_run)
    settings = load_settings()
    frame = read_table(settings.warehouse, settings.warehouse.marts_schema, "account_relationship")
    distribution = Counter(frame["relationship_type"])
    get_run_logger().info("Write-back: %s; types: %s", summary, dict(distribution))
    return dict(distribution)
