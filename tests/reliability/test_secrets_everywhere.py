"""Planted secrets appear in nothing the pipeline produces: output, logs, warehouse, state, Prefect.

The org signs in with marker credentials; the run goes end to end (also
with --debug) and then fails to sign in (also with --debug, which prints a
traceback). Everything written is then searched for every marker.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

import duckdb
import pytest

from local_org.server import LocalOrg
from local_org.state import Credentials
from rapport.demo import install_rapport_fields, local_org_env
from tests.reliability.corpus import AS_OF
from tests.reliability.helpers import generated_org_store, run_cli

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

PASSWORD = "PLANTEDpassw0rdQ7x"
SECURITY_TOKEN = "PLANTEDsecTok3nZ9"
CONSUMER_SECRET = "PLANTEDconsumerSecret5K"
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nPLANTEDprivateKeyBody4M\n-----END PRIVATE KEY-----"
WRONG_PASSWORD = "PLANTEDwrongPassw0rd8V"


def warehouse_text(path: Path) -> str:
    """Every text value of every table, so compression in the file cannot hide one."""
    parts = []
    with duckdb.connect(str(path)) as connection:  # same config as the open ones
        tables = connection.execute(
            "SELECT table_catalog, table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database()"
        ).fetchall()
        for catalog, schema, table in tables:
            rows = connection.execute(f'SELECT * FROM "{catalog}"."{schema}"."{table}"').fetchall()
            parts.append(repr(rows))
    return "\n".join(parts)


def files_text(folder: Path, skip: Path) -> str:
    return "\n".join(
        path.read_bytes().decode("utf-8", "replace")
        for path in folder.rglob("*")
        if path.is_file() and path != skip and not path.name.endswith(".wal")
    )


def prefect_text() -> str:
    """Artifacts, flow-run parameters and logs this session's Prefect API holds."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts()
        runs = client.read_flow_runs()
        logs = client.read_logs()
    return "\n".join(
        [repr([a.data for a in artifacts]), repr([r.parameters for r in runs])]
        + [log.message for log in logs]
    )


def test_no_planted_secret_anywhere(tmp_path, monkeypatch, capfd, caplog):
    caplog.set_level(logging.DEBUG)
    store = generated_org_store(accounts=8)
    install_rapport_fields(store)
    account_name = store.query("SELECT Name FROM Account").records()[0]["Name"]
    credentials = Credentials(
        username="admin@rapport.local",
        password=PASSWORD,
        security_token=SECURITY_TOKEN,
        consumer_key="rapport-local-consumer",
        consumer_secret=CONSUMER_SECRET,
    )
    warehouse = tmp_path / "warehouse" / "rapport.duckdb"
    state = tmp_path / "state"
    issued: list[str] = []
    with LocalOrg.start(store, state_dir=tmp_path / "org", credentials=credentials) as org:
        real_issue = org.state.sessions.issue

        def recording_issue() -> str:
            issued.append(real_issue())
            return issued[-1]

        monkeypatch.setattr(org.state.sessions, "issue", recording_issue)
        for key, value in local_org_env(org.info, warehouse, state).items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("RAPPORT_CONFIG", str(tmp_path / "absent.yml"))
        monkeypatch.setenv("RAPPORT_AS_OF_DATE", AS_OF.date().isoformat())
        monkeypatch.setenv("RAPPORT_SALESFORCE__CONSUMER_SECRET", CONSUMER_SECRET)
        monkeypatch.setenv("RAPPORT_SALESFORCE__PRIVATE_KEY", PRIVATE_KEY)

        assert run_cli("--debug", "run", "--full-refresh") == 0
        assert run_cli("run", "--dry-run") == 0
        dry_run_output = capfd.readouterr()

        monkeypatch.setenv("RAPPORT_SALESFORCE__PASSWORD", WRONG_PASSWORD)
        assert run_cli("run") == 4
        with pytest.raises(Exception) as refused:  # --debug lets the error through
            run_cli("--debug", "run")
        debug_traceback = "".join(traceback.format_exception(refused.value))

    output = capfd.readouterr()
    # the dry run prints its write-back counts, as the README promises
    assert "Rapport write-back (dry run: nothing was sent)" in dry_run_output.out
    assert "Account" in dry_run_output.out and "unchanged" in dry_run_output.out
    assert "Salesforce sign-in failed" in output.err
    assert len(issued) >= 2
    produced = {
        "stdout": output.out + dry_run_output.out,
        "dry-run stderr": dry_run_output.err,
        "stderr": output.err,
        "logs": caplog.text,
        "--debug traceback": debug_traceback,
        "warehouse tables": warehouse_text(warehouse),
        "state dir": files_text(state, skip=warehouse),
        "warehouse dir": files_text(warehouse.parent, skip=warehouse),
        "prefect": prefect_text(),
    }
    assert account_name in produced["warehouse tables"]  # the scan did read the tables
    markers = [
        PASSWORD,
        SECURITY_TOKEN,
        CONSUMER_SECRET,
        "PLANTEDprivateKeyBody4M",
        WRONG_PASSWORD,
        *issued,
    ]
    leaks = [(m, where) for m in markers for where, text in produced.items() if m in text]
    assert leaks == []
