"""One whole `rapport run --full-refresh` on the small org, shared by the tests that read it.

A whole run costs 45-70 s here; several tests ran the same one on the same
60-account org (seed 3) only to read what it left: the marts, the CRM's
fields, the Prefect artifacts, the command's output. ``shared_run`` makes it
once per session (``once_per_session``) and keeps everything a reader needs:
the org's store and the warehouse as files, the local state folder, and what
happened in the run (output, artifacts, the flow's type distribution, write
counts) in ``run.json``. ``restore`` gives each test its own copy of the org
(served again), warehouse and state, so a test may run again after it, as a
second run would after the first, without changing what the others read.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from tests.factories.orgs import AS_OF, RunningOrg, generated_store

ACCOUNTS, SEED = 60, 3
# The run artifacts the flow publishes (tests/test_end_to_end.py checks the set).
RUN_ARTIFACTS = (
    "rows-extracted",
    "dbt-models",
    "gate-results",
    "type-distribution",
    "writeback",
    "relationship-report",
)
# Calls that write to the CRM: sObject Collections and Bulk ingest jobs.
WRITES = (("PATCH", "composite"), ("POST", "jobs/ingest"))


@dataclass
class SharedRun:
    """What the shared run left, and a live copy of its org and warehouse for one test."""

    running: RunningOrg
    exit_code: int
    output: str  # stdout and stderr as the terminal showed them
    stdout: str
    stderr: str
    distribution: dict[str, int]
    artifacts: dict[str, str]  # key -> markdown data
    writes: dict[str, int]  # "METHOD path" -> calls made by the run
    extra: dict = field(default_factory=dict)


def writes_made(org) -> dict[str, int]:
    return {f"{m} {p}": org.request_log.count(m, p) for m, p in WRITES}


def _env(info, folder: Path) -> dict[str, str]:
    from rapport.demo import local_org_env

    return local_org_env(info, folder / "warehouse" / "rapport.duckdb", folder / "state") | {
        "RAPPORT_CONFIG": str(folder / "absent.yml"),
        "RAPPORT_AS_OF_DATE": AS_OF,
    }


def _artifacts_since(started_at: datetime) -> dict[str, str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=sorted(RUN_ARTIFACTS)))
        )
    return {a.key: a.data for a in found if a.created >= started_at}


def build_shared_run(folder: Path) -> None:
    """Run `rapport run --full-refresh` on a fresh small org; keep its files and its record."""
    from typer.testing import CliRunner

    import flows.relationship_intelligence as flow_module
    from local_org.server import LocalOrg
    from rapport.cli import app

    store, labels = generated_store(accounts=ACCOUNTS, seed=SEED)
    perceived_before = {
        r["Id"]: r["Relationship_Perceived_Type__c"]
        for r in store.query("SELECT Id, Relationship_Perceived_Type__c FROM Account").records()
    }
    real_flow, returned = flow_module.relationship_intelligence, []

    def recording_flow(**kwargs):
        # The CLI prints the distribution; readers of the flow want the value it returned.
        returned.append(real_flow(**kwargs))
        return returned[-1]

    org = LocalOrg.start(store, state_dir=folder / "local-org")
    try:
        with pytest.MonkeyPatch.context() as patch:
            for key, value in _env(org.info, folder).items():
                patch.setenv(key, value)
            patch.setattr(flow_module, "relationship_intelligence", recording_flow)
            started_at = datetime.now(UTC)
            result = CliRunner().invoke(app, ["run", "--full-refresh"])
        assert result.exit_code == 0, result.output + repr(result.exception)
        record = {
            "exit_code": result.exit_code,
            "output": result.output,
            "stdout": result.stdout,
            "stderr": result.stderr,
            "distribution": returned[0],
            "artifacts": _artifacts_since(started_at),
            "writes": writes_made(org),
            "labels": labels,
            "perceived_before": perceived_before,
        }
        store.save_as(folder / "org.duckdb")
        # Checkpointed once here: the readers copy the file without opening it, since
        # two workers cannot open one DuckDB file at once, even to checkpoint it.
        with duckdb.connect(str(folder / "warehouse" / "rapport.duckdb")) as connection:
            connection.execute("checkpoint")
    finally:
        org.stop()
    (folder / "run.json").write_text(json.dumps(record, default=str))


def restore(
    shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list
) -> SharedRun:
    """Serve a copy of the shared run's org, and point Rapport at copies of its warehouse and state."""
    from local_org.server import LocalOrg
    from local_org.store import OrgStore

    record = json.loads((shared / "run.json").read_text())
    shutil.copyfile(shared / "org.duckdb", tmp_path / "org.duckdb")
    warehouse = tmp_path / "warehouse" / "rapport.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(shared / "warehouse" / "rapport.duckdb", warehouse)
    if (shared / "state").exists():
        shutil.copytree(shared / "state", tmp_path / "state")
    org = LocalOrg.start(OrgStore.open(tmp_path / "org.duckdb"), state_dir=tmp_path / "local-org")
    started.append(org)
    for key, value in _env(org.info, tmp_path).items():
        monkeypatch.setenv(key, value)
    return SharedRun(
        running=RunningOrg(org, record["labels"], warehouse, tmp_path / "state"),
        exit_code=record["exit_code"],
        output=record["output"],
        stdout=record["stdout"],
        stderr=record["stderr"],
        distribution=record["distribution"],
        artifacts=record["artifacts"],
        writes=record["writes"],
        extra={"perceived_before": record["perceived_before"]},
    )
