"""Progress events the pipeline stages report, and the one reporter that hears them.

The stages (extract, transform, validate, write-back) call ``started``,
``advanced`` and ``finished`` as they go; whoever runs them decides what to do
with that. The CLI installs a reporter that draws progress bars or prints
timestamped lines and collects the run summary; a flow run by a Prefect worker
without the CLI keeps the default, which does nothing, so the flows never
depend on a terminal.

Events are plain data, sent from whichever thread does the work (dbt's
callbacks run on a thread of their own), so reporters must be thread-safe.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

logger = logging.getLogger(__name__)

Stage = Literal["extract", "transform", "validate", "writeback"]
STAGES: tuple[Stage, ...] = ("extract", "transform", "validate", "writeback")
Kind = Literal["started", "planned", "advanced", "finished"]


@dataclass(frozen=True)
class ProgressEvent:
    """One thing a stage reports.

    ``started`` (re)starts the stage's clock and counts, with its ``total``
    (of ``unit``s) when known; ``planned`` sets the total once it is known;
    ``advanced`` says ``steps`` more units are done (0 for a mid-item update),
    on ``item``, with ``counts`` to add up (rows, API calls); ``finished``
    carries the stage's ``details`` for the run summary.
    """

    stage: Stage
    kind: Kind
    total: int | None = None
    unit: str = ""
    steps: int = 0
    item: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


class Reporter(Protocol):
    def handle(self, event: ProgressEvent) -> None: ...


class NoReporter:
    """The default: progress goes nowhere (flows run by a worker log instead)."""

    def handle(self, event: ProgressEvent) -> None:
        return None


_reporter: Reporter = NoReporter()


@contextmanager
def reporting_to(reporter: Reporter) -> Iterator[Reporter]:
    """Send progress to ``reporter`` while the block runs; the previous one after."""
    global _reporter
    previous, _reporter = _reporter, reporter
    try:
        yield reporter
    finally:
        _reporter = previous


def _send(event: ProgressEvent) -> None:
    # Progress is never worth failing a run for: a broken display is logged.
    try:
        _reporter.handle(event)
    except Exception:
        logger.warning("Progress reporter failed on %s", event, exc_info=True)


def started(stage: Stage, total: int | None = None, unit: str = "") -> None:
    """The stage began; ``total`` units of work are ahead, if known."""
    _send(ProgressEvent(stage, "started", total=total, unit=unit))


def planned(stage: Stage, total: int, unit: str = "") -> None:
    """The stage now knows it has ``total`` units of work (counts and clock kept)."""
    _send(ProgressEvent(stage, "planned", total=total, unit=unit))


def advanced(stage: Stage, steps: int = 1, item: str | None = None, **counts: int) -> None:
    """``steps`` more units are done (on ``item``), and ``counts`` more of each count."""
    _send(ProgressEvent(stage, "advanced", steps=steps, item=item, counts=counts))


def finished(stage: Stage, **details: Any) -> None:
    """The stage is done; ``details`` (plain data) go into the run summary."""
    _send(ProgressEvent(stage, "finished", details=details))
