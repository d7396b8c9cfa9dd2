"""The gate's vocabulary: a check, its result, and the exception that stops a run.

A failed ``error`` check raises :class:`GateFailed`, which stops the parent
flow before write-back; a failed ``warning`` check is logged and reported, and
the run goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from rapport.errors import GateFailure

logger = logging.getLogger(__name__)

Severity = Literal["error", "warning"]
SAMPLE_SIZE = 5


@dataclass(frozen=True)
class Check:
    """One expectation with the severity that decides whether it stops the run.

    ``name`` is the check's name in ``suites.yml``; severity overrides in
    ``rapport.yml`` address it as ``suite.name``.
    """

    expectation: str
    kwargs: dict[str, Any]
    severity: Severity = "error"
    name: str = ""

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column")


@dataclass(frozen=True)
class CheckResult:
    suite: str
    expectation: str
    column: str | None
    severity: Severity
    success: bool
    observed_value: str
    sample_ids: list[str] = field(default_factory=list)
    check: str = ""

    def describe(self) -> str:
        ids = ", ".join(self.sample_ids) or "none"
        column = f" on {self.column}" if self.column else ""
        name = f" (check {self.check})" if self.check else ""
        return (
            f"[{self.severity}] suite {self.suite}: {self.expectation}{column} failed{name}; "
            f"observed {self.observed_value}; sample ids: {ids}"
        )


@dataclass(frozen=True)
class Measurement:
    """A metric computed outside GX (pushed down to SQL, or in Python) and its bounds.

    GX validates the value, so pushed-down checks appear in Data Docs beside the
    row-level ones; ``observed`` and ``sample_ids`` say what was found.
    """

    check: Check
    value: float
    min_value: float | None
    max_value: float | None
    observed: str
    sample_ids: list[str] = field(default_factory=list)


class GateFailed(GateFailure, RuntimeError):
    """An error-severity expectation failed; nothing downstream may run."""

    def __init__(self, failures: list[CheckResult]):
        self.failures = failures
        super().__init__(
            "Quality gate stopped the run before write-back:\n"
            + "\n".join(f"  {f.describe()}" for f in failures)
        )


def enforce(results: list[CheckResult]) -> None:
    """Log warnings, and raise on any failed error-severity check."""
    for result in results:
        if not result.success and result.severity == "warning":
            logger.warning(result.describe())
    failures = [r for r in results if not r.success and r.severity == "error"]
    if failures:
        raise GateFailed(failures)
