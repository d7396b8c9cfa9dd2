"""dbt models built (k of n) as progress events, from prefect-dbt's per-model hook.

``PrefectDbtRunner`` runs dbt with its own ``dbtRunner`` callbacks and calls
its ``post_model`` hooks (on its callback thread) as each model node
finishes; tests, seeds and ephemeral models are not reported there, so the
total counted here is the models dbt executes. The total is read from the
manifest the runner holds by then, since dbt parses the project (and writes
target/manifest.json) before it builds the first model.
"""

from __future__ import annotations

import threading
from typing import Any

from rapport import progress


def _executed_models(manifest: Any) -> int:
    return sum(
        1
        for node in manifest.nodes.values()
        if node.resource_type == "model" and node.config.materialized != "ephemeral"
    )


def report_models(runner: Any) -> None:
    """Register a ``post_model`` hook on ``runner`` that reports each model built."""
    lock = threading.Lock()
    planned = False

    @runner.post_model
    def _model_finished(context: Any) -> None:
        nonlocal planned
        with lock:
            if not planned:
                planned = True
                progress.planned("transform", _executed_models(context.owner.manifest), "models")
        failed = context.status == "error"
        progress.advanced(
            "transform",
            item=getattr(context.node, "name", None),
            **({"failed": 1} if failed else {"built": 1}),
        )


def build_details(node_results: list[Any]) -> dict[str, int]:
    """Models built, failed and skipped, and tests passed and failed, from dbt's results."""
    counts = {"models_built": 0, "models_failed": 0, "models_skipped": 0}
    counts |= {"tests_passed": 0, "tests_failed": 0}
    for result in node_results:
        status = str(result.status)
        kind = str(result.node.resource_type)
        if kind == "model":
            key = {"success": "models_built", "skipped": "models_skipped"}.get(status)
            counts[key or "models_failed"] += 1
        elif kind in ("test", "unit_test") and status != "skipped":
            counts["tests_passed" if status in ("pass", "warn") else "tests_failed"] += 1
    return counts
