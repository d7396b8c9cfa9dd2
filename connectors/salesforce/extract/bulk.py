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
the block size whatever the object's size.
"""

from __future__ import annotations

import csv
import json
import logging
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
from simple_salesforce import Salesforce
from simple_salesforce.util import call_salesforce

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
    poll_seconds: float = 1.0
    max_poll_seconds: float = 20.0
    job_timeout_seconds: float = 6 * 3600.0


class BulkQuery:
    """Query jobs for one object."""

    def __init__(
        self,
        client: SalesforceClient,
        object_name: str,
        fields: list[ExtractField],
        options: BulkOptions,
    ) -> None:
        self.client = client
        self.object_name = object_name
        self.fields = fields
        self.options = options

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
        """Poll until the job completes, waiting longer between polls as it runs."""
        deadline = time.monotonic() + self.options.job_timeout_seconds
        delay = self.options.poll_seconds
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
            if time.monotonic() + delay > deadline:
                raise BulkJobFailed(
                    f"Bulk query job {job_id} for {self.object_name} did not finish within "
                    f"{self.options.job_timeout_seconds:.0f}s (state {state})."
                )
            time.sleep(delay)
            delay = min(delay * 2, self.options.max_poll_seconds)

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

    def read_page(self, path: Path) -> Iterator[pa.Table]:
        """The page's rows in Arrow tables of bounded size."""
        header = _csv_header(path)
        if header is None:
            return
        check_csv_header(self.object_name, header, self.fields)
        reader = pa_csv.open_csv(
            path,
            read_options=pa_csv.ReadOptions(block_size=CSV_BLOCK_BYTES),
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
