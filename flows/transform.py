"""The transform stage: dbt build, every dbt node a Prefect task."""

from __future__ import annotations

import json

from prefect import flow
from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

from rapport.config import load_settings
from rapport.warehouse import DBT_PROJECT_DIR, export_dbt_env


@flow(name="transform")
def transform() -> None:
    """Build and test the dbt project against the configured warehouse."""
    settings = load_settings()
    export_dbt_env(settings.warehouse)
    runner = PrefectDbtRunner(
        settings=PrefectDbtSettings(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    )
    args = ["build"]
    if settings.as_of_date:
        args += ["--vars", json.dumps({"as_of_date": settings.as_of_date.isoformat()})]
    runner.invoke(args)
