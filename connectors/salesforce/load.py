"""Run the dlt pipeline that loads Salesforce objects into the warehouse's raw schema."""

from __future__ import annotations

from dataclasses import dataclass

import dlt
from simple_salesforce import Salesforce

from connectors.salesforce.catalog import select_objects
from connectors.salesforce.source import salesforce_source
from rapport.config import Settings
from rapport.warehouse import dlt_destination


@dataclass(frozen=True)
class LoadSummary:
    rows_per_table: dict[str, int]
    load_ids: list[str]


def pipeline(settings: Settings) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name="rapport_salesforce",
        destination=dlt_destination(settings.warehouse),
        dataset_name=settings.warehouse.raw_schema,
        pipelines_dir=str((settings.state_dir / "dlt").resolve()),
    )


def load_salesforce(
    sf: Salesforce, settings: Settings, full_refresh: bool = False, objects: list[str] | None = None
) -> LoadSummary:
    """Extract the configured objects and merge them into the raw schema.

    ``full_refresh`` drops the tables and watermarks of the loaded objects so
    the next extraction starts again from scratch.
    """
    source = salesforce_source(
        sf,
        select_objects(settings.extract.objects, objects),
        overlap_seconds=settings.extract.overlap_seconds,
        timeout=settings.salesforce.timeout_seconds,
    )
    p = pipeline(settings)
    info = p.run(source, refresh="drop_sources" if full_refresh else None)
    info.raise_on_failed_jobs()
    rows = {
        table: count
        for table, count in p.last_trace.last_normalize_info.row_counts.items()
        if not table.startswith("_dlt")
    }
    return LoadSummary(rows_per_table=rows, load_ids=list(info.loads_ids))
