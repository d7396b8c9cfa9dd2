"""What ``rapport run --dry-run`` prints after the flow: the write-back it would have made.

The flow returns the type distribution; the dry run's report (created,
updated, unchanged and conflict counts, a before/after sample) is published
by the write-back subflow as a Prefect artifact, so it is read back from
there rather than threaded through the flows' return values.
"""

from __future__ import annotations

from datetime import datetime

DRY_RUN_ARTIFACT = "writeback-dry-run"


def dry_run_report_since(started_at: datetime) -> str | None:
    """The markdown of the dry-run report published after ``started_at``, if any."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[DRY_RUN_ARTIFACT])),
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
        )
    if not found or found[0].created is None or found[0].created < started_at:
        return None
    data = found[0].data
    return data if isinstance(data, str) else None
