"""The report's backtest section: the latest stored run, figure for figure, or a plain "none yet".

Runs are stored the way ``rapport backtest`` stores them (``results.store``),
with figures computed by ``all_figures`` from a small book whose outcomes the
test knows, so every number in the section is checked against the book.
"""

from __future__ import annotations

from datetime import date
from itertools import product
from pathlib import Path

import pandas as pd
import pytest

from rapport.backtest.figures import all_figures
from rapport.backtest.results import store
from rapport.backtest.run import BacktestRun
from rapport.config import WarehouseSettings
from rapport.report import write_report
from rapport.typology import type_codes
from tests.factories.report import Element, generate, parse_html


def book(flip: int) -> pd.DataFrame:
    """Twelve accounts: married (two of them hostages), dating and one_night_stand.

    ``flip`` changes who bought again, so two runs give different figures.
    """
    rows = []
    for n, (code, strength) in enumerate(
        [("married", s) for s in (90, 80, 70, 60)]
        + [("dating", s) for s in (65, 50, 40, 30)]
        + [("one_night_stand", s) for s in (35, 20, 10, 5)]
    ):
        rows.append(
            {
                "account_id": f"001{n:015d}",
                "type_at_cut": code,
                "type_at_horizon": None if n == 11 else ("ex" if n in (3, 10) else code),
                "strength_score": float(strength),
                "is_hostage": n in (2, 3),
                "has_purchased": n != 9,
                "bought_again": (n + flip) % 3 != 0,
                "renewed": code == "married" and n != 3,
                "lapsed": n == 3,
                "went_silent": n >= 10,
            }
        )
    return pd.DataFrame(rows)


def bgnbd_scores(joined: pd.DataFrame) -> pd.Series:
    # A purchase-only score that disagrees with strength on a few accounts.
    return pd.Series(
        [float((n * 7) % 12) for n in range(len(joined))], index=joined["account_id"].to_numpy()
    )


def run_of(flip: int, cut: date, run_id: str) -> tuple[BacktestRun, pd.DataFrame]:
    joined = book(flip)
    figures = all_figures(joined, type_codes(), bgnbd_scores(joined))
    return BacktestRun(run_id, cut, 180, figures, None), joined


def pairs_auc(scores: pd.Series, outcome: pd.Series) -> float:
    """AUC by counting ordered pairs, independently of rapport.backtest.metrics."""
    positives = scores[outcome.to_numpy()]
    negatives = scores[~outcome.to_numpy()]
    wins = sum(1.0 if p > q else 0.5 if p == q else 0.0 for p, q in product(positives, negatives))
    return wins / (len(positives) * len(negatives))


def cells(table: Element, key: str) -> dict[str, list[str]]:
    return {
        row.attrs[key]: [td.text.strip() for td in row.find_all("td")]
        for row in table.find_all("tr")
        if key in row.attrs
    }


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return generate(tmp_path / "rapport.duckdb").path


def test_without_a_backtest_the_section_says_so(warehouse, tmp_path):
    dom = parse_html(write_report(warehouse, tmp_path / "report.html").read_text())
    section = dom.find("section", id="backtest")
    assert "No backtest has been run" in section.text
    assert "rapport backtest --as-of" in section.text
    assert not section.find_all("table")


def test_the_section_shows_the_latest_run_figure_for_figure(warehouse, tmp_path):
    settings = WarehouseSettings(path=warehouse)
    older, _ = run_of(0, date(2024, 6, 30), "backtest-older")
    newer, joined = run_of(1, date(2025, 1, 31), "backtest-newer")
    store(settings, settings.audit_schema, older)
    store(settings, settings.audit_schema, newer)

    dom = parse_html(write_report(warehouse, tmp_path / "report.html").read_text())
    section = dom.find("section", id="backtest")
    assert section.find(data_backtest_cut=True).text == "2025-01-31"
    assert "backtest-newer" in section.text and "backtest-older" not in section.text
    assert "1 earlier run(s)" in section.text

    types = cells(section.find("table", data_table="backtest-types"), "data-type")
    in_book = set(joined["type_at_cut"])
    assert list(types) == [c for c in type_codes() if c in in_book]  # the typology's order
    for code, group in joined.groupby("type_at_cut"):
        assert types[code][1] == str(len(group))
        assert types[code][2] == f"{100 * group['bought_again'].mean():.0f}%"
        assert types[code][4] == f"{100 * group['lapsed'].mean():.0f}%"

    moves = cells(section.find("table", data_table="backtest-transitions"), "data-type")
    header = [
        th.text for th in section.find("table", data_table="backtest-transitions").find_all("th")
    ]
    assert "gone" in header and "ex" in header
    assert moves["married"][header.index("ex")] == "1"
    assert moves["one_night_stand"][header.index("gone")] == "1"
    assert moves["married"][header.index("married")] == "3"

    customers = joined[joined["has_purchased"]].reset_index(drop=True)
    scores = cells(section.find("table", data_table="backtest-scores"), "data-model")
    strength_auc = pairs_auc(customers["strength_score"], customers["bought_again"])
    baseline_auc = pairs_auc(
        bgnbd_scores(joined).reindex(customers["account_id"]).reset_index(drop=True),
        customers["bought_again"],
    )
    assert strength_auc != pytest.approx(baseline_auc)
    assert scores["rapport"][1] == f"{strength_auc:.3f}"
    assert scores["bgnbd"][1] == f"{baseline_auc:.3f}"
    assert scores["rapport"][3] == str(len(customers))

    # The paired comparison: the difference is strength's AUC minus the baseline's.
    compared = section.find(data_difference="auc_bought_again").text
    assert f"{strength_auc - baseline_auc:+.3f} (95% interval" in compared

    hostages = cells(section.find("table", data_table="backtest-hostages"), "data-group")
    # Account 3 is a hostage that lapsed and left; account 2 stayed.
    assert hostages["hostage"][1:] == ["50%", "2"]
    assert hostages["healthy_married"][1:] == ["0%", "2"]
