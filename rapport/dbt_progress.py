"""dbt models built (k of n) as progress events, from dbt's own event stream.

The transform stage runs dbt in-process with ``dbtRunner``; its callbacks see
every structured event. ``FoundStats`` (after parsing, before the first node
runs) says how many models the project has, and each ``NodeFinished`` for a
model advances the count, so a long build shows where it is.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from rapport import progress

_MODELS = re.compile(r"(\d+) models?\b")
_FAILED = {"error", "fail", "runtime error"}


def models_progress() -> Callable[[Any], None]:
    """A dbtRunner callback that reports the models planned and each one built."""
    lock = threading.Lock()

    def on_event(event: Any) -> None:
        name = event.info.name
        if name == "FoundStats":
            found = _MODELS.search(event.data.stat_line)
            if found:
                progress.planned("transform", int(found.group(1)), "models")
        elif name == "NodeFinished" and event.data.node_info.resource_type == "model":
            failed = str(event.data.run_result.status) in _FAILED
            with lock:  # dbt calls back from its worker threads
                progress.advanced(
                    "transform",
                    item=event.data.node_info.node_name,
                    **({"failed": 1} if failed else {"built": 1}),
                )

    return on_event


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
