"""What each account did after the cut, read from the staged CRM records.

Outcomes come from staging (the CRM's own records), never from the marts, so
the models are graded against facts, not against themselves.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

STAGING_SCHEMA = "rapport_staging"


def purchases(opportunities: pd.DataFrame) -> pd.DataFrame:
    """Won deals worth something (a free pilot is not a purchase): account_id, close_date."""
    won = opportunities[
        opportunities["is_won"].fillna(False).astype(bool)
        & (opportunities["amount"].fillna(1) > 0)
        & opportunities["account_id"].notna()
    ]
    return pd.DataFrame(
        {"account_id": won["account_id"], "close_date": pd.to_datetime(won["close_date"]).dt.date}
    ).dropna()


def outcomes(
    accounts: pd.Series,
    cut: date,
    horizon_days: int,
    opportunities: pd.DataFrame,
    contracts: pd.DataFrame,
    touchpoints: pd.DataFrame,
) -> pd.DataFrame:
    """One row per account: bought_again, renewed, lapsed, went_silent over (cut, cut + horizon]."""
    end = cut + timedelta(days=horizon_days)
    frame = pd.DataFrame({"account_id": accounts.astype(str).unique()})

    bought = purchases(opportunities)
    bought = bought[(bought["close_date"] > cut) & (bought["close_date"] <= end)]

    renewal_won = opportunities[
        opportunities["is_won"].fillna(False).astype(bool)
        & (opportunities["opportunity_type"] == "Renewal")
    ]
    renewal_dates = pd.to_datetime(renewal_won["close_date"]).dt.date
    renewal_won = renewal_won[(renewal_dates > cut) & (renewal_dates <= end)]

    contracts = contracts.assign(
        start_date=pd.to_datetime(contracts["start_date"]).dt.date,
        end_date=pd.to_datetime(contracts["end_date"]).dt.date,
    )
    signed = contracts[contracts["status"].isin(["Activated", "Expired", "Terminated"])]
    started = signed[(signed["start_date"] > cut) & (signed["start_date"] <= end)]
    ended = signed[(signed["end_date"] >= cut) & (signed["end_date"] < end)]
    covering_end = signed[
        (signed["start_date"] <= end) & (signed["end_date"].isna() | (signed["end_date"] >= end))
    ]

    occurred = pd.to_datetime(touchpoints["occurred_at"], utc=True).dt.date
    inbound = touchpoints[
        touchpoints["direction"].isin(["inbound", "mutual"]) & (occurred > cut) & (occurred <= end)
    ]

    ids = frame["account_id"]
    frame["bought_again"] = ids.isin(bought["account_id"])
    frame["renewed"] = ids.isin(started["account_id"]) | ids.isin(renewal_won["account_id"])
    frame["lapsed"] = ids.isin(ended["account_id"]) & ~ids.isin(covering_end["account_id"])
    frame["went_silent"] = ~ids.isin(inbound["account_id"])
    return frame


def purchase_history(opportunities: pd.DataFrame, cut: date) -> pd.DataFrame:
    """BG/NBD inputs per account that bought before the cut, in weeks:
    x (repeat purchase days), t_x (last purchase), T (age), all from the first."""
    bought = purchases(opportunities)
    bought = bought[bought["close_date"] <= cut].drop_duplicates()
    grouped = bought.groupby("account_id")["close_date"].agg(["min", "max", "count"])
    weeks = 7.0
    return pd.DataFrame(
        {
            "account_id": grouped.index.astype(str),
            "x": (grouped["count"] - 1).to_numpy(dtype=float),
            "t_x": [
                (last - first).days / weeks
                for first, last in zip(grouped["min"], grouped["max"], strict=True)
            ],
            "T": [(cut - first).days / weeks for first in grouped["min"]],
        }
    ).reset_index(drop=True)
