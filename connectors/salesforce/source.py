"""The dlt source: one resource per Salesforce object, merged on Id.

dlt keeps each object's ``SystemModstamp`` watermark in its state, and re-reads
``overlap_seconds`` before it (dlt's ``lag``) so that a record committed late
at the boundary is never lost; merging on Id makes the re-read rows harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.normalizers.naming.snake_case import NamingConvention
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceResourceNotFound

from connectors.salesforce.catalog import ObjectConfig
from connectors.salesforce.fields import ExtractField, extractable_fields, records_to_arrow

logger = logging.getLogger(__name__)

PAGE_ROWS = 2000
_NAMING = NamingConvention()
WATERMARK = "SystemModstamp"


def soql_datetime(value: datetime) -> str:
    """SOQL datetime literals are unquoted ISO 8601 in UTC."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace("000Z", "Z")


def table_name(object_name: str) -> str:
    """The warehouse table name dlt gives an object (``Survey_Response__c`` → ``survey_response_c``)."""
    return _NAMING.normalize_table_identifier(object_name)


def build_soql(object_name: str, fields: list[ExtractField], since: datetime | None) -> str:
    soql = f"SELECT {', '.join(f.name for f in fields)} FROM {object_name}"
    if since is not None:
        soql += f" WHERE {WATERMARK} >= {soql_datetime(since)}"
    return soql + f" ORDER BY {WATERMARK}"


def _pages(records: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    page: list[dict[str, Any]] = []
    for record in records:
        page.append(record)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


def object_resource(
    sf: Salesforce,
    object_name: str,
    fields: list[ExtractField],
    overlap_seconds: int,
    timeout: float,
):
    def rows(
        modstamp=dlt.sources.incremental(WATERMARK, lag=overlap_seconds),
    ) -> Iterator[pa.Table]:
        soql = build_soql(object_name, fields, modstamp.start_value)
        logger.info("Extracting %s: %s", object_name, soql)
        for page in _pages(sf.query_all_iter(soql, timeout=timeout), PAGE_ROWS):
            yield records_to_arrow(page, fields)

    return dlt.resource(
        rows,
        name=table_name(object_name),
        primary_key="Id",
        write_disposition="merge",
    )


@dlt.source(name="salesforce", max_table_nesting=0)
def salesforce_source(
    sf: Salesforce,
    objects: list[ObjectConfig],
    overlap_seconds: int = 300,
    timeout: float = 120.0,
):
    """Yield a resource for every configured object the org has.

    An object the org lacks (no Survey_Response__c in a given org, say) is
    skipped with a warning rather than failing the whole extraction.
    """
    for entry in objects:
        object_name = entry.name
        try:
            describe = sf.restful(f"sobjects/{object_name}/describe", timeout=timeout)
        except SalesforceResourceNotFound:
            logger.warning("Skipping %s: the org has no such object.", object_name)
            continue
        fields = extractable_fields(object_name, describe, entry.include, entry.exclude)
        yield object_resource(sf, object_name, fields, overlap_seconds, timeout)
