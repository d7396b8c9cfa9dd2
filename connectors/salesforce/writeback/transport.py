"""Send record updates to the CRM: composite collections for few, Bulk API 2.0 for many.

``allOrNone`` is false so that one rejected record (a validation rule, a
locked row) never fails the 199 others; every record's outcome is returned so
that the caller can log it and retry only what failed. Batches are yielded
one at a time so the caller can record each batch's confirmed successes
before the next is sent: a run that dies half-way leaves a true record of
what reached the CRM.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from simple_salesforce import Salesforce

COMPOSITE_LIMIT = 200
# create + upload + UploadComplete, a few polls, and the result files when
# some record failed: about 6 to 8 calls per job.
BULK_FIXED_CALLS = 3
BULK_EXPECTED_POLLS = 2
BULK_RESULT_CALLS = 2

Transport = Literal["composite", "bulk"]


@dataclass(frozen=True)
class RecordUpdate:
    object_name: str
    record_id: str
    values: dict[str, Any]

    def as_composite_record(self) -> dict[str, Any]:
        return {"attributes": {"type": self.object_name}, "id": self.record_id, **self.values}


@dataclass(frozen=True)
class WriteOutcome:
    update: RecordUpdate
    success: bool
    error_code: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class TransportChoice:
    """Which transport a change set goes by, and the API-call estimate behind the choice."""

    records: int
    composite_calls: int
    bulk_calls: int
    threshold: int
    transport: Transport

    def describe(self) -> str:
        return (
            f"{self.transport} for {self.records} records (composite ≈ {self.composite_calls} "
            f"API calls, Bulk API 2.0 ≈ {self.bulk_calls}; bulk from {self.threshold})"
        )


def estimate_composite_calls(records: int, batch_size: int = COMPOSITE_LIMIT) -> int:
    return math.ceil(records / min(batch_size, COMPOSITE_LIMIT))


def estimate_bulk_calls(records: int, records_per_job: int = 100_000) -> int:
    jobs = max(1, math.ceil(records / records_per_job))
    return jobs * (BULK_FIXED_CALLS + BULK_EXPECTED_POLLS + BULK_RESULT_CALLS)


def automatic_bulk_threshold(batch_size: int = COMPOSITE_LIMIT) -> int:
    """The smallest change set for which composite would need more calls than one bulk job."""
    return estimate_bulk_calls(1) * min(batch_size, COMPOSITE_LIMIT) + 1


def choose_transport(
    records: int,
    batch_size: int = COMPOSITE_LIMIT,
    threshold: int | None = None,
    records_per_job: int = 100_000,
) -> TransportChoice:
    threshold = threshold if threshold is not None else automatic_bulk_threshold(batch_size)
    return TransportChoice(
        records=records,
        composite_calls=estimate_composite_calls(records, batch_size),
        bulk_calls=estimate_bulk_calls(records, records_per_job),
        threshold=threshold,
        transport="bulk" if records >= threshold else "composite",
    )


def batches(updates: Sequence[RecordUpdate], size: int) -> Iterator[list[RecordUpdate]]:
    for start in range(0, len(updates), size):
        yield list(updates[start : start + size])


def send_composite_batch(
    sf: Salesforce, batch: list[RecordUpdate], timeout: float = 120.0
) -> list[WriteOutcome]:
    """One ``PATCH composite/sobjects`` call; raises simple-salesforce's error if the call fails."""
    if len(batch) > COMPOSITE_LIMIT:
        raise ValueError(f"a composite call takes at most {COMPOSITE_LIMIT} records")
    body = {"allOrNone": False, "records": [u.as_composite_record() for u in batch]}
    results = sf.restful("composite/sobjects", method="PATCH", json=body, timeout=timeout)
    outcomes = []
    for update, result in zip(batch, results or [], strict=True):
        errors = result.get("errors") or []
        first = errors[0] if errors else {}
        outcomes.append(
            WriteOutcome(
                update=update,
                success=bool(result.get("success")),
                error_code=first.get("statusCode"),
                message=first.get("message"),
            )
        )
    return outcomes
