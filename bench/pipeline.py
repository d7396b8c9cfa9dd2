"""The real pipeline, dry, on a generated org: what the accuracy and backtest benches share.

Both need the same set-up (generate an org, serve it as a local org, point
Rapport at it, run every stage with write-back dry) and then read the
warehouse while Rapport is still pointed at it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any


@contextmanager
def dry_run_on_generated_org(
    accounts: int, seed: int, as_of: datetime, workdir: Path, **generator_options: Any
) -> Iterator[Any]:
    """Yield the generated org after a full dry run; settings point at its warehouse meanwhile."""
    from flows.relationship_intelligence import relationship_intelligence
    from local_org.generator import generate_org
    from local_org.schema import standard_objects
    from local_org.server import LocalOrg
    from local_org.store import OrgStore
    from rapport.demo import local_org_env
    from rapport.environment import scoped_environ

    generated = generate_org(accounts=accounts, seed=seed, as_of=as_of, **generator_options)
    store = OrgStore.create(standard_objects())
    for object_name, records in generated.records.items():
        store.insert(object_name, records)
    warehouse = workdir / "warehouse" / "rapport.duckdb"
    with (
        LocalOrg.start(store, state_dir=workdir / "local-org") as org,
        scoped_environ(
            local_org_env(org.info, warehouse, workdir / "state")
            | {
                "RAPPORT_AS_OF_DATE": as_of.date().isoformat(),
                "RAPPORT_CONFIG": str(workdir / "none.yml"),
            }
        ),
    ):
        relationship_intelligence(full_refresh=True, dry_run=True)
        yield generated
