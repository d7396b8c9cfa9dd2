"""The floor for Bulk extraction: the same result pages, streamed to nowhere.

``record_bulk_queries`` notes the SOQL of every Bulk query job the connector
starts; ``download_seconds`` then runs each again with nothing but requests:
create the job, poll it, stream every result page (same page size) and drop
the bytes. Extraction ÷ this is what parsing, Arrow and dlt's extract cost
on top of the wire.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from simple_salesforce import Salesforce

from connectors.salesforce.extract.bulk import BulkQuery


@contextmanager
def record_bulk_queries() -> Iterator[list[tuple[str, bool]]]:
    seen: list[tuple[str, bool]] = []
    original = BulkQuery.create

    def create(self, soql: str, include_deleted: bool) -> str:
        seen.append((soql, include_deleted))
        return original(self, soql, include_deleted)

    BulkQuery.create = create
    try:
        yield seen
    finally:
        BulkQuery.create = original


def download_seconds(sf: Salesforce, queries: list[tuple[str, bool]], page_rows: int) -> dict:
    """Seconds and bytes to run ``queries`` as Bulk jobs and stream every page."""
    session, url = sf.session, sf.bulk2_url
    headers = {**sf.headers, "Content-Type": "application/json"}
    total_bytes = 0
    started = time.perf_counter()
    for soql, include_deleted in queries:
        body = {
            "operation": "queryAll" if include_deleted else "query",
            "query": soql,
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        }
        job = session.post(f"{url}query", json=body, headers=headers).json()["id"]
        delay = 0.05
        while session.get(f"{url}query/{job}", headers=headers).json()["state"] != "JobComplete":
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        locator = ""
        while True:
            params = {"maxRecords": page_rows, **({"locator": locator} if locator else {})}
            with session.get(
                f"{url}query/{job}/results",
                headers={**headers, "Accept": "text/csv"},
                params=params,
                stream=True,
            ) as response:
                response.raise_for_status()
                for chunk in response.iter_content(1 << 20):
                    total_bytes += len(chunk)
                locator = response.headers.get("Sforce-Locator") or ""
            if not locator or locator == "null":
                break
    return {"seconds": round(time.perf_counter() - started, 2), "bytes": total_bytes}
