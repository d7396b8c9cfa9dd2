"""How a Bulk query job is waited for and its pages fetched, without an org or a wall clock.

Polling runs on a fake clock, so the schedule is checked exactly: when a job
that finishes at a given time is noticed, how many status calls a long job
costs. Pages come from a fake download that records what was asked and when,
so the overlap (the next page downloading while the caller reads this one)
and what a failure or an early stop leave behind are checked as events.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from connectors.salesforce.extract.bulk import BulkJobFailed, BulkOptions, BulkQuery


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class JobClient:
    """Answers status calls: InProgress until ``done_at`` on the clock, then JobComplete."""

    def __init__(self, clock: FakeClock, done_at: float) -> None:
        self.clock = clock
        self.done_at = done_at
        self.redactor = SimpleNamespace(scrub=str)  # failure messages only
        self.polled_at: list[float] = []

    def call(self, operation: Callable[[Any], Any], description: str) -> dict[str, Any]:
        self.polled_at.append(self.clock.now)
        return {"state": "JobComplete" if self.clock.now >= self.done_at else "InProgress"}


def waited(done_at: float, **options: Any) -> tuple[FakeClock, JobClient]:
    clock = FakeClock()
    client = JobClient(clock, done_at)
    BulkQuery(client, "Task", [], BulkOptions(**options), clock=clock).wait("750x")  # type: ignore[arg-type]
    return clock, client


def test_a_finished_job_is_read_at_once():
    clock, client = waited(done_at=0.0)
    assert clock.sleeps == []
    assert client.polled_at == [0.0]


def test_a_job_done_in_a_second_is_noticed_within_half_a_second_by_default():
    # With the old first wait of 1 s (polls at 0, 1, 3) this job was seen at 3 s.
    clock, client = waited(done_at=1.1)
    assert 1.1 <= clock.now <= 1.6
    assert client.polled_at[0] == 0.0
    assert len(client.polled_at) <= 6


def test_waits_double_and_never_exceed_the_longest():
    clock, client = waited(done_at=600.0, poll_seconds=0.1, max_poll_seconds=20.0)
    assert clock.sleeps[:4] == pytest.approx([0.1, 0.2, 0.4, 0.8])
    assert max(clock.sleeps) == 20.0
    assert clock.now - 600.0 <= 20.0
    # A ten-minute job: under forty status calls, a few more than from a first wait of 1 s.
    assert len(client.polled_at) < 40


def test_a_job_that_never_finishes_fails_at_its_timeout_not_later():
    with pytest.raises(BulkJobFailed, match="did not finish within 30s"):
        waited(done_at=float("inf"), job_timeout_seconds=30.0)


class PagedQuery(BulkQuery):
    """Pages from a list; downloads after the first take ``slow`` seconds."""

    def __init__(self, pages: list[str], fail_at: int | None = None, slow: float = 0.0) -> None:
        super().__init__(None, "Task", [], BulkOptions())  # type: ignore[arg-type]
        self.contents = pages
        self.fail_at = fail_at
        self.slow = slow
        self.requested: list[str] = []
        self.started = [threading.Event() for _ in pages]
        self.finished = [threading.Event() for _ in pages]

    def download_page(self, job_id: str, locator: str, target: Path) -> str:
        index = int(locator or "0")
        self.requested.append(locator)
        self.started[index].set()
        try:
            if index:
                time.sleep(self.slow)
            if index == self.fail_at:
                raise RuntimeError(f"page {index} failed")
            target.write_text(self.contents[index])
            return str(index + 1) if index + 1 < len(self.contents) else ""
        finally:
            self.finished[index].set()


def test_the_next_page_downloads_while_the_caller_reads_this_one(tmp_path):
    query = PagedQuery(["a\n1\n", "a\n2\n", "a\n3\n"])
    seen = []
    for path, next_locator in query.pages("750x", "", tmp_path):
        page = len(seen)
        if next_locator:
            # Still holding this page: the next one must already be on its way.
            assert query.started[page + 1].wait(timeout=10)
        seen.append((path.read_text(), next_locator))
    assert seen == [("a\n1\n", "1"), ("a\n2\n", "2"), ("a\n3\n", "")]
    assert query.requested == ["", "1", "2"]


def test_a_page_that_fails_is_raised_after_the_pages_before_it(tmp_path):
    query = PagedQuery(["a\n1\n", "a\n2\n", "a\n3\n"], fail_at=1)
    pages = query.pages("750x", "", tmp_path)
    path, next_locator = next(pages)
    assert (path.read_text(), next_locator) == ("a\n1\n", "1")
    with pytest.raises(RuntimeError, match="page 1 failed"):
        next(pages)
    assert query.requested == ["", "1"]


def test_stopping_early_waits_for_the_download_in_flight_and_asks_for_no_more(tmp_path):
    query = PagedQuery(["a\n1\n", "a\n2\n", "a\n3\n"], slow=0.3)
    pages = query.pages("750x", "", tmp_path)
    next(pages)
    assert query.started[1].wait(timeout=10)
    pages.close()
    assert query.finished[1].is_set()
    assert query.requested == ["", "1"]
    assert not [t for t in threading.enumerate() if t.name.startswith("bulk-page")]


def test_resuming_at_a_locator_starts_from_that_page(tmp_path):
    query = PagedQuery(["a\n1\n", "a\n2\n", "a\n3\n"])
    seen = [path.read_text() for path, _ in query.pages("750x", "1", tmp_path)]
    assert seen == ["a\n2\n", "a\n3\n"]
    assert query.requested == ["1", "2"]
