"""Read a whole object's current values with one Bulk API 2.0 query job, in a few calls.

A REST query pages 2,000 records a call, so reading the current values of
10,000 changed accounts costs 5 calls, and of 100,000 contacts 50. A Bulk
API 2.0 query job costs the same few calls whatever the size: create, a
poll or two, and one result page per 250,000 records or so (the server
chooses the page size). ``crm_read.py`` picks whichever needs fewer calls.

CSV carries text only: an empty cell is null (Rapport's canonical form has
no empty text either), numbers and booleans are typed back from the
field's describe type before ``values.from_crm_value`` makes them canonical.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from simple_salesforce import Salesforce
from simple_salesforce.util import call_salesforce

from connectors.salesforce.writeback.crm_schema import CrmField
from connectors.salesforce.writeback.values import NUMBER_TYPES
from rapport.errors import RapportError

# Calls planned for a job: create, two polls, then one per result page.
BULK_READ_FIXED_CALLS = 3
# Salesforce sizes result pages itself; this is the estimate for planning.
BULK_READ_PAGE_RECORDS = 250_000
FAILED_STATES = frozenset({"Failed", "Aborted"})


class BulkReadError(RapportError, RuntimeError):
    """The query job failed or did not finish in time; nothing was read."""


def typed_csv_value(field: CrmField, text: str) -> Any:
    """A Bulk CSV cell as the JSON value a REST query would have given."""
    if text == "":
        return None
    if field.type in NUMBER_TYPES:
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if field.type in ("int", "long") and number.is_integer() else number
    if field.type == "boolean":
        return text.lower() == "true"
    return text


def bulk_query_rows(
    sf: Salesforce,
    soql: str,
    *,
    poll_seconds: float = 1.0,
    max_poll_seconds: float = 10.0,
    timeout_seconds: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, str]]:
    """Every row of ``soql`` as CSV text by column name, from one Bulk API 2.0 query job."""
    body = {
        "operation": "query",
        "query": soql,
        "contentType": "CSV",
        "columnDelimiter": "COMMA",
        "lineEnding": "LF",
    }
    job_id = sf.restful("jobs/query", method="POST", json=body)["id"]
    _wait(sf, job_id, poll_seconds, max_poll_seconds, timeout_seconds, sleep)
    locator = ""
    while True:
        params = {"locator": locator} if locator else None
        response = call_salesforce(
            url=f"{sf.bulk2_url}query/{job_id}/results",
            method="GET",
            session=sf.session,
            headers={**sf.headers, "Accept": "text/csv"},
            params=params,
        )
        yield from csv.DictReader(io.StringIO(response.content.decode("utf-8")))
        locator = response.headers.get("Sforce-Locator") or ""
        if locator in ("", "null"):
            return


def _wait(
    sf: Salesforce,
    job_id: str,
    poll_seconds: float,
    max_poll_seconds: float,
    timeout_seconds: float,
    sleep: Callable[[float], None],
) -> None:
    """Poll until the job completes, waiting twice as long each time."""
    waited, interval = 0.0, poll_seconds
    while True:
        sleep(interval)
        waited += interval
        info = sf.restful(f"jobs/query/{job_id}")
        state = info.get("state")
        if state == "JobComplete":
            return
        if state in FAILED_STATES:
            raise BulkReadError(
                f"Bulk query job {job_id} reading current CRM values ended {state}: "
                f"{info.get('errorMessage') or 'no message'}"
            )
        if waited >= timeout_seconds:
            raise BulkReadError(
                f"Bulk query job {job_id} reading current CRM values still {state} "
                f"after {waited:.0f}s"
            )
        interval = min(interval * 2, max_poll_seconds)


def bulk_read_values(
    sf: Salesforce, soql: str, fields: Sequence[CrmField]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(record id, field → typed value) for every row the query returns."""
    for row in bulk_query_rows(sf, soql):
        yield row["Id"], {f.name: typed_csv_value(f, row.get(f.name, "")) for f in fields}
