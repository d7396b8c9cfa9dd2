"""One key finds a field or object whichever loader named it, and never two of ours at once."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
import yaml

from expectations.landed import find_landed_table, salesforce_key
from rapport.config import Settings
from rapport.warehouse import DBT_PROJECT_DIR, DuckDbSql, dbt_env

STAGING = DBT_PROJECT_DIR / "models" / "staging"
# [source_column, alias, type] entries of a staging model's column list.
ENTRY = re.compile(r"\[\s*'([^']+)',\s*'([^']+)',\s*'([^']+)'\s*\]")


def staging_columns() -> dict[str, list[str]]:
    models = sorted(STAGING.glob("stg_salesforce__*.sql"))
    assert models
    return {m.stem: [e[0] for e in ENTRY.findall(m.read_text())] for m in models}


@pytest.mark.parametrize(
    "spellings",
    [
        # dlt, Fivetran, Airbyte (and Airbyte on PostgreSQL, lower-cased).
        ["account_id", "account_id", "AccountId", "accountid"],
        ["system_modstamp", "system_modstamp", "SystemModstamp"],
        ["pricebook2_id", "pricebook_2_id", "Pricebook2Id"],
        ["score_c", "score__c", "score_c", "Score__c"],
        ["opportunity_contact_role", "OpportunityContactRole", "opportunitycontactrole"],
        ["survey_response_c", "Survey_Response__c", "survey_response__c"],
    ],
)
def test_every_loaders_spelling_has_one_key(spellings):
    assert len({salesforce_key(s) for s in spellings}) == 1


def test_no_two_staging_columns_or_source_tables_share_a_key():
    for model, columns in staging_columns().items():
        assert len(columns) > 3, model
        keys = [salesforce_key(c) for c in columns]
        assert len(set(keys)) == len(keys), model
        # The deletion flags are matched by key too; no staged column may be one.
        assert not {"isdeleted", "fivetrandeleted"} & set(keys), model
    sources = yaml.safe_load((STAGING / "_salesforce__sources.yml").read_text())
    tables = [t["name"] for t in sources["sources"][0]["tables"]]
    assert len({salesforce_key(t) for t in tables}) == len(tables) == 13


def test_another_loader_reads_its_own_schema_and_tells_dbt_its_layout(monkeypatch):
    monkeypatch.setenv("RAPPORT_CONFIG", "/nonexistent/rapport.yml")
    monkeypatch.setenv("RAPPORT_SOURCE__LOADER", "airbyte")
    monkeypatch.setenv("RAPPORT_SOURCE__SCHEMA", "airbyte_salesforce")
    settings = Settings()
    assert settings.warehouse.raw_schema == "airbyte_salesforce"
    env = dbt_env(settings.warehouse)
    assert env["RAPPORT_RAW_SCHEMA"] == "airbyte_salesforce"
    assert env["RAPPORT_SOURCE_LOADER"] == "airbyte"

    monkeypatch.setenv("RAPPORT_SOURCE__LOADER", "rapport")
    settings = Settings()
    # Rapport's own extract keeps warehouse.raw_schema.
    assert settings.warehouse.raw_schema == "salesforce"
    assert dbt_env(settings.warehouse)["RAPPORT_SOURCE_LOADER"] == "rapport"


def test_gates_find_an_airbyte_table_and_its_deleted_rows(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    connection.execute("create schema airbyte")
    connection.execute(
        'create table airbyte."OpportunityContactRole" ("Id" varchar, "OpportunityId" varchar, '
        '"IsDeleted" boolean, _airbyte_extracted_at timestamptz)'
    )
    connection.execute(
        """insert into airbyte."OpportunityContactRole" values
        ('a', 'o1', false, now()), ('b', 'o2', true, now()), ('c', null, null, now())"""
    )
    sql = DuckDbSql(connection)

    landed = find_landed_table(sql, "airbyte", "opportunity_contact_role")

    assert landed is not None and landed.name == "OpportunityContactRole"
    assert landed.column("opportunity_id") == "OpportunityId"
    assert landed.column("contact_id") is None
    live = sql.rows(f"select {landed.quoted('id')} from {landed.relation} where {landed.live}")
    assert sorted(r[0] for r in live) == ["a", "c"]
    assert find_landed_table(sql, "airbyte", "opportunity_competitor") is None


def test_fivetran_deletes_count_with_is_deleted(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    connection.execute("create schema fivetran")
    connection.execute(
        "create table fivetran.account (id varchar, is_deleted boolean, _fivetran_deleted boolean)"
    )
    connection.execute(
        "insert into fivetran.account values "
        "('a', false, false), ('b', false, true), ('c', true, false), ('d', null, null)"
    )
    sql = DuckDbSql(connection)
    landed = find_landed_table(sql, "fivetran", "account")
    assert landed is not None
    live = sql.rows(f"select id from {landed.relation} where {landed.live}")
    assert sorted(r[0] for r in live) == ["a", "d"]
