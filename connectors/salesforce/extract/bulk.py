"""Bulk API 2.0 query jobs, read page by page into Arrow.

simple-salesforce's ``sf.bulk2`` runs a job from start to end in one call: it
hides the ``Sforce-Locator`` of each result page, reads each page into one
string, and keeps the session id it started with, so a session that expires
during a long job ends it (simple-salesforce issue 619). Here each step is
its own call through ``SalesforceClient.call``: a page that fails is fetched
again from the same locator, after a new sign-in if the session expired, and
the job id and locator can be kept to resume the job on the next run.

Each page is streamed to a temporary file and parsed by pyarrow's CSV reader
in blocks, with the types derived from describe, so memory stays bounded by
the block size whatever the object's size. While the caller parses a page and
writes it for dlt (page_file.py), the next page is already downloading
(``pages``): against the local org, parsing and Parquet writing cost more
than the download, so done one after the other they make extraction a
multiple of the wire time; overlapped, they hide behind a page the org is
still preparing or sending (when a core is free: on a saturated machine the
overlap cannot show, and the wall time follows the CPU).
"""

from __future__ import annotations

import csv
import json
import logging
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.csv as pa_csv
from simple_salesforce import Salesforce
from simple_salesforce.util import call_salesforce

from connectors.salesforce.api.budget import ApiBudgetReached
from connectors.salesforce.api.client import SalesforceApiError, SalesforceClient
from connectors.salesforce.extract.fields import (
    ExtractField,
    check_csv_header,
    csv_batch_to_arrow,
    csv_convert_options,
)
from rapport.errors import RapportError

logger = logging.getLogger(__name__)

CSV_BLOCK_BYTES = 4 << 20
DOWNLOAD_CHUNK_BYTES = 1 << 20
FINISHED_STATES = frozenset({"JobComplete", "Failed", "Aborted"})


class BulkJobFailed(RapportError, RuntimeError):
    """The org ended a query job without results (Failed, Aborted or timed out)."""


class BulkJobGone(RapportError, RuntimeError):
    """A job kept from an earlier run is no longer available; start a new one."""


@dataclass(frozen=True)
class BulkOptions:
    page_rows: int = 50_000
    # The first wait after an unfinished status; each later one doubles, up to
    # max_poll_seconds. Short, because a doubling schedule notices a job up to
    # its whole elapsed time late plus this first wait: starting at 1 s, a job
    # done in 1.1 s was seen at 3 s. From 0.1 s it is seen at 1.5 s, for four
    # more status calls on a job of a minute.
    poll_seconds: float = 0.1
    max_poll_seconds: float = 20.0
    job_timeout_seconds: float = 6 * 3600.0


