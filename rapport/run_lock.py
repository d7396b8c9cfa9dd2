"""One run at a time per warehouse, across processes on this machine.

Two runs writing one warehouse at once either fail on DuckDB's file lock with
a raw error or, on PostgreSQL, interleave merges and write-back state. Every
command that writes the warehouse holds this lock for its whole run.

The lock is ``fcntl.flock`` on a file under ``<state_dir>/locks`` named after
the warehouse's identity (the DuckDB file's absolute path, or the PostgreSQL
host, port and database). The OS drops a flock when its holder's process
ends, however it ends, so a killed run never leaves a stale lock behind. The
file also records who holds it (pid, command, start time) so the second run
can say whom it is waiting for.

Within one process the lock is re-entrant: the CLI takes it, and the parent
flow it starts takes it again without blocking itself.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from rapport.config import WarehouseSettings
from rapport.errors import RunLockedError

POLL_SECONDS = 0.2

_held: dict[Path, int] = {}
_held_guard = threading.Lock()


@dataclass(frozen=True)
class Holder:
    """Who holds a warehouse: written into the lock file by the holder."""

    pid: int
    command: str
    started_at: str
    warehouse: str

    def describe(self) -> str:
        return f"pid {self.pid}, {self.command}, started {self.started_at}"


def warehouse_identity(warehouse: WarehouseSettings) -> str:
    """What makes two settings point at the same warehouse."""
    if warehouse.type == "duckdb":
        return f"duckdb:{warehouse.path.resolve()}"
    return f"postgres://{warehouse.host}:{warehouse.port}/{warehouse.database}"


def identity_digest(identity: str) -> str:
    """A short, file- and Prefect-name-safe key for a warehouse identity."""
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def lock_file(state_dir: Path, identity: str) -> Path:
    return state_dir / "locks" / f"warehouse-{identity_digest(identity)}.lock"


def read_holder(path: Path) -> Holder | None:
    """The holder recorded in a lock file, or None if it is empty or half written."""
    try:
        return Holder(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


@contextmanager
def run_lock(
    warehouse: WarehouseSettings,
    state_dir: Path,
    command: str,
    timeout_seconds: float = 0,
) -> Iterator[None]:
    """Hold the warehouse for this run; wait up to ``timeout_seconds`` for another run.

    Raises RunLockedError naming the warehouse and the other run's holder if
    it does not come free in time (at once when the timeout is 0).
    """
    identity = warehouse_identity(warehouse)
    path = lock_file(state_dir, identity).resolve()
    with _held_guard:
        if path in _held:
            _held[path] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            _release_reentry(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(descriptor, path, identity, timeout_seconds)
        _record_holder(descriptor, Holder(os.getpid(), command, _now(), identity))
        with _held_guard:
            _held[path] = 1
        try:
            yield
        finally:
            with _held_guard:
                del _held[path]
            os.ftruncate(descriptor, 0)
    finally:
        # Closing the descriptor releases the flock.
        os.close(descriptor)


def _acquire(descriptor: int, path: Path, identity: str, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise RunLockedError(_locked_message(path, identity, timeout_seconds)) from None
            time.sleep(min(POLL_SECONDS, max(deadline - time.monotonic(), 0)))


def _locked_message(path: Path, identity: str, timeout_seconds: float) -> str:
    holder = read_holder(path)
    who = holder.describe() if holder else "a process that has not recorded itself yet"
    waited = f" (waited {timeout_seconds:g} s)" if timeout_seconds else ""
    return f"Warehouse {identity} is in use by another run{waited}: {who}. Lock file: {path}"


def _record_holder(descriptor: int, holder: Holder) -> None:
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, json.dumps(asdict(holder)).encode(), 0)


def _release_reentry(path: Path) -> None:
    with _held_guard:
        _held[path] -= 1


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
