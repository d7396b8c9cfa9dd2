"""Generated orgs and the record of a running one, for pipeline tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Pinned so generated orgs and dbt agree on "today" whatever day the tests run.
AS_OF = "2026-11-23"


@dataclass
class RunningOrg:
    org: object  # local_org.server.LocalOrg
    labels: list[dict]
    warehouse: Path
    state_dir: Path


def generated_store(accounts: int, seed: int):
    from datetime import UTC, datetime

    from local_org.generator import generate_org
    from local_org.schema import standard_objects
    from local_org.store import OrgStore

    generated = generate_org(
        accounts=accounts, seed=seed, as_of=datetime.fromisoformat(AS_OF).replace(tzinfo=UTC)
    )
    store = OrgStore.create(standard_objects())
    for object_name, records in generated.records.items():
        store.insert(object_name, records)
    return store, generated.labels