class Clock(Protocol):
    """What polling needs of time; tests pass a fake one to check the schedule."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def poll_delays(first: float, longest: float) -> Iterator[float]:
    """Waits between status calls: ``first``, then doubling, never over ``longest``."""
    delay = min(first, longest)
    while True:
        yield delay
        delay = min(delay * 2, longest)


class BulkQuery:
    """Query jobs for one object."""

    def __init__(
        self,
        client: SalesforceClient,
        object_name: str,
        fields: list[ExtractField],
        options: BulkOptions,
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.object_name = object_name
        self.fields = fields
        self.options = options
        self.clock = clock or SystemClock()

    def create(self, soql: str, include_deleted: bool) -> str:
        """Start a job; returns its id."""
        body = json.dumps(
            {
                "operation": "queryAll" if include_deleted else "query",
                "query": soql,
                "contentType": "CSV",
                "columnDelimiter": "COMMA",
                "lineEnding": "LF",
            }
        )

        def create_job(sf: Salesforce) -> dict[str, Any]:
            response = call_salesforce(
                f"{sf.bulk2_url}query", "POST", session=sf.session, headers=_headers(sf), data=body
            )
            return response.json()

        job = self.client.call(create_job, f"creating a Bulk query job for {self.object_name}")
        logger.info("Bulk query job %s started for %s.", job["id"], self.object_name)
        return job["id"]

    def job_info(self, job_id: str) -> dict[str, Any]:
        def get_job(sf: Salesforce) -> dict[str, Any]:
            response = call_salesforce(
                f"{sf.bulk2_url}query/{job_id}", "GET", session=sf.session, headers=_headers(sf)
            )
            return response.json()

        return self.client.call(get_job, f"status of Bulk job {job_id} ({self.object_name})")

    def wait(self, job_id: str) -> None:
        """Poll until the job completes: at once, then waiting longer between polls as it runs."""
        deadline = self.clock.monotonic() + self.options.job_timeout_seconds
        delays = poll_delays(self.options.poll_seconds, self.options.max_poll_seconds)
        while True:
            try:
                job = self.job_info(job_id)
            except SalesforceApiError as error:
                if error.status == 404:
                    raise BulkJobGone(f"Bulk job {job_id} is no longer available") from None
                raise
            state = job.get("state")
            if state == "JobComplete":
                return
            if state in FINISHED_STATES:
                raise BulkJobFailed(
                    f"Bulk query job {job_id} for {self.object_name} ended {state}: "
                    f"{self.client.redactor.scrub(job.get('errorMessage') or 'no message')}"
                )
            delay = next(delays)
            if self.clock.monotonic() + delay > deadline:
                raise BulkJobFailed(
                    f"Bulk query job {job_id} for {self.object_name} did not finish within "
                    f"{self.options.job_timeout_seconds:.0f}s (state {state})."
                )
            self.clock.sleep(delay)

    def delete(self, job_id: str) -> None:
        """Delete a job whose results have all been read, so the org drops them at once.

        Salesforce keeps a finished job's results for seven days otherwise, and
        a local org holds them in memory. Best effort: the rows are already
        delivered, so a refusal, or the API budget spent, is only logged; a
        later run that tries to resume the job finds it gone and starts anew.
        """

        def delete_job(sf: Salesforce) -> None:
            call_salesforce(
                f"{sf.bulk2_url}query/{job_id}", "DELETE", session=sf.session, headers=_headers(sf)
            )

        try:
            self.client.call(delete_job, f"deleting Bulk job {job_id} ({self.object_name})")
        except (SalesforceApiError, ApiBudgetReached) as error:
            logger.warning(
                "Bulk job %s (%s) was read but not deleted: %s", job_id, self.object_name, error
            )

    def download_page(self, job_id: str, locator: str, target: Path) -> str:
        """Write one result page to ``target``; returns the next page's locator ("" at the end)."""

        def download(sf: Salesforce) -> str:
            params: dict[str, Any] = {"maxRecords": self.options.page_rows}
            if locator:
                params["locator"] = locator
            headers = {**_headers(sf), "Accept": "text/csv"}
            response = call_salesforce(
                f"{sf.bulk2_url}query/{job_id}/results",
                "GET",
                session=sf.session,
                headers=headers,
                params=params,
                stream=True,
            )
            with closing(response), target.open("wb") as out:
                for chunk in response.iter_content(DOWNLOAD_CHUNK_BYTES):
                    out.write(chunk)
                next_locator = response.headers.get("Sforce-Locator") or ""
            return "" if next_locator == "null" else next_locator

        try:
            return self.client.call(
                download, f"results of Bulk job {job_id} ({self.object_name}) at '{locator}'"
            )
        except SalesforceApiError as error:
            if error.status == 404 or error.error_code == "INVALID_LOCATOR":
                raise BulkJobGone(f"Bulk job {job_id} results are no longer available") from None
            raise

    def pages(self, job_id: str, locator: str, folder: Path) -> Iterator[tuple[Path, str]]:
        """Each result page from ``locator`` on, as (its file, the next page's locator).

        The next page downloads in a background thread while the caller reads
        the one yielded, into the other of two files in ``folder``. Only one
        request is in flight at a time and the caller makes none while it
        holds a page, so the client is never used by two threads at once. A
        page is yielded only once it is whole on disk, and a failed download
        is raised when the caller asks for that page: the caller, which moves
        its locator past a page only after delivering it, resumes at the first
        page it did not deliver. Closed early, the generator waits for the
        download in flight (bounded by the request timeout) and drops it.
        """
        files = (folder / "page-a.csv", folder / "page-b.csv")
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-page") as pool:
            turn = 0
            ahead: Future[str] | None = pool.submit(self.download_page, job_id, locator, files[0])
            try:
                while ahead is not None:
                    next_locator = ahead.result()
                    current, turn = files[turn], 1 - turn
                    ahead = None
                    if next_locator:
                        ahead = pool.submit(self.download_page, job_id, next_locator, files[turn])
                    yield current, next_locator
            finally:
                if ahead is not None and not ahead.cancel():
                    ahead.exception()  # wait for it; its outcome no longer matters

    def read_page(self, path: Path) -> Iterator[pa.Table]:
        """The page's rows in Arrow tables of bounded size."""
        header = _csv_header(path)
        if header is None:
            return
        check_csv_header(self.object_name, header, self.fields)
        reader = pa_csv.open_csv(
            path,
            # One thread: the CPU is the cost (threads spent ~20% more of it on
            # a 50k-row page), and the next page's download already runs beside.
            read_options=pa_csv.ReadOptions(block_size=CSV_BLOCK_BYTES, use_threads=False),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=csv_convert_options(self.fields, header),
        )
        for batch in reader:
            if batch.num_rows:
                yield csv_batch_to_arrow(batch, self.fields)


def _headers(sf: Salesforce) -> dict[str, str]:
    """The current session's headers (a copy: call_salesforce updates what it is given)."""
    return dict(sf.headers)


def _csv_header(path: Path) -> list[str] | None:
    with path.open(newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), None)
