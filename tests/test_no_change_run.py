"""Hourly runs against a local org: after no change, dbt and the gates are skipped.

The second run is not a quiet one on the wire: extraction's overlap window
re-reads records it already has, and write-back's own updates of the first
run come back (their SystemModstamp moved). Neither is a change to what the
models read, so the marts are kept, and the Prefect artifacts say so; a rep's
edit of a field the models read is a change, and the next run builds.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from connectors.salesforce.api.client import connect
from rapport.build_fingerprint import TABLE
from rapport.config import load_settings
from tests.factories.dbt import mart_tables

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def fingerprint_rows(warehouse) -> list[bool]:
    """One entry per row of the fingerprint table, oldest first: True where a build passed."""
    with duckdb.connect(str(warehouse)) as connection:
        rows = connection.sql(
            f"select digest is not null from rapport_audit.{TABLE} order by recorded_at"
        ).fetchall()
    return [r[0] for r in rows]


def artifact(key: str, since: datetime) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    [latest] = [a for a in found if a.created >= since][-1:]
    return str(latest.data)


def test_an_hourly_run_after_no_change_keeps_the_marts(small_org):
    from flows.relationship_intelligence import relationship_intelligence

    relationship_intelligence(full_refresh=True)
    assert fingerprint_rows(small_org.warehouse) == [False, True]
    marts = mart_tables(small_org.warehouse)

    started = datetime.now(UTC)
    relationship_intelligence()

    assert fingerprint_rows(small_org.warehouse) == [False, True], "no build started"
    assert mart_tables(small_org.warehouse) == marts
    for key in ("dbt-models", "gate-results"):
        assert "nothing changed since build" in artifact(key, started), key
        assert "marts kept" in artifact(key, started), key

    # A rep edits a field the models read: the next run builds.
    settings = load_settings()
    sf = connect(settings.salesforce)
    account = sf.query("SELECT Id FROM Account LIMIT 1")["records"][0]["Id"]
    sf.Account.update(account, {"Name": "Renamed by a rep"})
    relationship_intelligence()
    assert fingerprint_rows(small_org.warehouse) == [False, True, False, True]
