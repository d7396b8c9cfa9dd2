"""A run's choices stay in the run: the target is applied to a copy of the settings,
and dbt's variables are set only around its invocation."""

from __future__ import annotations

import os

import pytest

from flows.settings import run_settings
from rapport.environment import scoped_environ


@pytest.fixture(autouse=True)
def no_config_file(tmp_path, monkeypatch):
    monkeypatch.setenv("RAPPORT_CONFIG", str(tmp_path / "absent.yml"))
    monkeypatch.delenv("RAPPORT_WAREHOUSE__TYPE", raising=False)
    monkeypatch.setenv("RAPPORT_WAREHOUSE__HOST", "db.internal")


def test_the_target_changes_this_run_only_and_keeps_the_rest_of_the_settings():
    settings = run_settings("postgres")

    assert settings.warehouse.type == "postgres"
    assert settings.warehouse.host == "db.internal"
    assert "RAPPORT_WAREHOUSE__TYPE" not in os.environ
    assert run_settings().warehouse.type == "duckdb"


def test_scoped_environ_restores_what_was_there_and_removes_what_was_not(monkeypatch):
    monkeypatch.setenv("RAPPORT_TARGET", "duckdb")
    monkeypatch.delenv("RAPPORT_PG_HOST", raising=False)

    with (
        pytest.raises(RuntimeError),
        scoped_environ({"RAPPORT_TARGET": "postgres", "RAPPORT_PG_HOST": "db.internal"}),
    ):
        assert os.environ["RAPPORT_TARGET"] == "postgres"
        assert os.environ["RAPPORT_PG_HOST"] == "db.internal"
        raise RuntimeError("dbt failed")

    assert os.environ["RAPPORT_TARGET"] == "duckdb"
    assert "RAPPORT_PG_HOST" not in os.environ
