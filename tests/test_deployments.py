"""prefect.yaml deploys against a Prefect server and lists the three deployments."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rapport.config import PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]
PREFECT = str(Path(sys.executable).with_name("prefect"))


def prefect_cli(*args: str) -> subprocess.CompletedProcess:
    from prefect.settings import PREFECT_API_URL

    env = os.environ | {
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "RAPPORT_HOME": str(PROJECT_ROOT),
    }
    return subprocess.run(
        [PREFECT, "--no-prompt", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_prefect_yaml_keeps_secrets_out():
    text = (PROJECT_ROOT / "prefect.yaml").read_text().lower()
    config = yaml.safe_load(text)
    for word in ("password:", "token:", "secret:", "consumer_secret"):
        assert word not in text
    assert {d["work_pool"]["name"] for d in config["deployments"]} == {"rapport-process"}


def test_prefect_deploy_all_creates_the_three_deployments():
    created = prefect_cli(
        "work-pool", "create", "rapport-process", "--type", "process", "--overwrite"
    )
    assert created.returncode == 0, created.stderr + created.stdout

    deployed = prefect_cli("deploy", "--all")
    assert deployed.returncode == 0, deployed.stderr + deployed.stdout

    listed = prefect_cli("deployment", "ls")
    assert listed.returncode == 0, listed.stderr
    deployments = {d.name: d for d in read_deployments()}
    assert set(deployments) >= {
        "rapport-incremental",
        "rapport-full-refresh",
        "rapport-writeback-dry-run",
    }
    incremental = deployments["rapport-incremental"]
    assert [s.schedule.cron for s in incremental.schedules] == ["15 * * * *"]
    assert incremental.parameters == {"full_refresh": False, "dry_run": False}
    assert deployments["rapport-full-refresh"].parameters["full_refresh"] is True
    assert deployments["rapport-writeback-dry-run"].schedules == []
    assert deployments["rapport-writeback-dry-run"].parameters["dry_run"] is True
    assert all(d.work_pool_name == "rapport-process" for d in deployments.values())


def read_deployments():
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_deployments()
