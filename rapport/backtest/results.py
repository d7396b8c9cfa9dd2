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
    return "-" if value is None or pd.isna(value) else f"{100 * value:.0f}%"


def _num(value) -> str:
    return "-" if value is None or pd.isna(value) else f"{value:.3f}"


def print_run(run: BacktestRun, console: Console) -> None:
    """Per type: accounts and outcome shares, the transition matrix, the AUCs, hostages."""
    figures = run.figures
    rapport = figures[figures["model"] == "rapport"]
    shares = rapport[
        rapport["figure"].str.startswith("share_") & (rapport["figure"] != "share_left_or_lapsed")
    ]
    counts = rapport[rapport["figure"] == "accounts"]
    types = list(counts["type_at_cut"])

    table = Table(title=f"Backtest as of {run.cut}, horizon {run.horizon_days} days")
    for header in ("Type at cut", "Accounts", "Bought again", "Renewed", "Lapsed", "Went silent"):
        table.add_column(header, justify="right" if header != "Type at cut" else "left")
    for code in types:
        row = shares[shares["type_at_cut"] == code].set_index("figure")["value"]
        accounts = int(counts[counts["type_at_cut"] == code]["value"].iloc[0])
        table.add_row(
            code,
            str(accounts),
            *(
                _pct(row.get(f"share_{o}"))
                for o in ("bought_again", "renewed", "lapsed", "went_silent")
            ),
        )
    console.print(table)

    transitions = rapport[rapport["figure"] == "transition"]
    to_types = [t for t in [*types, "gone"] if t in set(transitions["type_at_horizon"])]
    matrix = Table(title="Type at the cut → type at the horizon (accounts)")
    matrix.add_column("At cut \\ at horizon")
    for code in to_types:
        matrix.add_column(code, justify="right")
    for code in types:
        row = transitions[transitions["type_at_cut"] == code].set_index("type_at_horizon")["value"]
        matrix.add_row(code, *(str(int(row.get(t, 0))) for t in to_types))
    console.print(matrix)

    aucs = figures[figures["figure"].str.startswith("auc_")].set_index(["model", "figure"])
    scores = Table(title="ROC AUC over accounts that had bought before the cut")
    for header in ("Score", "Bought again", "Lapsed or went silent", "Accounts"):
        scores.add_column(header, justify="right" if header != "Score" else "left")
    for model, label in (
        ("rapport", "Rapport strength_score"),
        ("bgnbd", "BG/NBD expected purchases"),
    ):
        if (model, "auc_bought_again") not in aucs.index:
            continue
        scores.add_row(
            label,
            _num(aucs.loc[(model, "auc_bought_again"), "value"]),
            _num(aucs.loc[(model, "auc_lapsed_or_silent"), "value"]),
            str(int(aucs.loc[(model, "auc_bought_again"), "accounts"])),
        )
    console.print(scores)

    hostages = rapport[rapport["figure"] == "share_left_or_lapsed"].set_index("type_at_cut")
    lines = [
        f"{group.replace('_', ' ')}: {_pct(hostages.loc[group, 'value'])} left or lapsed "
        f"({int(hostages.loc[group, 'accounts'])} accounts)"
        for group in ("hostage", "healthy_married")
        if group in hostages.index
    ]
    console.print("Hostages at the cut vs healthy married — " + "; ".join(lines))
