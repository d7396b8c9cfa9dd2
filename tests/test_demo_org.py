"""The demo's org process: it serves, it stops with the demo, and a refusal carries its code."""

from __future__ import annotations

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
