"""Update many records with one Bulk API 2.0 ingest job.

simple-salesforce's ``bulk2`` helpers fetch the job again after waiting and
always fetch all three result sets; at Rapport's scale every call counts
against the org's daily allowance, so this drives the same endpoints with
the fewest calls: create, upload, UploadComplete, poll until done, then the
successful and failed results only when some record did not succeed.
Records in neither set were not processed.

CSV follows the Bulk API rules: an empty cell leaves the field unchanged (so
records can carry different fields in one file) and ``#N/A`` sets it to null.
"""

from __future__ import annotations

import contextlib
import csv
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError
from simple_salesforce.util import call_salesforce

from connectors.salesforce.api.ids import InvalidSalesforceId, to_18
from connectors.salesforce.writeback.transport import RecordUpdate, WriteOutcome
from rapport.errors import RapportError

NULL_MARKER = "#N/A"
TERMINAL_STATES = frozenset({"JobComplete", "Failed", "Aborted"})
NOT_PROCESSED = "NOT_PROCESSED"


class BulkJobError(RapportError, RuntimeError):
    """The job could not be created, filled or finished; no record is confirmed."""


@dataclass(frozen=True)
class BulkJobResult:
    job_id: str
    state: str
    outcomes: list[WriteOutcome]
    error_message: str | None = None


def _csv_value(value: Any) -> str:
    if value is None:
        return NULL_MARKER
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def updates_to_csv(updates: Sequence[RecordUpdate]) -> str:
    """One CSV for the job: Id plus the union of the records' fields."""
    columns = sorted({name for update in updates for name in update.values})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Id", *columns])
    for update in updates:
        row = [update.record_id]
        for column in columns:
            row.append(_csv_value(update.values[column]) if column in update.values else "")
        writer.writerow(row)
    return buffer.getvalue()


class BulkIngestJob:
    """One update job on one object. Use ``run``; the steps are public for testing.

    Polling is what makes a job's call count grow, so the first poll waits
    about as long as the job should take (``records_per_second``), and later
    polls back off, doubling up to ``max_poll_seconds``.
    """

    def __init__(
        self,
        sf: Salesforce,
        object_name: str,
        *,
        poll_seconds: float = 0.5,
        max_poll_seconds: float = 30.0,
        records_per_second: float = 1000.0,
        timeout_seconds: float = 1800.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sf = sf
        self.object_name = object_name
        self.poll_seconds = poll_seconds
        self.max_poll_seconds = max_poll_seconds
        self.records_per_second = records_per_second
        self.timeout_seconds = timeout_seconds
        self._sleep = sleep
        self.job_id: str | None = None

    def run(self, updates: Sequence[RecordUpdate]) -> BulkJobResult:
        try:
            self.create()
            self.upload(updates_to_csv(updates))
            self.close()
        except SalesforceError as error:
            self._abort_quietly()
            raise BulkJobError(f"Bulk API job on {self.object_name} failed: {error}") from error
        info = self.wait(len(updates))
        state, reason = info["state"], info.get("errorMessage")
        try:
            outcomes = self.outcomes(updates, info)
        except SalesforceError:
            if state == "JobComplete":
                raise
            # A failed or aborted job may hold no results: nothing is confirmed,
            # and the next run reads what did land from the CRM itself.
            code = f"JOB_{state.upper()}"
            outcomes = [WriteOutcome(u, False, code, reason or state) for u in updates]
        return BulkJobResult(self.job_id or "", state, outcomes, reason)

    # -- steps

    def create(self) -> str:
        body = {
            "object": self.object_name,
            "operation": "update",
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        }
        info = self.sf.restful("jobs/ingest", method="POST", json=body)
        self.job_id = info["id"]
        return self.job_id

    def upload(self, data: str) -> None:
        headers = {**self.sf.headers, "Content-Type": "text/csv"}
        call_salesforce(
            url=f"{self._job_url()}/batches",
            method="PUT",
            session=self.sf.session,
            headers=headers,
            data=data.encode("utf-8"),
        )

    def close(self) -> None:
        self.sf.restful(
            f"jobs/ingest/{self.job_id}", method="PATCH", json={"state": "UploadComplete"}
        )

    def wait(self, records: int) -> dict[str, Any]:
        """Poll until the job ends or the timeout passes; returns the last job info."""
        waited = 0.0
        interval = min(
            max(self.poll_seconds, records / self.records_per_second), self.max_poll_seconds
        )
        while True:
            self._sleep(interval)
            waited += interval
            info = self.sf.restful(f"jobs/ingest/{self.job_id}")
            if info["state"] in TERMINAL_STATES:
                return info
            if waited >= self.timeout_seconds:
                raise BulkJobError(
                    f"Bulk API job {self.job_id} on {self.object_name} still {info['state']} "
                    f"after {waited:.0f}s; it may finish later, the next run will see its effect"
                )
            interval = min(interval * 2, self.max_poll_seconds)

    def outcomes(self, updates: Sequence[RecordUpdate], info: dict[str, Any]) -> list[WriteOutcome]:
        """Each update paired with its result; a record in no result set was not processed.

        When the job says it processed every record and none failed, that is
        Salesforce confirming each one: the result files would add two calls
        and nothing else.
        """
        processed = int(info.get("numberRecordsProcessed") or 0)
        failed_count = int(info.get("numberRecordsFailed") or 0)
        if info["state"] == "JobComplete" and processed == len(updates) and failed_count == 0:
            return [WriteOutcome(update, True) for update in updates]
        succeeded = {_row_id(row) for row in self._results("successfulResults")}
        failed = {}
        if failed_count:
            failed = {_row_id(r): r.get("sf__Error", "") for r in self._results("failedResults")}
        outcomes = []
        for update in updates:
            record_id = to_18(update.record_id)
            if record_id in succeeded:
                outcomes.append(WriteOutcome(update, True))
            elif record_id in failed:
                code, message = _split_error(failed[record_id])
                outcomes.append(WriteOutcome(update, False, code, message))
            else:
                outcomes.append(
                    WriteOutcome(update, False, NOT_PROCESSED, "the job did not process it")
                )
        return outcomes

    # -- helpers

    def _job_url(self) -> str:
        return f"{self.sf.bulk2_url}ingest/{self.job_id}"

    def _results(self, kind: str) -> list[dict[str, str]]:
        response = call_salesforce(
            url=f"{self._job_url()}/{kind}",
            method="GET",
            session=self.sf.session,
            headers={**self.sf.headers, "Accept": "text/csv"},
        )
        return list(csv.DictReader(io.StringIO(response.text)))

    def _abort_quietly(self) -> None:
        if self.job_id is None:
            return
        # The original error is the one worth reporting.
        with contextlib.suppress(SalesforceError):
            self.sf.restful(f"jobs/ingest/{self.job_id}", method="PATCH", json={"state": "Aborted"})


def _row_id(row: dict[str, str]) -> str:
    raw = row.get("sf__Id") or row.get("Id") or row.get("ID") or ""
    try:
        return to_18(raw)
    except InvalidSalesforceId:
        return raw


def _split_error(raw: str) -> tuple[str, str]:
    """``STATUS_CODE:message[:fields]`` as Bulk API 2.0 writes sf__Error."""
    code, _, message = raw.partition(":")
    return (code.strip() or "UNKNOWN_EXCEPTION", message.strip() or raw)
