"""The backtest's figures arranged as the tables people read.

One home for the layout, so the terminal table (``results.print_run``) and the
report's section (``rapport.report_backtest``) show the same rows from the
same long-format figures (one row per figure, as stored in
``rapport_audit.backtest_results``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

OUTCOME_COLUMNS = ("bought_again", "renewed", "lapsed", "went_silent")
# Where an account that is no longer in the marts at the horizon is counted.
GONE = "gone"
MODELS = (
    ("rapport", "Rapport strength_score"),
    ("bgnbd", "BG/NBD expected purchases"),
)
DIFFERENCES = (
    ("auc_bought_again", "bought again"),
    ("auc_lapsed_or_silent", "lapsed or went silent"),
)
HOSTAGE_GROUPS = (("hostage", "Hostages"), ("healthy_married", "Healthy married"))


@dataclass(frozen=True)
class TypeRow:
    code: str
    accounts: int
    shares: dict[str, float | None]  # outcome -> share of the type's accounts


@dataclass(frozen=True)
class ScoreRow:
    model: str
    label: str
    auc_bought_again: float | None
    auc_lapsed_or_silent: float | None
    accounts: int


@dataclass(frozen=True)
class DifferenceRow:
    figure: str
    label: str
    difference: float
    standard_error: float

    @property
    def low(self) -> float:
        return self.difference - 1.96 * self.standard_error

    @property
    def high(self) -> float:
        return self.difference + 1.96 * self.standard_error


@dataclass(frozen=True)
class HostageRow:
    group: str
    label: str
    share_left_or_lapsed: float | None
    accounts: int


@dataclass(frozen=True)
class BacktestTables:
    types: list[TypeRow]
    to_types: list[str]  # columns of the transition matrix
    transitions: dict[str, dict[str, int]]  # type at cut -> type at horizon -> accounts
    scores: list[ScoreRow]
    differences: list[DifferenceRow]  # strength's AUC minus the baseline's, with its error
    hostages: list[HostageRow]


def _value(value) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    return float(value)


def arrange(figures: pd.DataFrame) -> BacktestTables:
    """Per-type shares, transition matrix, AUCs and hostages from the long figures."""
    rapport = figures[figures["model"] == "rapport"]
    counts = rapport[rapport["figure"] == "accounts"]
    types = []
    for code, accounts in zip(counts["type_at_cut"], counts["value"], strict=True):
        mine = rapport[rapport["type_at_cut"] == code].set_index("figure")["value"]
        shares = {o: _value(mine.get(f"share_{o}")) for o in OUTCOME_COLUMNS}
        types.append(TypeRow(str(code), int(accounts), shares))

    moves = rapport[rapport["figure"] == "transition"]
    codes = [row.code for row in types]
    seen = set(moves["type_at_horizon"])
    to_types = [c for c in [*codes, GONE] if c in seen]
    to_types += sorted(seen - set(to_types))
    transitions = {
        code: {
            str(to): int(value)
            for to, value in zip(
                moves.loc[moves["type_at_cut"] == code, "type_at_horizon"],
                moves.loc[moves["type_at_cut"] == code, "value"],
                strict=True,
            )
        }
        for code in codes
    }

    aucs = figures[figures["figure"].str.startswith("auc_")].set_index(["model", "figure"])
    scores = [
        ScoreRow(
            model,
            label,
            _value(aucs.loc[(model, "auc_bought_again"), "value"]),
            _value(aucs.loc[(model, "auc_lapsed_or_silent"), "value"])
            if (model, "auc_lapsed_or_silent") in aucs.index
            else None,
            int(aucs.loc[(model, "auc_bought_again"), "accounts"]),
        )
        for model, label in MODELS
        if (model, "auc_bought_again") in aucs.index
    ]

    compared = figures[figures["model"] == "rapport_vs_bgnbd"].set_index("figure")["value"]
    differences = [
        DifferenceRow(
            figure,
            label,
            float(compared[f"{figure}_difference"]),
            float(compared[f"{figure}_difference_se"]),
        )
        for figure, label in DIFFERENCES
        if f"{figure}_difference" in compared.index and f"{figure}_difference_se" in compared.index
    ]

    left = rapport[rapport["figure"] == "share_left_or_lapsed"].set_index("type_at_cut")
    hostages = [
        HostageRow(
            group,
            label,
            _value(left.loc[group, "value"]),
            int(left.loc[group, "accounts"]),
        )
        for group, label in HOSTAGE_GROUPS
        if group in left.index
    ]
    return BacktestTables(types, to_types, transitions, scores, differences, hostages)
