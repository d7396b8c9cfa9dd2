"""Bring your own loader: raw tables in Fivetran's or Airbyte's layout give Rapport's marts.

A generated org is extracted by Rapport once (the reference: its raw tables
and marts). Its raw tables are then landed again, in another warehouse, in
each loader's own layout (tests/factories/loaders.py), with a deleted account
and a deleted won deal added the way that loader marks deletes. ``rapport
transform`` and ``rapport validate`` run there with ``source.loader`` set and
no Salesforce sign-in; every mart must equal the reference's, and the org
must not have been called.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dbt.cli.main import dbtRunner
from typer.testing import CliRunner

from rapport.cli import app
from rapport.config import load_settings
from rapport.environment import scoped_environ
from rapport.warehouse import DBT_PROJECT_DIR, dbt_env
from tests.factories.loaders import add_deleted_copy, fivetran_name, key, land
from tests.factories.orgs import AS_OF, generated_store

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

MARTS = (
    "account_relationship",
    "contact_relationship",
    "fct_touchpoints",
    "fct_relationship_moments",
    "fct_expectation_violations",
    "relationship_evidence",
)
SYNCED_AT = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


@dataclass
class Reference:
    org: object
    warehouse: Path
    api_names: dict[str, dict[str, str]]
    marts: dict[str, pd.DataFrame]
    gates: set[tuple]
    salesforce_env: dict[str, str]


def cli(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)


def read_marts(warehouse: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(warehouse)) as connection:
        return {
            table: connection.sql(f'select * from "{warehouse.stem}".rapport.{table}').df()
            for table in MARTS
        }


def gate_outcomes(warehouse: Path) -> set[tuple]:
    """Every check the last gate run made, and whether it passed."""
    with duckdb.connect(str(warehouse)) as connection:
        rows = connection.execute(
            f'select suite, check_name, column_name, success from "{warehouse.stem}"'
            ".rapport_audit.validation_results"
        ).fetchall()
    return set(rows)


def sorted_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, prefect_harness) -> Iterator[Reference]:
    """The org extracted and transformed by Rapport itself."""
    from connectors.salesforce.extract.source import table_name
    from local_org.server import LocalOrg
    from rapport.demo import local_org_env

    tmp = tmp_path_factory.mktemp("reference")
    store, _ = generated_store(accounts=40, seed=11)
    api_names = {
        table_name(name): {key(f): f for f in spec.fields} | {"": name}
        for name, spec in store.objects.items()
    }
    org = LocalOrg.start(store, state_dir=tmp / "local-org")
    warehouse = tmp / "reference.duckdb"
    env = local_org_env(org.info, warehouse, tmp / "state") | {
        "RAPPORT_CONFIG": str(tmp / "absent.yml"),
        "RAPPORT_AS_OF_DATE": AS_OF,
        # Describe-driven checks need a sign-in, which the loader runs do not have.
        "RAPPORT_GATES__DESCRIBE": "off",
    }
    try:
        with scoped_environ(env):
            cli("extract", "--full-refresh")
            cli("transform")
            cli("validate")
        gates = gate_outcomes(warehouse)
        salesforce = {k: v for k, v in env.items() if k.startswith("RAPPORT_SALESFORCE__")}
        yield Reference(org, warehouse, api_names, read_marts(warehouse), gates, salesforce)
    finally:
        org.stop()


@pytest.fixture
def loader_run(reference, tmp_path, monkeypatch):
    """Land the reference's raw tables in ``loader``'s layout and point Rapport at them."""
    for name in [n for n in os.environ if n.startswith("RAPPORT_")]:
        monkeypatch.delenv(name)
    warehouse = tmp_path / "warehouse.duckdb"

    def start(loader: str, schema: str) -> Path:
        land(reference.warehouse, warehouse, schema, loader, reference.api_names, SYNCED_AT)
        for name, value in {
            "RAPPORT_CONFIG": str(tmp_path / "absent.yml"),
            "RAPPORT_AS_OF_DATE": AS_OF,
            "RAPPORT_WAREHOUSE__PATH": str(warehouse),
            "RAPPORT_STATE_DIR": str(tmp_path / "state"),
            "RAPPORT_SOURCE__LOADER": loader,
            "RAPPORT_SOURCE__SCHEMA": schema,
            "RAPPORT_GATES__DESCRIBE": "off",
        }.items():
            monkeypatch.setenv(name, value)
        return warehouse

    return start


def run_without_salesforce(reference: Reference, warehouse: Path) -> None:
    """Transform and gates on the landed tables: no call to the org, the same checks passed."""
    calls = reference.org.request_log.count()
    cli("transform")
    cli("validate")
    assert reference.org.request_log.count() == calls, "the org was called"
    # The gates found every raw table and column Rapport's own extract has.
    assert gate_outcomes(warehouse) == reference.gates


def plan_writeback(reference: Reference) -> None:
    """Write-back (dry run) signs in and plans every account of the marts, sending nothing."""
    from flows.writeback import writeback

    with scoped_environ(reference.salesforce_env):
        report = writeback(dry_run=True)
    accounts = next(o for o in report.objects if o.object_name == "Account")
    assert accounts.records == len(reference.marts["account_relationship"])
    assert accounts.invalid == 0 and accounts.created + accounts.updated > 0
    assert reference.org.request_log.count("PATCH", "composite") == 0


def assert_marts_equal(warehouse: Path, reference: Reference) -> None:
    landed = read_marts(warehouse)
    for table in MARTS:
        expected, actual = reference.marts[table], landed[table]
        assert len(expected) > 0, table
        assert list(actual.columns) == list(expected.columns), table
        pd.testing.assert_frame_equal(
            sorted_frame(actual), sorted_frame(expected), check_dtype=False, obj=table
        )


def freshness(warehouse: Path, select: str) -> dict[str, dict]:
    """dbt source freshness on the configured warehouse: result per source table."""
    target = warehouse.parent / "freshness-target"
    with scoped_environ(dbt_env(load_settings().warehouse)):
        dbtRunner().invoke(
            [
                "source",
                "freshness",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(target),
                "--select",
                select,
                "--quiet",
            ]
        )
    results = json.loads((target / "sources.json").read_text())["results"]
    return {r["unique_id"].split(".")[-1]: r for r in results}


def test_fivetran_layout_gives_the_same_marts(reference, loader_run):
    schema = "fivetran_salesforce"
    warehouse = loader_run("fivetran", schema)
    # Fivetran marks a row deleted at the source in _fivetran_deleted, and
    # syncs IsDeleted as is_deleted: one of each, neither may reach the marts.
    add_deleted_copy(warehouse, f"{schema}.account", "id", "true", {"_fivetran_deleted": True})
    add_deleted_copy(warehouse, f"{schema}.opportunity", "id", "is_won", {"is_deleted": True})
    stale = datetime.now(UTC) - timedelta(days=10)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(f"update {schema}.contract set _fivetran_synced = ?", [stale])

    run_without_salesforce(reference, warehouse)

    assert_marts_equal(warehouse, reference)
    plan_writeback(reference)
    # Freshness is Fivetran's sync time, not when Salesforce last changed a row
    # (the generated org's rows changed long ago).
    fresh = freshness(warehouse, "source:salesforce.account source:salesforce.contract")
    assert fresh["account"]["status"] == "pass"
    assert fresh["contract"]["status"] == "error"


def test_airbyte_layout_gives_the_same_marts(reference, loader_run):
    schema = "airbyte_salesforce"
    warehouse = loader_run("airbyte", schema)
    add_deleted_copy(warehouse, f'{schema}."Account"', "Id", "true", {"IsDeleted": True})
    add_deleted_copy(warehouse, f'{schema}."Opportunity"', "Id", '"IsWon"', {"IsDeleted": True})
    with duckdb.connect(str(warehouse)) as connection:
        tables = {
            r[0]
            for r in connection.execute(
                "select table_name from information_schema.tables where table_schema = ?", [schema]
            ).fetchall()
        }
        survey = connection.execute(
            "select column_name from information_schema.columns where table_schema = ? "
            "and table_name = 'Survey_Response__c'",
            [schema],
        ).fetchall()
    assert {"OpportunityContactRole", "Survey_Response__c", "Account"} <= tables
    assert ("Score__c",) in survey and ("_airbyte_extracted_at",) in survey

    run_without_salesforce(reference, warehouse)

    assert_marts_equal(warehouse, reference)
    plan_writeback(reference)
    fresh = freshness(
        warehouse, "source:salesforce.account source:salesforce.opportunity_contact_role"
    )
    assert {r["status"] for r in fresh.values()} == {"pass"}


def test_fivetran_names_follow_its_documented_convention():
    assert fivetran_name("Pricebook2Id") == "pricebook_2_id"
    assert fivetran_name("Survey_Response__c") == "survey_response_c"
    assert fivetran_name("OpportunityContactRole") == "opportunity_contact_role"
    assert fivetran_name("SystemModstamp") == "system_modstamp"
