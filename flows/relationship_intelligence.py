"""The parent flow: extract → transform → validate → write back.

Each stage is a flow of its own so it can be run, retried and scheduled alone;
this one chains them and stops before write-back when a quality gate fails.
"""

from __future__ import annotations

from collections import Counter

from prefect import flow, get_run_logger
from prefect.artifacts import create_link_artifact, create_markdown_artifact

from flows import extract as extract_stage
from flows import transform as transform_stage
from flows import validate as validate_stage
from flows import writeback as writeback_stage
from flows.artifacts import distribution_markdown
from flows.settings import Target, run_settings
from flows.warehouse_limit import warehouse_slot
from rapport.gc_settings import collect_for_a_pipeline_run
from rapport.run_lock import run_lock
from rapport.warehouse import backend_for, read_table


@flow(name="relationship_intelligence")
def relationship_intelligence(
    full_refresh: bool = False,
    dry_run: bool = False,
    objects: list[str] | None = None,
    target: Target | None = None,
) -> dict[str, int]:
    """Measure every account's relationship and write it back to the CRM.

    Args:
        full_refresh: re-extract every object from scratch instead of incrementally.
        dry_run: compute and validate everything, but send nothing to the CRM.
        objects: extract only these Salesforce objects (default: the configured catalog).
        target: the warehouse to use (default: warehouse.type from settings).
    """
    # A deployment's worker runs this flow in a process of its own, not via the CLI.
    collect_for_a_pipeline_run()
    logger = get_run_logger()
    settings = run_settings(target)
    # Before anything runs: a warehouse that cannot hold a stage fails here,
    # not after extract and transform succeeded.
    backend_for(settings.warehouse).probe()
    # One run per warehouse: the Prefect limit covers workers sharing a server,
    # the file lock covers this machine (and is already held by `rapport run`).
    wait = settings.run_lock_timeout_seconds
    with (
        run_lock(settings.warehouse, settings.state_dir, "flow relationship_intelligence", wait),
        warehouse_slot(settings.warehouse, wait),
    ):
        extracted = None
        if settings.source.extracts:
            extracted = extract_stage.extract(
                full_refresh=full_refresh, objects=objects, target=target
            )
        else:
            logger.info("Raw tables landed by %s: nothing to extract.", settings.source.loader)
        build = transform_stage.transform(full_refresh=full_refresh, target=target)
        validate_stage.validate(target=target, build=build)
        if extracted is not None and extracted.budget_stop and not dry_run:
            # The rest of the budget belongs to the next extraction, which resumes
            # where this one stopped; the CRM keeps the previous, consistent answer.
            logger.warning("Write-back skipped: extraction stopped for the API budget.")
        else:
            writeback_stage.writeback(dry_run=dry_run, target=target)
        distribution = publish_distribution(settings)
        publish_report_link(settings)
    logger.info("Relationship types: %s", distribution)
    return distribution


def publish_distribution(settings) -> dict[str, int]:
    marts = settings.warehouse.marts_schema
    current = Counter(
        read_table(settings.warehouse, marts, "account_relationship")["relationship_type"]
    )
    history = read_table(settings.warehouse, marts, "relationship_history")
    earlier = history[history["as_of_date"] < history["as_of_date"].max()]
    previous = (
        Counter(earlier[earlier["as_of_date"] == earlier["as_of_date"].max()]["relationship_type"])
        if len(earlier)
        else None
    )
    create_markdown_artifact(
        key="type-distribution",
        markdown=distribution_markdown(current, previous),
        description="Accounts per relationship type, and the change since the last run",
    )
    return dict(current)


def publish_report_link(settings) -> None:
    from rapport.report import write_report

    path = write_report(settings, settings.state_dir / "relationship_report.html")
    create_link_artifact(
        key="relationship-report",
        link=path.resolve().as_uri(),
        link_text="Relationship report (HTML)",
    )
