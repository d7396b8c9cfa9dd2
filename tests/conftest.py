"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from rapport import prefect_defaults
from rapport.gc_settings import collect_for_a_pipeline_run
from tests.factories.orgs import AS_OF, RunningOrg, generated_store

prefect_defaults.apply()
# The suite runs pipelines in its own processes, as the CLI does: the same collector.
collect_for_a_pipeline_run()

# pytest-xdist's workers start with COLUMNS=80 and LINES=24 set; a plain run has
# neither. The CLI sizes its log output from COLUMNS (rapport/consoles.py), so
# drop them: a test sees the output a cron job or CI log gets.
for _variable in ("COLUMNS", "LINES"):
    os.environ.pop(_variable, None)


@pytest.fixture(autouse=True)
def own_dbt_target(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):
    """Each test's dbt invocations write their own target folder (manifest, run results).

    The flows run dbt on dbt_project's default ``target`` folder: two xdist
    workers building at once wrote the same manifest and partial-parse files.
    dbt reads ``DBT_TARGET_PATH`` like ``--target-path``; a user's runs keep
    the default, and tests that pass ``--target-path`` keep theirs.
    """
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path_factory.mktemp("dbt-target")))


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test server for the whole session: starting one costs ~10 s."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture
def pipeline_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Point Rapport at a local org and a throwaway warehouse, through env vars as a user would."""
    from local_org.server import LocalOrg
    from rapport.demo import local_org_env

    def start(store) -> RunningOrg:
        org = LocalOrg.start(store, state_dir=tmp_path / "local-org")
        started.append(org)
        warehouse = tmp_path / "warehouse" / "rapport.duckdb"
        for key, value in local_org_env(org.info, warehouse, tmp_path / "state").items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("RAPPORT_CONFIG", str(tmp_path / "absent.yml"))
        monkeypatch.setenv("RAPPORT_AS_OF_DATE", AS_OF)
        return RunningOrg(org, [], warehouse, tmp_path / "state")

    started: list = []
    yield start
    for org in started:
        org.stop()


@pytest.fixture
def small_org(pipeline_env) -> Iterator[RunningOrg]:
    store, labels = generated_store(accounts=60, seed=3)
    running = pipeline_env(store)
    running.labels = labels
    yield running


@pytest.fixture
def shared_run(prefect_harness, tmp_path_factory, tmp_path, monkeypatch):
    """The small org's one shared `rapport run --full-refresh`, as a private copy for this test.

    For tests that read what a first run left (and may run again after it);
    tests that change the org, the settings or inject faults before the first
    run make their own (tests/factories/flow_run.py says why).
    """
    from tests.factories.flow_run import build_shared_run, restore
    from tests.factories.shared import once_per_session

    shared = once_per_session(tmp_path_factory, "small-org-run", build_shared_run)
    started: list = []
    yield restore(shared, tmp_path, monkeypatch, started)
    for org in started:
        org.stop()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database URL: RAPPORT_TEST_POSTGRES_URL, or a server started for the session."""
    import os

    from tests.postgres_server import temporary_postgres

    if url := os.environ.get("RAPPORT_TEST_POSTGRES_URL"):
        yield url
        return
    try:
        server = temporary_postgres()
        url = server.__enter__()
    except FileNotFoundError as missing:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"{missing}; `make test` installs it")
    try:
        yield url
    finally:
        server.__exit__(None, None, None)
