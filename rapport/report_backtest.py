"""The report's backtest section: the latest ``rapport backtest`` run, read from the audit schema.

The backtest writes its figures to ``rapport_audit.backtest_results`` (one
row per run and figure, appended); the report shows the most recent run as
stored, and says so plainly when no backtest has been run. It never runs a
backtest itself: a replay rebuilds the marts twice, too slow for a report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from rapport.backtest.tables import BacktestTables, arrange
from rapport.config import WarehouseSettings
from rapport.warehouse import MissingTable, read_table

RESULTS_TABLE = "backtest_results"
TEMPLATE = "report_backtest.html"


@dataclass(frozen=True)
class BacktestSection:
    run_id: str
    cut_date: date
    horizon_days: int
    computed_at: datetime | None
    tables: BacktestTables
    earlier_runs: int  # other runs in the table, not shown

    @property
    def horizon_end(self) -> date:
        return (pd.Timestamp(self.cut_date) + pd.Timedelta(days=self.horizon_days)).date()


def latest_backtest(warehouse: WarehouseSettings) -> BacktestSection | None:
    """The most recent run in ``<audit schema>.backtest_results``; None when there is none."""
    try:
        results = read_table(warehouse, warehouse.audit_schema, RESULTS_TABLE)
    except MissingTable:
        return None
    return section_from_results(results)


def section_from_results(results: pd.DataFrame) -> BacktestSection | None:
    """The latest run's section from the stored rows (latest by ``computed_at``)."""
    if results.empty:
        return None
    stamped = results.assign(computed_at=pd.to_datetime(results["computed_at"], utc=True))
    latest = stamped.sort_values("computed_at", kind="stable").iloc[-1]
    run = stamped[stamped["run_id"] == latest["run_id"]]
    computed = run["computed_at"].max()
    return BacktestSection(
        run_id=str(latest["run_id"]),
        cut_date=pd.Timestamp(latest["cut_date"]).date(),
        horizon_days=int(latest["horizon_days"]),
        computed_at=None if pd.isna(computed) else computed.to_pydatetime(),
        tables=arrange(run.reset_index(drop=True)),
        earlier_runs=int(stamped["run_id"].nunique()) - 1,
    )
