"""The demo's local org, served by a child process (``rapport local-org serve``).

The pipeline's process spends the demo on one core: Python, under one GIL.
Served from a thread of that process, the org took its turn on the same core:
seeding itself (5 s at 1,000 accounts), answering the extraction's queries and
ingesting the write-back. In a process of its own it seeds while this one
imports the pipeline, and serves from the other core, as a real org would
from Salesforce's servers. ``rapport local-org serve`` is the command a user
runs to serve one by hand; the demo runs that same command.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from contextlib import AbstractContextManager
from pathlib import Path

from local_org.server import LocalOrgInfo

STOP_SECONDS = 10


class OrgProcessFailed(Exception):
    """The org process stopped before it served; it has already said why on stderr."""

    def __init__(self, exit_code: int) -> None:
        super().__init__(f"the local org process stopped before serving (exit code {exit_code})")
        self.exit_code = exit_code


class OrgProcess(AbstractContextManager["OrgProcess"]):
    """A started ``rapport local-org serve``; use as a context manager, read ``info``."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._process = process
        self._info: LocalOrgInfo | None = None

    @classmethod
    def start(cls, accounts: int, seed: int, org_data: Path | None, state_dir: Path) -> OrgProcess:
        """Start seeding and serving; returns at once, ``info`` waits for the org."""
        command = [sys.executable, "-m", "rapport.cli", "local-org", "serve"]
        command += ["--accounts", str(accounts), "--seed", str(seed)]
        command += ["--state-dir", str(state_dir), "--until-stdin-closes"]
        if org_data is not None:
            command += ["--org-data", str(org_data)]
        # stderr is ours: a refused export folder is explained there by the
        # child, in the words and with the exit code the CLI gives it. stdin
        # is a pipe only this process holds: if it dies without stopping the
        # org, even by kill -9, the pipe closes and the org stops itself.
        return cls(
            subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        )

    @property
    def info(self) -> LocalOrgInfo:
        """The org's sign-in, once it serves (its first line of output)."""
        if self._info is None:
            assert self._process.stdout is not None
            line = self._process.stdout.readline()
            if not line:
                raise OrgProcessFailed(self._process.wait())
            self._info = LocalOrgInfo(**json.loads(line))
            # Nothing else is expected on stdout; drained so a stray line can
            # never fill the pipe and stall the org.
            threading.Thread(target=self._process.stdout.read, daemon=True).start()
        return self._info

    def stop(self) -> None:
        """Stop the org as Ctrl-C would (uvicorn shuts down cleanly), then for good."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
            try:
                self._process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdin is not None:
            self._process.stdin.close()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
