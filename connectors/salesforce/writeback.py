"""Write Rapport's fields back to CRM records through composite collections.

``allOrNone`` is false so that one rejected record (a validation rule, a
locked row) never fails the 199 others; every record's outcome is returned so
that the caller can log it and retry only what failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from simple_salesforce import Salesforce

COMPOSITE_LIMIT = 200


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


def _batches(updates: list[RecordUpdate], size: int) -> Iterator[list[RecordUpdate]]:
    for start in range(0, len(updates), size):
        yield updates[start : start + size]


def push_composite(
    sf: Salesforce,
    updates: Iterable[RecordUpdate],
    batch_size: int = COMPOSITE_LIMIT,
    timeout: float = 120.0,
) -> list[WriteOutcome]:
    """PATCH the updates in batches of at most 200 and pair each with its result."""
    outcomes: list[WriteOutcome] = []
    for batch in _batches(list(updates), min(batch_size, COMPOSITE_LIMIT)):
        body = {"allOrNone": False, "records": [u.as_composite_record() for u in batch]}
        results = sf.restful("composite/sobjects", method="PATCH", json=body, timeout=timeout)
        for update, result in zip(batch, results, strict=True):
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
