"""Run write-back or extraction in a child process and SIGKILL it at a chosen point.

A kill is either a hook (die before or after the k-th call of a function the
child patches in itself: a ledger transaction, an insert inside it, a batch
sent to the CRM) or a delay the parent waits once the child says it started.
Hooks reach the points a timer rarely hits: after the CRM answered but before
the ledger recorded it, or between the two inserts of one transaction.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Kill:
    """Where to die: ``hook`` is ``module:Class.method`` or ``module:function``; ``when``
    is ``before`` or ``after`` its ``call``-th call. No hook: the parent kills after
    ``delay`` seconds from the child's start signal."""

    hook: str | None = None
    call: int = 1
    when: str = "before"
    delay: float = 0.0
    # Count only the calls with a text argument holding this (lower case): a
    # kill after the first "rename to" of a SQL statement hook, say.
    match: str | None = None

    def describe(self) -> str:
        if self.hook is None:
            return f"after {self.delay:.2f}s"
        matching = f" matching {self.match!r}" if self.match else ""
        return f"{self.when} call {self.call}{matching} of {self.hook}"


def choose(seed: int, hooks: list[str], max_call: int, max_delay: float) -> Kill:
    """A reproducible kill point for ``seed``: a quarter timed, the rest at a hook."""
    rng = random.Random(seed)
    if rng.random() < 0.25:
        return Kill(delay=rng.uniform(0.0, max_delay))
    return Kill(
        hook=rng.choice(hooks),
        call=rng.randint(1, max_call),
        when=rng.choice(("before", "after")),
    )


def choose_point(seed: int, hooks: dict[str, int], max_delay: float, timed: float = 0.25) -> Kill:
    """Like ``choose``, with each hook's own number of calls a run makes (so a
    call drawn for a hook that runs once, say a dlt step, is always reached)."""
    rng = random.Random(seed)
    if rng.random() < timed:
        return Kill(delay=rng.uniform(0.0, max_delay))
    hook = rng.choice(sorted(hooks))
    return Kill(hook=hook, call=rng.randint(1, hooks[hook]), when=rng.choice(("before", "after")))


@dataclass
class Tally:
    """Trials run and survived for one stage, printed as one line the notes can quote."""

    stage: str
    run: int = 0
    survived: int = 0
    killed: int = 0
    needed_repair: int = 0  # trials whose kill left the target behind until the rerun

    def line(self) -> str:
        return (
            f"{self.stage} crash trials: {self.survived}/{self.run} survived "
            f"({self.killed} killed mid-run, {self.run - self.killed} finished before the kill point)"
        )


def _arm(kill: Kill) -> None:
    """Patch the hook so the child SIGKILLs itself at the chosen call."""
    import importlib

    assert kill.hook is not None
    module_name, _, attribute = kill.hook.partition(":")
    module = importlib.import_module(module_name)
    owner_name, _, method = attribute.rpartition(".")
    owner: Any = getattr(module, owner_name) if owner_name else module
    original: Callable[..., Any] = getattr(owner, method or attribute)
    calls = 0

    def matches(args: tuple[Any, ...]) -> bool:
        return kill.match is None or any(
            isinstance(a, str) and kill.match in a.lower() for a in args
        )

    def patched(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        if not matches(args):
            return original(*args, **kwargs)
        calls += 1
        if calls == kill.call and kill.when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = original(*args, **kwargs)
        if calls == kill.call and kill.when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, method or attribute, patched)


def _child(
    target: Callable[..., Any],
    args: tuple[Any, ...],
    kill: Kill,
    started: str,
    environ: dict[str, str],
) -> None:
    # A fork server's child has the server's environment, not the test's.
    os.environ.clear()
    os.environ.update(environ)
    if kill.hook is not None:
        _arm(kill)
    Path(started).touch()
    target(*args)


# What every child needs, imported once by the fork server rather than by each
# child: spawning imported dlt, dbt and pyarrow afresh for every trial, which
# took longer than the run under test (18 s on a loaded 2-core machine).
PRELOAD = [
    "duckdb",
    "pyarrow",
    "pandas",
    "dlt",
    "connectors.salesforce.extract.load",
    "connectors.salesforce.writeback.sync",
    "dbt.cli.main",
    "dbt.adapters.duckdb",
    "expectations.runner",
]


def _context() -> Any:
    """A fork server with ``PRELOAD`` imported: each child is a cheap fork of it.

    Forked from the server, never from the test process, so a child inherits no
    thread or open connection of the test (the local org's server threads, a
    DuckDB handle), which forking the test process itself would.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


@dataclass(frozen=True)
class Outcome:
    killed: bool  # False: the run finished before the kill point came
    exitcode: int | None


def run_and_kill(
    target: Callable[..., Any], args: tuple[Any, ...], kill: Kill, workdir: Path, timeout: float
) -> Outcome:
    """Run ``target(*args)`` in a child process and kill it as ``kill`` says."""
    started = workdir / f"started-{time.monotonic_ns()}"
    child = _context().Process(
        target=_child, args=(target, args, kill, str(started), dict(os.environ))
    )
    child.start()
    deadline = time.monotonic() + timeout
    if kill.hook is None:
        while not started.exists() and child.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(kill.delay)
        if child.is_alive():
            os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
    child.join(max(0.0, deadline - time.monotonic()))
    if child.is_alive():
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
        child.join()
        raise AssertionError(f"the child neither finished nor died within {timeout}s")
    if child.exitcode not in (0, -signal.SIGKILL):
        # A hook that no longer exists, or a run that failed on its own: either
        # way the trial tested no crash, so it must not count as survived.
        raise AssertionError(f"the child failed by itself (exit code {child.exitcode}), not killed")
    return Outcome(killed=child.exitcode == -signal.SIGKILL, exitcode=child.exitcode)
