"""The backtest's figures: stored in the audit schema and printed as a table.

``rapport_audit.backtest_results`` keeps one row per run and figure, appended,
so runs at different cuts (or after a change of the typology) compare with
plain SQL; the HTML report shows the latest run.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from rich.console import Console
from rich.table import Table

from rapport.backtest.run import BacktestRun
from rapport.backtest.tables import OUTCOME_COLUMNS, arrange
from rapport.config import WarehouseSettings
from rapport.warehouse import open_warehouse

RESULTS_TABLE = "backtest_results"
RESULTS_DDL = (
    "run_id varchar, cut_date date, horizon_days integer, model varchar, figure varchar, "
    "type_at_cut varchar, type_at_horizon varchar, value double precision, accounts bigint, "
    "computed_at timestamp with time zone"
)


def results_frame(run: BacktestRun) -> pd.DataFrame:
    frame = run.figures.copy()
    frame.insert(0, "horizon_days", run.horizon_days)
    frame.insert(0, "cut_date", run.cut)
    frame.insert(0, "run_id", run.run_id)
    frame["computed_at"] = datetime.now(UTC)
    return frame


def store(warehouse: WarehouseSettings, schema: str, run: BacktestRun) -> int:
    """Append the run's figures; return how many rows were written."""
    frame = results_frame(run)
    with open_warehouse(warehouse) as sql:
        sql.append(schema, RESULTS_TABLE, RESULTS_DDL, frame)
    return len(frame)


def _pct(value) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _num(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_run(run: BacktestRun, console: Console) -> None:
    """Per type: accounts and outcome shares, the transition matrix, the AUCs, hostages."""
    tables = arrange(run.figures)

    table = Table(title=f"Backtest as of {run.cut}, horizon {run.horizon_days} days")
    for header in ("Type at cut", "Accounts", "Bought again", "Renewed", "Lapsed", "Went silent"):
        table.add_column(header, justify="right" if header != "Type at cut" else "left")
    for row in tables.types:
        table.add_row(row.code, str(row.accounts), *(_pct(row.shares[o]) for o in OUTCOME_COLUMNS))
    console.print(table)

    matrix = Table(title="Type at the cut → type at the horizon (accounts)")
    matrix.add_column("At cut \\ at horizon")
    for code in tables.to_types:
        matrix.add_column(code, justify="right")
    for row in tables.types:
        moved = tables.transitions.get(row.code, {})
        matrix.add_row(row.code, *(str(moved.get(t, 0)) for t in tables.to_types))
    console.print(matrix)

    scores = Table(title="ROC AUC over accounts that had bought before the cut")
    for header in ("Score", "Bought again", "Lapsed or went silent", "Accounts"):
        scores.add_column(header, justify="right" if header != "Score" else "left")
    for score in tables.scores:
        scores.add_row(
            score.label,
            _num(score.auc_bought_again),
            _num(score.auc_lapsed_or_silent),
            str(score.accounts),
        )
    console.print(scores)
    if tables.differences:
        console.print(
            "Strength minus BG/NBD (95% interval, DeLong): "
            + "; ".join(
                f"{row.label} {row.difference:+.3f} ({row.low:+.3f} to {row.high:+.3f})"
                for row in tables.differences
            )
        )

    lines = [
        f"{row.label.lower()}: {_pct(row.share_left_or_lapsed)} left or lapsed "
        f"({row.accounts} accounts)"
        for row in tables.hostages
    ]
    console.print("Hostages at the cut vs healthy married — " + "; ".join(lines))
