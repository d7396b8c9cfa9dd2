"""Per-stage wall time, CPU time, peak RSS and HTTP requests, for bench/run.py.

CPU time is this process's user + system time (all threads; dbt and DuckDB
run in-process), so it stays meaningful on a loaded machine where wall time
does not. Peak RSS within a stage comes from a sampler thread (``ru_maxrss``
is a lifetime peak and cannot be told apart per stage): this process's, that
of Rapport's processes together (this one and any it starts), the local org's
and all of them at once (bench/process_memory.py). Requests are counted
at ``requests.Session.send``: every call the connectors make to the org.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import requests

from bench.process_memory import RssSampler


@dataclass
class StageFigures:
    stage: str
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0
    peak_rss_rapport_mb: float = 0.0
    peak_rss_org_mb: float = 0.0
    peak_rss_all_mb: float = 0.0
    api_calls: int = 0
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


class RequestCounter:
    """Counts HTTP requests sent through any requests.Session in this process."""

    def __init__(self) -> None:
        self.count = 0
        self._original = requests.Session.send

    def __enter__(self) -> RequestCounter:
        counter, original = self, self._original

        def send(session, request, **kwargs):
            counter.count += 1
            return original(session, request, **kwargs)

        requests.Session.send = send
        return self

    def __exit__(self, *exc: object) -> None:
        requests.Session.send = self._original


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Recorder:
    """Collects one StageFigures per ``with recorder.stage(name):`` block."""

    sampler: RssSampler
    requests: RequestCounter
    stages: list[StageFigures] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[StageFigures]:
        figures = StageFigures(name)
        calls, cpu, started, wall = (
            self.requests.count,
            _cpu_seconds(),
            time.time(),
            time.perf_counter(),
        )
        try:
            yield figures
        finally:
            figures.wall_s = round(time.perf_counter() - wall, 2)
            figures.cpu_s = round(_cpu_seconds() - cpu, 2)
            figures.api_calls = self.requests.count - calls
            peaks = self.sampler.peaks_between(started, time.time())
            figures.peak_rss_mb = _mb(peaks["own"])
            figures.peak_rss_rapport_mb = _mb(peaks["rapport"])
            figures.peak_rss_org_mb = _mb(peaks["apart"])
            figures.peak_rss_all_mb = _mb(peaks["all"])
            self.stages.append(figures)
            # As it goes, on stderr: an L run takes long enough to be stopped,
            # and the stages it finished are still worth having.
            print(f"bench stage: {json.dumps(figures.as_dict(), default=str)}", file=sys.stderr)


def _mb(size: int) -> float:
    return round(size / 2**20, 1)


@contextmanager
def recording(org_pid: int | None = None) -> Iterator[Recorder]:
    """Stages to record; ``org_pid``'s memory is counted apart from Rapport's."""
    with RssSampler(interval=0.05, apart=org_pid) as sampler, RequestCounter() as counter:
        yield Recorder(sampler, counter)
