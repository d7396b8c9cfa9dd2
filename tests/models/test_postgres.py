"""The same org, loaded by the real connector into DuckDB and PostgreSQL, gives the same answers."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from connectors.salesforce.extract.load import load_salesforce, open_client
from local_org.server import LocalOrg
from rapport.config import Settings
from rapport.environment import scoped_environ
from rapport.warehouse import dbt_env, read_table
from tests.factories.dbt import run_dbt
from tests.factories.orgs import generated_store

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def settings_for(org: LocalOrg, warehouse: dict, state_dir) -> Settings:
    info = org.info
    return Settings(
        salesforce={
            "username": info.username,
            "password": info.password,
            "security_token": info.security_token,
            "local_org_url": info.instance_url,
            "ca_cert": info.ca_cert,
        },
        warehouse=warehouse,
        state_dir=state_dir,
    )


@pytest.fixture(scope="module")
def both_warehouses(tmp_path_factory, postgres_url):
    workdir = tmp_path_factory.mktemp("parity")
    url = urlparse(postgres_url)
    targets = {
        "duckdb": {"type": "duckdb", "path": workdir / "rapport.duckdb"},
        "postgres": {
            "type": "postgres",
            "host": url.hostname,
            "port": url.port,
            "user": url.username,
            "database": url.path.lstrip("/"),
        },
    }
    store, _ = generated_store(accounts=80, seed=21)
    marts = {}
    with LocalOrg.start(store, state_dir=workdir / "org") as org:
        for name, warehouse in targets.items():
            settings = settings_for(org, warehouse, workdir / f"state-{name}")
            load_salesforce(open_client(settings), settings, full_refresh=True)
            with scoped_environ(dbt_env(settings.warehouse)):
                run_dbt(
                    workdir / "rapport.duckdb", workdir / f"target-{name}"
                ) if name == "duckdb" else run_dbt_postgres(workdir)
            marts[name] = read_table(settings.warehouse, "rapport", "account_relationship")
    return marts


def run_dbt_postgres(workdir) -> None:
    from dbt.cli.main import dbtRunner

    from rapport.warehouse import DBT_PROJECT_DIR
    from tests.factories.orgs import AS_OF

    result = dbtRunner().invoke(
        [
            "build",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(workdir / "target-postgres"),
            "--vars",
            f'{{"as_of_date": "{AS_OF}"}}',
            "--quiet",
        ]
    )
    assert result.success, result.exception or [
        f"{r.node.name}: {r.message}" for r in result.result if r.status not in ("success", "pass")
    ]


def test_dbt_build_passes_on_postgres_and_matches_duckdb(both_warehouses):
    duck = both_warehouses["duckdb"].set_index("account_id").sort_index()
    pg = both_warehouses["postgres"].set_index("account_id").sort_index()
    assert len(pg) == len(duck) == 80
    assert (pg["relationship_type"] == duck["relationship_type"]).all()
    assert (pg["is_hostage"] == duck["is_hostage"]).all()
    assert (pg["next_step"] == duck["next_step"]).all()
    assert (pg["strength_score"].astype(float) - duck["strength_score"]).abs().max() < 0.11
