"""What accounts did after the cut, by the issue's definitions, on records whose story the test knows."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from rapport.backtest.outcomes import outcomes, purchase_history

CUT = date(2024, 6, 30)
HORIZON = 180
DAY = timedelta(days=1)


def opportunity(account, close, amount=1000.0, won=True, kind="New Business"):
    return {
        "account_id": account,
        "close_date": close,
        "amount": amount,
        "is_won": won,
        "opportunity_type": kind,
    }


def contract(account, start, end, status="Activated"):
    return {"account_id": account, "start_date": start, "end_date": end, "status": status}


def touch(account, when, direction):
    return {
        "account_id": account,
        "occurred_at": datetime.combine(when, datetime.min.time()),
        "direction": direction,
    }


@pytest.fixture
def result() -> pd.DataFrame:
    end = CUT + timedelta(days=HORIZON)
    opportunities = pd.DataFrame(
        [
            opportunity("buyer", CUT + 10 * DAY),
            opportunity("pilot", CUT + 10 * DAY, amount=0.0),  # free: not a purchase
            opportunity("lost", CUT + 10 * DAY, won=False),
            opportunity("late", end + DAY),  # after the horizon
            opportunity("on_the_cut", CUT),  # on the cut: before it, not after
            opportunity("renewal", CUT + 40 * DAY, kind="Renewal"),
        ]
    )
    contracts = pd.DataFrame(
        [
            contract("lapser", CUT - 300 * DAY, CUT + 60 * DAY, "Expired"),
            contract("renewer", CUT - 300 * DAY, CUT + 60 * DAY, "Expired"),
            contract("renewer", CUT + 61 * DAY, CUT + 426 * DAY),
            contract("old", CUT - 700 * DAY, CUT - 335 * DAY, "Expired"),  # ended before the cut
            contract("draft", CUT + 20 * DAY, CUT + 385 * DAY, "Draft"),  # never signed
        ]
    )
    touchpoints = pd.DataFrame(
        [
            touch("buyer", CUT + 5 * DAY, "inbound"),
            touch("renewer", CUT + 90 * DAY, "mutual"),
            touch("lapser", CUT + 20 * DAY, "outbound"),  # we called; they did not
            touch("late", end + 5 * DAY, "inbound"),  # after the horizon
        ]
    )
    accounts = pd.Series(
        [
            "buyer",
            "pilot",
            "lost",
            "late",
            "on_the_cut",
            "renewal",
            "lapser",
            "renewer",
            "old",
            "draft",
        ]
    )
    frame = outcomes(accounts, CUT, HORIZON, opportunities, contracts, touchpoints)
    return frame.set_index("account_id")


def test_bought_again_is_a_won_deal_worth_something_closed_within_the_horizon(result):
    assert result.index[result["bought_again"]].tolist() == ["buyer", "renewal"]


def test_renewed_is_a_contract_signed_or_a_renewal_won_within_the_horizon(result):
    assert sorted(result.index[result["renewed"]]) == ["renewal", "renewer"]


def test_lapsed_is_a_contract_ended_with_none_covering_the_horizons_end(result):
    assert result.index[result["lapsed"]].tolist() == ["lapser"]


def test_went_silent_is_no_inbound_or_mutual_touch_within_the_horizon(result):
    assert sorted(result.index[~result["went_silent"]]) == ["buyer", "renewer"]


def test_purchase_history_counts_repeat_purchases_in_weeks_from_the_first():
    opportunities = pd.DataFrame(
        [
            opportunity("a", CUT - 70 * DAY),
            opportunity("a", CUT - 70 * DAY),  # same day: one purchase
            opportunity("a", CUT - 14 * DAY),
            opportunity("a", CUT + 7 * DAY),  # after the cut: unseen
            opportunity("b", CUT - 7 * DAY, amount=0.0),  # free: b never bought
        ]
    )
    history = purchase_history(opportunities, CUT).set_index("account_id")
    assert history.index.tolist() == ["a"]
    assert history.loc["a"].to_dict() == {"x": 1.0, "t_x": 8.0, "T": 10.0}
