"""Which transport a change set goes by, and what travels: pure, it never calls the API.

Composite sObject Collections (``PATCH composite/sobjects``, 200 records a
call) for few records, a Bulk API 2.0 ingest job (6 to 8 calls whatever its
size) for many: the choice is whichever needs fewer API calls, made once per
object while planning, so a dry run can report it and the send (``send.py``)
follows it. ``RecordUpdate`` and ``WriteOutcome`` are what both transports
take and give back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

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
