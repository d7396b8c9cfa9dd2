"""The backtest's figures from the marts at the cut, the outcomes and the scores.

Kept free of warehouse access so the arithmetic is tested on small frames.
Every figure is one row: (model, figure, type_at_cut, type_at_horizon, value,
accounts), the shape ``rapport_audit.backtest_results`` stores.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rapport.backtest.metrics import auc_difference, roc_auc

COLUMNS = ["model", "figure", "type_at_cut", "type_at_horizon", "value", "accounts"]
OUTCOMES = ("bought_again", "renewed", "lapsed", "went_silent")


def _row(model, figure, value, accounts, type_at_cut=None, type_at_horizon=None) -> dict:
    return {
        "model": model,
        "figure": figure,
        "type_at_cut": type_at_cut,
        "type_at_horizon": type_at_horizon,
        "value": None if value is None else float(value),
        "accounts": int(accounts),
    }


def per_type(joined: pd.DataFrame, type_order: list[str]) -> list[dict]:
    """Accounts and outcome shares per type at the cut, and the transition counts."""
    rows = []
    for code in type_order:
        group = joined[joined["type_at_cut"] == code]
        if group.empty:
            continue
        rows.append(_row("rapport", "accounts", len(group), len(group), code))
        for outcome in OUTCOMES:
            rows.append(
                _row("rapport", f"share_{outcome}", group[outcome].mean(), len(group), code)
            )
        for to_code, count in group["type_at_horizon"].fillna("gone").value_counts().items():
            rows.append(_row("rapport", "transition", count, len(group), code, str(to_code)))
    return rows


def auc_rows(model: str, scores: pd.Series, joined: pd.DataFrame) -> list[dict]:
    """AUC for bought again (higher score, more likely) and for lapsed or went
    silent (lower score, more likely: the score is negated)."""
    known = scores.notna()
    left = joined["lapsed"] | joined["went_silent"]
    return [
        _row(
            model,
            "auc_bought_again",
            roc_auc(scores[known], joined["bought_again"][known]),
            known.sum(),
        ),
        _row(model, "auc_lapsed_or_silent", roc_auc(-scores[known], left[known]), known.sum()),
    ]


def difference_rows(strength: pd.Series, baseline: pd.Series, joined: pd.DataFrame) -> list[dict]:
    """Strength's AUC minus the baseline's on the accounts both score, with DeLong's
    standard error: whether a gap between the two is more than the sample's noise."""
    known = strength.notna() & baseline.notna()
    left = joined["lapsed"] | joined["went_silent"]
    rows = []
    for figure, a, b, outcome in (
        ("auc_bought_again", strength, baseline, joined["bought_again"]),
        ("auc_lapsed_or_silent", -strength, -baseline, left),
    ):
        compared = auc_difference(a[known], b[known], outcome[known])
        if compared is None:
            continue
        model = "rapport_vs_bgnbd"
        rows.append(_row(model, f"{figure}_difference", compared.difference, known.sum()))
        rows.append(_row(model, f"{figure}_difference_se", compared.standard_error, known.sum()))
    return rows


def hostage_rows(joined: pd.DataFrame) -> list[dict]:
    """Hostages at the cut against healthy married accounts: the share that
    left (an ex at the horizon) or let a contract lapse."""
    left = joined["lapsed"] | (joined["type_at_horizon"] == "ex")
    hostages = joined["is_hostage"].fillna(False).astype(bool)
    healthy = (joined["type_at_cut"] == "married") & ~hostages
    rows = []
    for group, mask in (("hostage", hostages), ("healthy_married", healthy)):
        share = left[mask].mean() if mask.any() else None
        rows.append(_row("rapport", "share_left_or_lapsed", share, mask.sum(), group))
    return rows


def all_figures(
    joined: pd.DataFrame, type_order: list[str], bgnbd_scores: pd.Series
) -> pd.DataFrame:
    """Every figure of a backtest. ``joined``: one row per account at the cut
    that had bought before it (customers) or not, with type_at_cut,
    type_at_horizon, strength_score, is_hostage, has_purchased and outcomes."""
    customers = joined[joined["has_purchased"]].reset_index(drop=True)
    bgnbd = bgnbd_scores.reindex(customers["account_id"]).reset_index(drop=True)
    rows = per_type(joined, type_order)
    rows += auc_rows("rapport", customers["strength_score"].astype(float), customers)
    rows += auc_rows("bgnbd", bgnbd.astype(float), customers)
    rows += difference_rows(
        customers["strength_score"].astype(float), bgnbd.astype(float), customers
    )
    rows += hostage_rows(joined)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["value"] = frame["value"].astype(float).replace({np.nan: None})
    return frame
