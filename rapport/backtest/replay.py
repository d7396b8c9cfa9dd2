"""Rebuild the models as of a past date, next to the live ones.

The backtest reads the same warehouse the pipeline fills: no new extract. The
models are rebuilt with dbt var ``as_of_date`` into their own schemas, so
the live marts (and the write-back reading them) never see a replayed past.
Every model filters on ``as_of_date`` (tests/models/test_no_future_leak.py
checks nothing dated later changes them).
"""

from __future__ import annotations

import json
import tempfile
from datetime import date

import pandas as pd

from rapport.config import WarehouseSettings
from rapport.environment import scoped_environ
from rapport.errors import RapportError
from rapport.warehouse import DBT_PROJECT_DIR, dbt_env, read_table

BACKTEST_SCHEMA = "rapport_backtest"
# The models a backtest needs; history and transitions (incremental, never
# refreshed) would mix replayed dates into a schema of their own for nothing.
SELECTION = ["+account_relationship"]


class ReplayError(RapportError, RuntimeError):
    """dbt could not rebuild the models as of the cut."""

    hint = "The message names the failing model; run again with --debug for dbt's traceback."


def replay_marts(
    warehouse: WarehouseSettings, as_of: date, schema: str = BACKTEST_SCHEMA
) -> pd.DataFrame:
    """Build account_relationship as of ``as_of`` into ``schema``; return it."""
    from dbt.cli.main import dbtRunner

    env = dbt_env(warehouse) | {
        "RAPPORT_MARTS_SCHEMA": schema,
        "RAPPORT_INTERMEDIATE_SCHEMA": f"{schema}_intermediate",
    }
    with tempfile.TemporaryDirectory(prefix="rapport-backtest-") as target:
        args = [
            "run",
            "--select",
            *SELECTION,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            target,
            "--vars",
            json.dumps({"as_of_date": as_of.isoformat()}),
            "--quiet",
        ]
        with scoped_environ(env):
            result = dbtRunner().invoke(args)
    if not result.success:
        failures = [
            f"{r.node.name}: {r.message}"
            for r in (result.result or [])
            if r.status not in ("success", "pass")
        ]
        raise ReplayError(
            f"dbt could not rebuild the models as of {as_of}: {result.exception or failures}"
        )
    return read_table(warehouse, schema, "account_relationship")
