"""The README's path to a dry run, run literally against a local org."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from connectors.salesforce.writeback.rapport_fields import rapport_fields
from rapport.config import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"


def readme_block(tag: str) -> str:
    match = re.search(rf"```bash {tag}\n(.*?)```", README.read_text(), re.DOTALL)
    assert match, f"README has no ```bash {tag} block"
    return match.group(1)


def test_readme_starts_with_the_two_commands():
    text = README.read_text()
    first_block = re.search(r"```bash\n(.*?)```", text, re.DOTALL).group(1)
    assert [line.split()[:2] for line in first_block.splitlines()] == [
        ["make", "demo"],
        ["make", "test"],
    ]


@pytest.mark.slow
def test_newcomer_reaches_a_dry_run_by_following_the_readme(tmp_path: Path):
    script = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + readme_block(
        "readme-local-org"
    )
    env = os.environ | {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "RAPPORT_CONFIG": str(tmp_path / "rapport.yml"),
    }
    env = {k: v for k, v in env.items() if not k.startswith("RAPPORT_") or k == "RAPPORT_CONFIG"}
    result = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "Missing: Account.Relationship_Trend__c" in output  # first doctor
    # doctor after install-fields: every Rapport field the org should hold
    assert f"all {len(rapport_fields())} Rapport fields present" in output
    assert "Relationship types" in output  # the dry run's distribution
    assert (tmp_path / "warehouse" / "rapport.duckdb").exists()
