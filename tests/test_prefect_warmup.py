"""Prefect's ephemeral server started ahead of the first flow run (rapport.prefect_warmup)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rapport.prefect_warmup import ServerWarmup

# Run in a child process: the session's Prefect test harness owns this
# process's server singleton, and the point is the path without a harness.
WARM_THEN_RUN = """
import json
from pathlib import Path

from rapport import prefect_defaults

prefect_defaults.apply()

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.server.api.server import SubprocessASGIServer

from rapport.prefect_warmup import ServerWarmup

warmup = ServerWarmup().start()
started = warmup.started
warmup.wait()
server = SubprocessASGIServer()
process = server.server_process
answered_before_run = server.running and process is not None and process.poll() is None


@flow
def answer() -> int:
    return 42


result = answer()
with get_client(sync_client=True) as client:
    runs = client.read_flow_runs()
environ = Path(f"/proc/{process.pid}/environ").read_bytes().split(b"\\0")
print(json.dumps({
    "started": started,
    "answered_before_run": answered_before_run,
    "same_server": SubprocessASGIServer().server_process is process,
    "result": result,
    "runs": [(run.name, run.state.type.value) for run in runs],
    "api_url": client.api_url.host + ":" + str(client.api_url.port),
    "server": f"127.0.0.1:{server.port}",
    "registers_blocks": b"PREFECT_API_BLOCKS_REGISTER_ON_START=false" not in environ,
}))
"""


@pytest.mark.slow
def test_the_flow_run_uses_the_server_started_ahead_of_it(tmp_path: Path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PREFECT_")
        or key == "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
    }
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    done = subprocess.run(
        [sys.executable, "-c", WARM_THEN_RUN],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])

    assert outcome["started"] is True
    assert outcome["answered_before_run"] is True
    # One server: the run found the warmed one and started no other.
    assert outcome["same_server"] is True
    assert outcome["api_url"] == outcome["server"]
    assert outcome["result"] == 42
    assert len(outcome["runs"]) == 1 and outcome["runs"][0][1] == "COMPLETED"
    assert outcome["registers_blocks"] is False


def test_nothing_starts_when_a_prefect_server_is_configured():
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        warmup = ServerWarmup().start()
    assert warmup.started is False
    warmup.wait()  # nothing to wait for: returns at once


def test_a_server_that_cannot_start_fails_at_wait(monkeypatch):
    import rapport.prefect_warmup as warmup_module

    def cannot_start() -> None:
        raise RuntimeError("Timed out while attempting to connect to ephemeral Prefect API server.")

    monkeypatch.setattr(warmup_module, "_start_server", cannot_start)
    monkeypatch.setattr(warmup_module, "ephemeral_server_needed", lambda: True)
    warmup = ServerWarmup().start()
    assert warmup.started is True
    with pytest.raises(RuntimeError, match="ephemeral Prefect API server"):
        warmup.wait()
    assert warmup.started is False
