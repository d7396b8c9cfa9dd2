"""The transform stage: one ``dbt build``, its per-node results in an artifact.

dbt runs as a single in-process invocation (``dbtRunner``), not as a Prefect
task per dbt node (prefect-dbt's ``PrefectDbtRunner``): profiling ``rapport
demo`` showed the per-node tasks (a task run, its states and logs sent to the
Prefect API for each of ~100 nodes) costing more time than the SQL itself,
and nothing reads them — retries are per flow, and what a data engineer
checks (each node's status and seconds) is in the ``dbt-models`` artifact.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dbt.cli.main import dbtRunner, dbtRunnerResult
from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.artifacts import models_markdown
from flows.settings import Target, run_settings
from rapport import progress
from rapport.build_fingerprint import (
    Fingerprint,
    KeptBuild,
    build_started,
    fingerprint,
    kept_build,
    unit_tests_due,
)
from rapport.dbt_progress import build_details, models_progress
from rapport.environment import scoped_environ
from rapport.warehouse import DBT_PROJECT_DIR, backend_for, dbt_env

# dbt's own failure statuses for models, tests and seeds.
FAILURE_STATUSES = {"error", "fail", "runtime error"}


class DbtBuildFailed(RuntimeError):
    """dbt build finished with failed nodes (or could not run at all)."""


@dataclass(frozen=True)
class BuildOutcome:
    """What the transform did: the inputs it fingerprinted, and the build kept if it skipped.

    The validate stage records ``fingerprint`` once its gates pass, and skips
    its gates too when ``kept`` is set (they checked these very marts).
    """

    fingerprint: Fingerprint
    kept: KeptBuild | None = None


# A failed model fails again on retry; a run that hangs is stopped.
@flow(name="transform", retries=0, timeout_seconds=2 * 3600)
def transform(full_refresh: bool = False, target: Target | None = None) -> BuildOutcome:
    """Build and test the dbt project against the configured warehouse.

    ``full_refresh`` rebuilds incremental models from scratch (after a change
    to their logic); relationship_history opts out, so history is never lost.
    ``target`` picks the warehouse type for this run (default: from settings).
    Without ``full_refresh``, a build whose inputs are those of the last
    recorded build is skipped (rapport/build_fingerprint.py): its marts stand.
    """
    settings = run_settings(target)
    progress.started("transform", unit="models")
    logger = get_run_logger()
    current = fingerprint(settings)
    kept = None if full_refresh else kept_build(settings, current)
    if kept is not None:
        logger.info("dbt build skipped: %s.", kept.describe())
        progress.finished("transform", skipped=kept.describe())
        create_markdown_artifact(
            key="dbt-models",
            markdown=f"# dbt models built\n\nNone: {kept.describe()}.",
            description="dbt build skipped: nothing changed",
        )
        return BuildOutcome(current, kept)
    args = ["build", *(["--full-refresh"] if full_refresh else [])]
    if not full_refresh and not unit_tests_due(settings, current):
        logger.info("dbt unit tests skipped: the project is the one the last build tested.")
        args += ["--exclude-resource-type", "unit_test"]
    if settings.as_of_date:
        args += ["--vars", json.dumps({"as_of_date": settings.as_of_date.isoformat()})]
    # profiles.yml reads the connection from the environment: set for this
    # invocation only, so the next run in this process starts clean.
    backend_for(settings.warehouse).before_dbt()
    build_started(settings)
    with scoped_environ(dbt_env(settings.warehouse)):
        result = run_dbt(args, log=logger.info, on_event=models_progress())
    node_results = list(getattr(result.result, "results", None) or [])
    progress.finished("transform", **build_details(node_results))
    create_markdown_artifact(
        key="dbt-models",
        markdown=models_markdown(node_results),
        description="dbt nodes built and tested",
    )
    raise_on_failure(args, result, node_results)
    return BuildOutcome(current)


def run_dbt(
    args: list[str],
    log: Callable[[str], None],
    on_event: Callable[[Any], None] | None = None,
) -> dbtRunnerResult:
    """One dbt invocation in this process; each finished node is logged as one line."""

    def log_node(event: Any) -> None:
        if event.info.name == "NodeFinished":
            run = event.data.run_result
            log(f"dbt {run.status}: {event.data.node_info.unique_id} ({run.execution_time:.1f}s)")

    callbacks = [log_node, *([on_event] if on_event else [])]
    try:
        return dbtRunner(callbacks=callbacks).invoke(
            [
                *args,
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                # Node lines go through the Prefect logger above; dbt's own log file stays.
                "--log-level",
                "warn",
            ]
        )
    finally:
        release_duckdb()


def release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open after an invocation.

    dbt-duckdb holds its database in a class attribute, for the next
    invocation in the process, and with it DuckDB's buffer pool, up to
    ``warehouse.duckdb_memory_limit``: the gates and write-back that follow in
    this process then ran on top of it (at L, write-back took the process
    past #11's 4 GB). Opening the file again costs milliseconds.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another warehouse's adapter: nothing held here
        return
    DuckDBConnectionManager.close_all_connections()


def raise_on_failure(args: list[str], result: dbtRunnerResult, node_results: list) -> None:
    """Stop the flow on a dbt error or failed node, naming each failed node."""
    if result.exception is not None:
        raise DbtBuildFailed(f"dbt {' '.join(args)} could not run: {result.exception}")
    failed = [r for r in node_results if str(r.status) in FAILURE_STATUSES]
    if not result.success or failed:
        lines = [f"{r.node.resource_type} {r.node.name}: {r.status} {r.message}" for r in failed]
        raise DbtBuildFailed(f"dbt {' '.join(args)} failed:\n" + "\n".join(lines))
