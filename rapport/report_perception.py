"""The report's perception section: what people believe against what the behaviour shows.

Its own module (and template partial, ``report_perception.html``) so the
section can change without touching the rest of the report. It reads only
``account_relationship``; a warehouse built before the perception columns
existed gets an empty section that says to rebuild, not a failed report.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from rapport.report_data import Marts
from rapport.report_figures import TypeStyle, _style
from rapport.warehouse import DBT_PROJECT_DIR

PERCEPTION_COLUMNS = ("perceived_type", "perception_source", "perception_gap")
# "Are you married to your customer, or was it a one-night stand?": the team
# believes in a committed relationship where the behaviour shows a passing one.
BELIEVED_COMMITTED = ("married", "partner")
SHOWN_PASSING = ("one_night_stand", "dating", "ex")
ACCOUNT_ROWS = 15
# The ladder the gap is measured on (the dbt seed): rows and columns follow it,
# so agreement runs down the diagonal, overrating left of it.
LADDER_SEED = DBT_PROJECT_DIR / "seeds" / "relationship_ladder.csv"


@dataclass(frozen=True)
class MatrixRow:
    perceived: TypeStyle
    # One cell per computed type, in the order of PerceptionSection.computed:
    # (accounts, gap of the cell: none, overestimated or underestimated; "" when empty).
    cells: tuple[tuple[int, str], ...]
    total: int


@dataclass(frozen=True)
class PerceptionSection:
    available: bool
    computed: tuple[TypeStyle, ...] = ()
    matrix: tuple[MatrixRow, ...] = ()
    sources: dict[str, int] = field(default_factory=dict)
    gaps: dict[str, int] = field(default_factory=dict)
    # Overestimated accounts, the team's belief in a committed relationship
    # that the behaviour shows as passing first (flagged), then the rest.
    overestimated: tuple[dict, ...] = ()
    row_limit: int = ACCOUNT_ROWS

    @property
    def perceived_accounts(self) -> int:
        return sum(row.total for row in self.matrix)

    @property
    def flagged(self) -> int:
        return sum(1 for row in self.overestimated if row["flagged"])


def perception_section(marts: Marts, styles: dict[str, TypeStyle]) -> PerceptionSection:
    """The matrix of perceived x computed types and the overestimated accounts, flagged first."""
    accounts = marts.accounts
    if any(column not in accounts.columns for column in PERCEPTION_COLUMNS):
        return PerceptionSection(available=False)
    frame = accounts.assign(
        perceived_type=accounts["perceived_type"].map(_text),
        relationship_type=accounts["relationship_type"].map(_text),
        perception_source=accounts["perception_source"].map(_text),
        perception_gap=accounts["perception_gap"].map(_text),
    )
    perceived = frame[frame["perceived_type"] != ""]
    order = ladder_order(list(styles))
    perceived_codes = _ordered(perceived["perceived_type"], order)
    computed_codes = _ordered(perceived["relationship_type"], order)
    cells = perceived.groupby(["perceived_type", "relationship_type"]).agg(
        accounts=("account_id", "size"), gap=("perception_gap", "first")
    )
    matrix = tuple(
        MatrixRow(
            perceived=_style(styles, p),
            cells=tuple(_cell(cells, p, c) for c in computed_codes),
            total=int((perceived["perceived_type"] == p).sum()),
        )
        for p in perceived_codes
    )
    return PerceptionSection(
        available=True,
        computed=tuple(_style(styles, c) for c in computed_codes),
        matrix=matrix,
        sources=_counts(frame["perception_source"], ("rep", "survey", "none")),
        gaps=_counts(perceived["perception_gap"], ("none", "overestimated", "underestimated")),
        overestimated=_overestimated(perceived, styles),
    )


def _overestimated(perceived: pd.DataFrame, styles: dict[str, TypeStyle]) -> tuple[dict, ...]:
    over = perceived[perceived["perception_gap"] == "overestimated"]
    rows = []
    for record in over.to_dict("records"):
        strength = pd.to_numeric(record.get("strength_score"), errors="coerce")
        rows.append(
            {
                "account_id": str(record["account_id"]),
                "account_name": _text(record.get("account_name")) or str(record["account_id"]),
                "perceived": _style(styles, record["perceived_type"]),
                "type": _style(styles, record["relationship_type"]),
                "source": record["perception_source"],
                "strength": None if pd.isna(strength) else float(strength),
                "flagged": record["perception_source"] == "rep"
                and record["perceived_type"] in BELIEVED_COMMITTED
                and record["relationship_type"] in SHOWN_PASSING,
            }
        )
    # Flagged first; then the team's beliefs before the customers'; weakest first.
    rows.sort(
        key=lambda r: (
            not r["flagged"],
            r["source"] != "rep",
            r["strength"] if r["strength"] is not None else 101.0,
            r["account_name"],
        )
    )
    return tuple(rows)


def ladder_order(codes: list[str], seed: Path = LADDER_SEED) -> list[str]:
    """``codes`` from the bottom of the ladder up (ties and unranked codes keep their order)."""
    try:
        with seed.open(newline="", encoding="utf-8") as handle:
            ranks = {
                row["relationship_type"]: int(row["ladder_rank"]) for row in csv.DictReader(handle)
            }
    except (OSError, KeyError, ValueError):
        return codes
    bottom_up = sorted(
        range(len(codes)),
        key=lambda i: (ranks.get(codes[i], max(ranks.values(), default=0) + 1), i),
    )
    return [codes[i] for i in bottom_up]


def _cell(cells: pd.DataFrame, perceived: str, computed: str) -> tuple[int, str]:
    if (perceived, computed) not in cells.index:
        return 0, ""
    row = cells.loc[(perceived, computed)]
    return int(row["accounts"]), _text(row["gap"])


def _ordered(codes: pd.Series, order: list[str]) -> list[str]:
    present = set(codes)
    return [c for c in order if c in present] + sorted(present - set(order))


def _text(value: object) -> str:
    """A cell as text; every kind of missing (None, NaN, pd.NA) as ""."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def _counts(values: pd.Series, keys: tuple[str, ...]) -> dict[str, int]:
    counts = values.value_counts()
    return {key: int(counts.get(key, 0)) for key in keys}
