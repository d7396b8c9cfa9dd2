"""Showing a run's progress: rich bars on a terminal, timestamped lines everywhere else.

On a terminal each stage gets a bar with its count (objects, models, suites,
records) and what it is on. When the output is a file or a pipe (CI, cron, a
Prefect worker's log) bars would show nothing until the end, so each step is
a line with the time, the stage and the counts instead, and long steps print
a line at most every ``heartbeat_seconds`` so a log never goes quiet.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rapport.progress import ProgressEvent, reporting_to
from rapport.progress_tracker import ProgressTracker, StageProgress

STAGE_NAMES = {
    "extract": "extract",
    "transform": "dbt build",
    "validate": "gates",
    "writeback": "write-back",
}


def step_text(stage: StageProgress, item: str | None) -> str:
    """What the stage is at, with its counts: the text of a log line or beside a bar."""
    c = stage.counts
    if stage.stage == "extract":
        text = f"{stage.of_total()}, {c['rows']:,} rows in all ({stage.rate('rows'):,.0f} rows/s)"
        if item:
            text = f"{_object_state(stage.items.get(item, Counter()))}; {text}"
    elif stage.stage == "transform":
        text = f"{stage.of_total()} built" + (f", {c['failed']} failed" if c["failed"] else "")
    elif stage.stage == "validate":
        text = f"{stage.of_total()} checked, {c['passed']} passed"
        text += f", {c['failed']} failed" if c["failed"] else ""
        text += f", {c['warnings']} warnings" if c["warnings"] else ""
    else:
        total = f" of {stage.total:,}" if stage.total is not None else ""
        text = f"{stage.done:,}{total} records sent, {c['api_calls']:,} API calls"
    return f"{item}: {text}" if item else text


def _object_state(counts: Counter[str]) -> str:
    if counts["skipped"]:
        return "skipped (not in this org)"
    if counts["incomplete"]:
        return "incomplete (resumes next run)"
    return f"{counts['rows']:,} rows"


def finish_text(stage: StageProgress) -> str:
    details = stage.details
    if details.get("skipped"):  # transform and validate, when nothing changed
        return str(details["skipped"])
    if stage.stage == "extract":
        return f"{len(stage.items)} objects, {stage.counts['rows']:,} rows"
    if stage.stage == "transform":
        return f"{details.get('models_built', stage.counts['built'])} models built"
    if stage.stage == "validate":
        return f"{stage.counts['passed']} of {stage.done} suites passed"
    objects = details.get("objects", {}).values()
    verb = "to send" if details.get("dry_run") else "sent"
    return f"{sum(o['created'] + o['updated'] for o in objects):,} records {verb}"


class LineReporter:
    """One timestamped line per step, for output that is not a terminal."""

    def __init__(
        self, console: Console, tracker: ProgressTracker, heartbeat_seconds: float = 15.0
    ) -> None:
        self.console = console
        self.tracker = tracker
        self.heartbeat_seconds = heartbeat_seconds
        self._last_line: dict[str, float] = {}
        self._lock = threading.Lock()

    def handle(self, event: ProgressEvent) -> None:
        stage = self.tracker.apply(event)
        if event.kind == "started":
            self._line(event.stage, "started")
        elif event.kind == "planned" and event.total:
            self._line(event.stage, f"{event.total:,} {event.unit} to go")
        elif event.kind == "advanced":
            quiet_for = time.monotonic() - self._last_line.get(event.stage, 0.0)
            if event.steps or quiet_for >= self.heartbeat_seconds:
                self._line(event.stage, step_text(stage, event.item))
        elif event.kind == "finished":
            self._line(event.stage, f"done in {stage.seconds:.1f} s: {finish_text(stage)}")

    def _line(self, stage: str, text: str) -> None:
        with self._lock:
            self._last_line[stage] = time.monotonic()
            stamp = datetime.now().astimezone().isoformat(timespec="seconds")
            self.console.print(
                f"{stamp} {STAGE_NAMES[stage]:<10} {text}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )


class BarReporter:
    """A rich progress bar per stage, for a terminal."""

    def __init__(self, console: Console, tracker: ProgressTracker) -> None:
        self.tracker = tracker
        self.progress = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[text]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self._tasks: dict[str, int] = {}

    def handle(self, event: ProgressEvent) -> None:
        stage = self.tracker.apply(event)
        task = self._tasks.get(event.stage)
        if task is None:
            task = self.progress.add_task(STAGE_NAMES[event.stage], total=None, text="")
            self._tasks[event.stage] = task
        text = finish_text(stage) if event.kind == "finished" else step_text(stage, event.item)
        total = stage.total if stage.total is not None else None
        if event.kind == "finished":
            total = stage.total if stage.total is not None else stage.done
        self.progress.update(task, total=total, completed=stage.done, text=text)


@contextmanager
def showing_progress(console: Console) -> Iterator[ProgressTracker]:
    """Show the stages' progress on ``console`` while the block runs; yields the numbers."""
    tracker = ProgressTracker()
    if console.is_terminal:
        reporter = BarReporter(console, tracker)
        with reporter.progress, reporting_to(reporter):
            yield tracker
    else:
        with reporting_to(LineReporter(console, tracker)):
            yield tracker
