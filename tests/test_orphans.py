"""An org whose opportunities are 20% orphans (no account), run end to end.

Salesforce allows opportunities without an account; a real export had 16%.
The run must complete, type every account, and count the orphans in the raw
gate results instead of stopping.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories.orgs import AS_OF

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_a_fifth_of_opportunities_without_account_neither_stops_nor_skews_the_run(pipeline_env):
    from expectations.runner import run_gates
    from flows.relationship_intelligence import relationship_intelligence
    from local_org.generator import generate_org
    from local_org.schema import standard_objects
    from local_org.store import OrgStore
    from rapport.config import load_settings
    from rapport.warehouse import read_table

    generated = generate_org(
        accounts=60,
        seed=3,
        as_of=datetime.fromisoformat(AS_OF).replace(tzinfo=UTC),
        orphan_share=0.2,
    )
    opportunities = generated.records["Opportunity"]
    orphans = sum(o["AccountId"] is None for o in opportunities)
    assert orphans / len(opportunities) == pytest.approx(0.2, abs=0.01)
    store = OrgStore.create(standard_objects())
    for object_name, records in generated.records.items():
        store.insert(object_name, records)
    pipeline_env(store)

    relationship_intelligence(full_refresh=True, dry_run=True)

    settings = load_settings()
    mart = read_table(settings.warehouse, "rapport", "account_relationship")
    assert sorted(mart["account_id"]) == sorted(label["account_id"] for label in generated.labels)
    assert mart["relationship_type"].notna().all()
    report = run_gates(settings)
    [present] = [
        r
        for r in report.results
        if r.suite == "raw_opportunity" and r.check == "account_id_present"
    ]
    assert present.severity == "warning" and not present.success
    assert f"{orphans} live rows without account_id" in present.observed_value
    [share] = [
        r
        for r in report.results
        if r.suite == "raw_opportunity" and r.check == "account_id_attributable"
    ]
    assert share.success
    assert report.passed
