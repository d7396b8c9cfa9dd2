"""One backtest run: replay at the cut and at the horizon, outcomes, scores, figures."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from rapport.backtest import bgnbd
from rapport.backtest.figures import all_figures
from rapport.backtest.outcomes import STAGING_SCHEMA, outcomes, purchase_history
from rapport.backtest.replay import BACKTEST_SCHEMA, replay_marts
from rapport.config import Settings
from rapport.errors import ConfigurationError
from rapport.typology import type_codes
from rapport.warehouse import MissingTable, read_table

WEEK = 7.0


class BacktestInputError(ConfigurationError):
    """The backtest cannot run as asked: a horizon not yet over, or a warehouse without data."""

    hint = "See `rapport backtest --help`."


@dataclass
class BacktestRun:
    run_id: str
    cut: date
    horizon_days: int
    figures: pd.DataFrame
    bgnbd_params: bgnbd.BgNbdParams | None


def run_backtest(settings: Settings, cut: date, horizon_days: int) -> BacktestRun:
    """Backtest the models as of ``cut`` over the following ``horizon_days``.

    The horizon must have passed: its end is replayed too (the type an
    account had then) and outcomes are counted up to it.
    """
    today = settings.as_of_date or datetime.now(UTC).date()
    end = cut + timedelta(days=horizon_days)
    if end > today:
        raise BacktestInputError(
            f"The horizon ends {end}, after today ({today}): outcomes are only known up to today. "
            "Pick an earlier --as-of or a shorter --horizon-days."
        )
    warehouse = settings.warehouse
    if warehouse.type == "duckdb" and not warehouse.path.is_file():
        # Checked first: connecting would create an empty database file there.
        raise BacktestInputError(
            f"No warehouse at {warehouse.path}: the backtest replays the models on the records "
            "a pipeline run has already loaded. Run the pipeline first (`rapport run`)."
        )
    try:
        opportunities = read_table(warehouse, STAGING_SCHEMA, "stg_salesforce__opportunity")
        contracts = read_table(warehouse, STAGING_SCHEMA, "stg_salesforce__contract")
    except MissingTable as missing:
        raise BacktestInputError(
            f"Table {missing} is not in the warehouse: the backtest replays the models on the "
            "records a pipeline run has already loaded. Run the pipeline first (`rapport run`)."
        ) from missing
    at_cut = replay_marts(warehouse, cut, BACKTEST_SCHEMA)
    at_end = replay_marts(warehouse, end, f"{BACKTEST_SCHEMA}_horizon")
    touchpoints = read_table(
        warehouse, f"{BACKTEST_SCHEMA}_horizon_intermediate", "int_touchpoints"
    )

    joined = at_cut[["account_id", "relationship_type", "strength_score", "is_hostage"]].rename(
        columns={"relationship_type": "type_at_cut"}
    )
    joined = joined.merge(
        at_end[["account_id", "relationship_type"]].rename(
            columns={"relationship_type": "type_at_horizon"}
        ),
        on="account_id",
        how="left",
    )
    joined = joined.merge(
        outcomes(joined["account_id"], cut, horizon_days, opportunities, contracts, touchpoints),
        on="account_id",
    )
    history = purchase_history(opportunities, cut)
    joined["has_purchased"] = joined["account_id"].isin(history["account_id"])

    params = None
    scores = pd.Series(dtype=float)
    if len(history) >= 10:
        params = bgnbd.fit(history["x"], history["t_x"], history["T"])
        expected = bgnbd.expected_purchases(
            params, horizon_days / WEEK, history["x"], history["t_x"], history["T"]
        )
        scores = pd.Series(expected, index=history["account_id"].to_numpy())
    figures = all_figures(joined, type_codes(), scores)
    return BacktestRun(
        run_id=f"backtest-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}",
        cut=cut,
        horizon_days=horizon_days,
        figures=figures,
        bgnbd_params=params,
    )
