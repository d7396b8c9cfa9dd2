"""The transform stage: dbt build, every dbt node a Prefect task."""

from __future__ import annotations

import json

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

from flows.artifacts import models_markdown
from flows.settings import Target, run_settings
from rapport.environment import scoped_environ
from rapport.warehouse import DBT_PROJECT_DIR, dbt_env


# A failed model fails again on retry; a run that hangs is stopped.
@flow(name="transform", retries=0, timeout_seconds=2 * 3600)
def transform(full_refresh: bool = False, target: Target | None = None) -> None:
    """Build and test the dbt project against the configured warehouse.

    ``full_refresh`` rebuilds incremental models from scratch (after a change
    to their logic); relationship_history opts out, so history is never lost.
    ``target`` picks the warehouse type for this run (default: from settings).
    """
    settings = run_settings(target)
    args = ["build", *(["--full-refresh"] if full_refresh else [])]
    if settings.as_of_date:
        args += ["--vars", json.dumps({"as_of_date": settings.as_of_date.isoformat()})]
    # profiles.yml reads the connection from the environment: set for this
    # invocation only, so the next run in this process starts clean.
    with scoped_environ(dbt_env(settings.warehouse)):
        runner = PrefectDbtRunner(
            settings=PrefectDbtSettings(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
        )
        result = runner.invoke(args)
    create_markdown_artifact(
        key="dbt-models",
        markdown=models_markdown(result.result or []),
        description="dbt nodes built and tested",
    )
