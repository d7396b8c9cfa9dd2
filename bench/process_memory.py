"""Resident memory sampled in a thread: this process, and every process under it.

Issue #11 bounds peak RSS per process (≤ 4 GB) and across all processes
(≤ 6 GB). ``ru_maxrss`` gives one process's lifetime peak, which cannot be
told apart per stage nor added across processes (their peaks fall at different
moments), so a thread reads ``/proc`` every ``interval`` seconds instead.

Each sample holds this process's RSS, the RSS of all its descendants together
except ``apart`` (the local org, the test double standing in for Salesforce,
which is no part of Rapport's footprint), and the RSS of ``apart``'s tree.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def resident_bytes(pid: int | str = "self") -> int:
    """RSS of one process; 0 once it has gone."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_BYTES
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return 0


def children(pid: int) -> list[int]:
    """The direct children of ``pid``, over all its threads (Linux ``/proc``)."""
    found: list[int] = []
    for children_file in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(child) for child in children_file.read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def tree_resident_bytes(pid: int, apart: int | None = None) -> tuple[int, int]:
    """RSS of ``pid``'s descendants, as (not under ``apart``, under ``apart``)."""
    inside, aside = 0, 0
    stack = [(child, child == apart) for child in children(pid)]
    while stack:
        current, is_apart = stack.pop()
        size = resident_bytes(current)
        if is_apart:
            aside += size
        else:
            inside += size
        stack += [(child, is_apart or child == apart) for child in children(current)]
    return inside, aside


@dataclass
class MemorySample:
    at: float
    own: int
    descendants: int
    apart: int

    @property
    def rapport(self) -> int:
        """This process and its descendants, the local org left out."""
        return self.own + self.descendants


@dataclass
class RssSampler:
    """Samples resident memory in a thread, to find the peaks within each step.

    ``apart`` is set once the org's process exists (``sampler.apart = pid``).
    """

    interval: float = 0.02
    apart: int | None = None
    samples: list[MemorySample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.interval):
            descendants, apart = tree_resident_bytes(me, self.apart)
            self.samples.append(MemorySample(time.time(), resident_bytes(), descendants, apart))

    def __enter__(self) -> RssSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _between(self, start: float, end: float) -> list[MemorySample]:
        return [sample for sample in self.samples if start <= sample.at <= end]

    def peak_between(self, start: float, end: float) -> int:
        """This process's peak."""
        return max((sample.own for sample in self._between(start, end)), default=0)

    def peaks_between(self, start: float, end: float) -> dict[str, int]:
        """This process's peak, Rapport's processes together, the org's, and everything."""
        inside = self._between(start, end)
        return {
            "own": max((s.own for s in inside), default=0),
            "rapport": max((s.rapport for s in inside), default=0),
            "apart": max((s.apart for s in inside), default=0),
            "all": max((s.rapport + s.apart for s in inside), default=0),
        }
