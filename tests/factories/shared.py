"""Artifacts built once per test session, even across pytest-xdist workers.

A session-scoped fixture runs once per worker: under ``-n 2`` an expensive
build several tests only read would be made twice. ``once_per_session`` makes
it once: the first worker to ask builds it into a folder beside the workers'
own temporary folders, under a file lock, and the other waits for it and
reuses it. A plain run (no xdist) keeps it in its own temporary folder.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest


def once_per_session(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """The folder ``build`` filled, built by one worker of this session only."""
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's basetemp is <session>/popen-gwN: share <session>.
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder, done = root / f"shared-{name}", root / f"shared-{name}.done"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a build that failed half-way
            folder.mkdir()
            build(folder)
            done.touch()
    return folder


def private_copy(warehouse: Path, folder: Path) -> Path:
    """A copy of a DuckDB file, checkpointed first so the copy holds every write.

    Two processes cannot open one DuckDB file for writing, and a test that
    builds again must not change what the others read: each gets its own copy.
    """
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("checkpoint")
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / warehouse.name
    shutil.copyfile(warehouse, copy)
    return copy
