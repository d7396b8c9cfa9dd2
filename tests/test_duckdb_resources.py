"""DuckDB's resources for dbt: a default that keeps a process within its memory budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.config import WarehouseSettings
from rapport.warehouse import connection


@pytest.mark.parametrize(
    ("physical_mib", "expected"),
    [
        (24 * 1024, "2048MiB"),  # this machine: capped, not half of 24 GB
        (6 * 1024, "1536MiB"),  # a small machine: a quarter
        (1024, "512MiB"),  # a tiny one: never below DuckDB's working minimum
    ],
)
def test_the_default_memory_limit_is_a_quarter_of_the_machine_at_most_2_gib(
    monkeypatch: pytest.MonkeyPatch, physical_mib: int, expected: str
) -> None:
    monkeypatch.setattr(connection, "_physical_memory_mib", lambda: physical_mib)
    resources = connection.duckdb_resources(WarehouseSettings(path=Path("w/rapport.duckdb")))
    assert resources["RAPPORT_DUCKDB_MEMORY_LIMIT"] == expected


def test_a_configured_memory_limit_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "_physical_memory_mib", lambda: 24 * 1024)
    settings = WarehouseSettings(path=Path("w/rapport.duckdb"), duckdb_memory_limit="6GB")
    assert connection.duckdb_resources(settings)["RAPPORT_DUCKDB_MEMORY_LIMIT"] == "6GB"


def _profile_settings(environment: dict[str, str]) -> dict[str, str]:
    """profiles.yml's DuckDB settings as dbt renders them (env_var from ``environment``)."""
    import jinja2
    import yaml

    from rapport.warehouse import DBT_PROJECT_DIR

    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())
    raw = profile["rapport"]["outputs"]["duckdb"]["settings"]
    templates = jinja2.Environment()
    env_var = lambda name, default=None: environment.get(name, default)  # noqa: E731
    return {key: templates.from_string(str(v)).render(env_var=env_var) for key, v in raw.items()}


def test_dbt_opens_cursors_after_duckdb_has_spilled_to_disk(tmp_path: Path) -> None:
    """dbt-duckdb SETs the profile's settings on every new cursor; DuckDB refuses
    to set its spill directory again once used, which stopped an L build mid-way."""
    import duckdb
    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.adapters.duckdb.environments import Environment

    warehouse = tmp_path / "rapport.duckdb"
    settings = WarehouseSettings(path=warehouse, duckdb_memory_limit="48MB", duckdb_threads=1)
    environment = connection.duckdb_resources(settings) | {"RAPPORT_DUCKDB_PATH": str(warehouse)}
    credentials = DuckDBCredentials(path=str(warehouse), settings=_profile_settings(environment))
    with duckdb.connect(str(warehouse)) as database:
        first = database.cursor()
        Environment.initialize_cursor(credentials, first)
        first.execute("create table t as select range as i, random() as r from range(6000000)")
        first.execute("create table sorted as select i from t order by r")
        assert (tmp_path / "rapport.duckdb.tmp").is_dir(), "the sort should have spilled"
        Environment.initialize_cursor(credentials, database.cursor())  # the next dbt node


def test_dlt_loads_the_warehouse_within_the_same_limits_as_dbt(tmp_path: Path) -> None:
    """Extraction's load step and dbt share the process's DuckDB buffer pool: without
    the limit, dlt's connection let DuckDB take 80% of the machine (4.3 GB at L)."""
    import dlt
    import duckdb

    from rapport.warehouse.backends import backend_for

    settings = WarehouseSettings(
        path=tmp_path / "rapport.duckdb", duckdb_memory_limit="96MiB", duckdb_threads=1
    )
    pipeline = dlt.pipeline(
        "limits",
        destination=backend_for(settings).dlt_destination(),
        dataset_name="salesforce",
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    pipeline.run([{"id": "001000000000001AAA"}], table_name="account")
    with pipeline.sql_client() as client:
        used = client.execute_sql(
            "select current_setting('memory_limit'), current_setting('threads')"
        )
    with duckdb.connect() as reference:
        unlimited = reference.execute("select current_setting('memory_limit')").fetchone()[0]
        reference.execute("set memory_limit = '96MiB'")
        expected_memory = reference.execute("select current_setting('memory_limit')").fetchone()[0]
    assert [tuple(row) for row in used] == [(expected_memory, 1)]
    assert expected_memory != unlimited


def test_dbt_closes_the_warehouse_when_its_invocation_ends(tmp_path: Path) -> None:
    """dbt-duckdb keeps its database, and DuckDB's buffer pool, open for the next
    invocation; the gates and write-back then ran on top of it. DuckDB refuses a
    connection with another configuration while the database is open in the
    process, so a read-only connection after the build shows it was closed."""
    import duckdb

    from flows.transform import run_dbt
    from rapport.environment import scoped_environ

    settings = WarehouseSettings(path=tmp_path / "rapport.duckdb")
    with scoped_environ(connection.dbt_env(settings)):
        result = run_dbt(["show", "--inline", "select 1 as one"], log=lambda _: None)
    assert result.success
    with duckdb.connect(str(settings.path), read_only=True) as reopened:
        assert reopened.execute("select 1").fetchone() == (1,)
