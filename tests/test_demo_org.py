"""The demo's org process: it serves, it stops with the demo, and a refusal carries its code."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from rapport.demo_org import OrgProcess, OrgProcessFailed


def test_the_org_serves_and_stops_cleanly_with_the_block(tmp_path):
    with OrgProcess.start(accounts=5, seed=3, org_data=None, state_dir=tmp_path) as org:
        info = org.info
        process = org._process
        answer = requests.get(
            f"{info.instance_url}/services/data/", verify=info.ca_cert, timeout=30
        )
        assert answer.status_code == 200
        assert process.poll() is None
    # Stopped as Ctrl-C stops `rapport local-org serve` (uvicorn shuts down, then
    # exits as interrupted: 130), not killed (-9) after the grace period.
    assert process.returncode in (0, 130)
    assert (tmp_path / "ground_truth.csv").exists()


def test_an_org_that_cannot_start_reports_the_exit_code_of_its_process(tmp_path):
    missing = tmp_path / "no-such-export"
    org = OrgProcess.start(accounts=5, seed=3, org_data=missing, state_dir=tmp_path)
    with org, pytest.raises(OrgProcessFailed) as stopped:
        org.info  # noqa: B018 - reading it waits for the org
    assert stopped.value.exit_code == 2


# A demo that starts its org, says the org's pid and is then killed outright.
KILLED_DEMO = """
import sys, time
from pathlib import Path
from rapport.demo_org import OrgProcess
org = OrgProcess.start(accounts=5, seed=3, org_data=None, state_dir=Path(sys.argv[1]))
org.info
print(org._process.pid, flush=True)
time.sleep(600)
"""


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_the_org_stops_itself_when_the_demo_is_killed_outright(tmp_path):
    demo = subprocess.Popen(
        [sys.executable, "-c", KILLED_DEMO, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert demo.stdout is not None
    org_pid = int(demo.stdout.readline())
    try:
        assert not _gone_within(org_pid, 0.5), "the org serves while the demo lives"
        demo.kill()  # SIGKILL: no clean-up of the demo's runs
        demo.wait()
        assert _gone_within(org_pid, 15), "the org outlived the demo that started it"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(org_pid, signal.SIGKILL)
