"""Where a run is: each stage's progress events added up, for the display and the summary.

Kept apart from the display so the same numbers feed the progress bars, the
plain log lines and the summary table (and its JSON) at the end.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rapport.progress import ProgressEvent


@dataclass
class StageProgress:
    """One stage so far: units done of total, counts overall and per item, and its clock."""

    stage: str
    unit: str = ""
    total: int | None = None
    done: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    items: dict[str, Counter[str]] = field(default_factory=dict)
    started_at: float = field(default_factory=time.monotonic)
    finished_at: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return (self.finished_at or time.monotonic()) - self.started_at

    def rate(self, count: str) -> float:
        """``count`` per second since the stage started."""
        return self.counts[count] / max(self.seconds, 1e-3)

    def of_total(self) -> str:
        """``3 of 8 objects`` (or ``3 objects`` while the total is unknown)."""
        total = f" of {self.total:,}" if self.total is not None else ""
        return f"{self.done:,}{total} {self.unit}".rstrip()


class ProgressTracker:
    """Applies events to the stages' progress; safe to call from any thread."""

    def __init__(self) -> None:
        self.stages: dict[str, StageProgress] = {}
        self._lock = threading.Lock()

    def apply(self, event: ProgressEvent) -> StageProgress:
        with self._lock:
            stage = self.stages.get(event.stage)
            if event.kind == "started" or stage is None:
                # A retried stage starts again: its counts are the attempt's.
                stage = self.stages[event.stage] = StageProgress(event.stage, unit=event.unit)
            if event.total is not None:
                stage.total = event.total
            if event.unit:
                stage.unit = event.unit
            if event.kind == "advanced":
                stage.done += event.steps
                stage.counts.update(event.counts)
                if event.item is not None:
                    stage.items.setdefault(event.item, Counter()).update(event.counts)
            elif event.kind == "finished":
                stage.finished_at = event.at
                stage.details = dict(event.details)
            return stage
