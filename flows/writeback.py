"""The write-back stage: the marts' answers into CRM fields."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow, get_run_logger

from connectors.salesforce.client import connect
from connectors.salesforce.mapping import ACCOUNT_MAPPING, updates_from_frame
from connectors.salesforce.writeback import push_composite
from rapport.config import load_settings
from rapport.warehouse import read_table


@dataclass(frozen=True)
class WritebackSummary:
    attempted: int
    succeeded: int
    failed: int


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
