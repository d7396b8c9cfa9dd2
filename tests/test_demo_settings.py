"""The settings ``rapport demo`` runs with against its local org (rapport.demo)."""

from __future__ import annotations

from rapport.config import load_settings
from rapport.demo import demo_polling_env
from rapport.environment import scoped_environ


def test_the_demo_polls_its_local_org_bulk_jobs_sooner_than_salesforce_s(tmp_path, monkeypatch):
    monkeypatch.setenv("RAPPORT_CONFIG", str(tmp_path / "absent.yml"))
    defaults = load_settings()
    with scoped_environ(demo_polling_env()):
        demo = load_settings()

    assert demo.writeback.bulk_poll_seconds < defaults.writeback.bulk_poll_seconds
    # The ingest job's first poll waits records / records_per_second: for the
    # demo's ~5,500 contacts, under a second instead of five.
    first_wait = 5_500 / demo.writeback.bulk_records_per_second
    assert first_wait < 1 < 5_500 / defaults.writeback.bulk_records_per_second
    # Doubling and the longest wait are unchanged.
    assert demo.extract.bulk_max_poll_seconds == defaults.extract.bulk_max_poll_seconds
    assert demo.writeback.bulk_max_poll_seconds == defaults.writeback.bulk_max_poll_seconds


def test_polling_the_user_exported_wins_over_the_demo_s(tmp_path, monkeypatch):
    monkeypatch.setenv("RAPPORT_CONFIG", str(tmp_path / "absent.yml"))
    monkeypatch.setenv("RAPPORT_WRITEBACK__BULK_POLL_SECONDS", "3")
    with scoped_environ(demo_polling_env()):
        settings = load_settings()

    assert settings.writeback.bulk_poll_seconds == 3
    assert settings.writeback.bulk_records_per_second == 20_000
