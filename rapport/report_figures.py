"""What the relationship report shows, computed from the marts.

Each function answers one question a RevOps lead asks of the book of
accounts and returns chart inputs or table rows; drawing is left to
``report_svg`` and layout to the template, so the numbers can be tested
without a browser.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

import pandas as pd

from rapport.report_data import Marts
from rapport.report_svg import Bar, BoxGroup, SankeyLink, SankeyNode, Segment, StackedBar
from rapport.typology import relationship_types

# Tableau 10: distinct, colour-blind aware, readable on white.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
MOMENT_COLORS = {"delight": "#59a14f", "miss": "#f28e2b", "enrage": "#e15759"}
INFLUENCE_ORDER = ("high", "medium", "low")
ENGAGED_COLOR, NOT_ENGAGED_COLOR = "#4e79a7", "#cbd5e1"
NEUTRAL_COLOR = "#64748b"
# More columns than this and a Sankey's bands become unreadable slivers.
SANKEY_MAX_SNAPSHOTS = 4
CHANGE_HISTORY_SNAPSHOTS = 24


@dataclass(frozen=True)
class TypeStyle:
    code: str
    label: str
    color: str


@dataclass(frozen=True)
class Kpis:
    accounts: int
    average_strength: float | None
    hostages: int
    single_threaded: int
    falling: int
    moves_since_last_snapshot: int | None

    def share(self, count: int) -> float:
        return count / self.accounts if self.accounts else 0.0


@dataclass(frozen=True)
class Snapshots:
    dates: tuple[date, ...]

    @property
    def latest(self) -> date | None:
        return self.dates[-1] if self.dates else None

    @property
    def previous(self) -> date | None:
        return self.dates[-2] if len(self.dates) >= 2 else None


@dataclass(frozen=True)
class Falling:
    """Accounts losing ground, measured by the strength lost between the last
    two snapshots when there are two, else by their activity trend."""

    by_snapshot_change: bool
    rows: list[dict]


def type_styles(marts: Marts) -> dict[str, TypeStyle]:
    """The typology's types in its order, then any other code found in the data.

    A code the typology does not know (an old snapshot of a retired type) is
    still counted and drawn, under its own name, rather than dropped.
    """
    labels = {t.code: t.label for t in relationship_types()}
    known = {
        str(code): str(label)
        for code, label in zip(
            marts.accounts["relationship_type"],
            marts.accounts["relationship_type_label"],
            strict=True,
        )
        if isinstance(label, str)
    }
    codes = list(labels)
    seen = pd.concat(
        [
            marts.accounts["relationship_type"],
            marts.history["relationship_type"],
            marts.transitions["from_type"],
            marts.transitions["to_type"],
        ]
    ).dropna()
    codes += sorted({str(c) for c in seen} - set(codes))
    return {
        code: TypeStyle(
            code, labels.get(code) or known.get(code) or code, PALETTE[i % len(PALETTE)]
        )
        for i, code in enumerate(codes)
    }


def snapshots(marts: Marts) -> Snapshots:
    dates = _dates(marts.history["as_of_date"]).dropna().unique()
    return Snapshots(tuple(sorted(dates)))


def as_of_date(marts: Marts) -> date | None:
    dates = _dates(marts.accounts["as_of_date"]).dropna()
    return max(dates) if len(dates) else None


def kpis(marts: Marts, history: Snapshots) -> Kpis:
    accounts = marts.accounts
    strength = pd.to_numeric(accounts["strength_score"], errors="coerce").dropna()
    moves = None
    if history.previous is not None:
        moves = int((_dates(marts.transitions["transition_date"]) == history.latest).sum())
    return Kpis(
        accounts=len(accounts),
        average_strength=float(strength.mean()) if len(strength) else None,
        hostages=int(accounts["is_hostage"].eq(True).sum()),
        single_threaded=int(accounts["is_single_threaded"].eq(True).sum()),
        falling=int(accounts["trend"].eq("falling").sum()),
        moves_since_last_snapshot=moves,
    )


def type_distribution(marts: Marts, styles: dict[str, TypeStyle]) -> list[Bar]:
    counts = marts.accounts["relationship_type"].value_counts()
    total = int(counts.sum())
    return [
        Bar(
            style.label,
            int(counts.get(code, 0)),
            style.color,
            note=f"{int(counts.get(code, 0))} · {counts.get(code, 0) / total:.0%}"
            if total
            else "0",
        )
        for code, style in styles.items()
        if counts.get(code, 0) > 0
    ]


def strength_by_type(marts: Marts, styles: dict[str, TypeStyle]) -> list[BoxGroup]:
    scores = pd.to_numeric(marts.accounts["strength_score"], errors="coerce")
    groups = []
    for code, style in styles.items():
        values = scores[marts.accounts["relationship_type"] == code].dropna()
        if len(values):
            groups.append(BoxGroup(style.label, style.color, [float(v) for v in values]))
    return groups


def sankey_snapshots(history: Snapshots) -> list[date]:
    """At most SANKEY_MAX_SNAPSHOTS dates, evenly spread, always the first and the last."""
    dates = history.dates
    if len(dates) <= SANKEY_MAX_SNAPSHOTS:
        return list(dates)
    last = len(dates) - 1
    picks = {round(i * last / (SANKEY_MAX_SNAPSHOTS - 1)) for i in range(SANKEY_MAX_SNAPSHOTS)}
    return [dates[i] for i in sorted(picks)]


def type_flows(
    marts: Marts, dates: Sequence[date], styles: dict[str, TypeStyle]
) -> tuple[list[SankeyNode], list[SankeyLink]]:
    """Accounts per type at each date, and how those present at consecutive dates moved."""
    history = marts.history.assign(as_of=_dates(marts.history["as_of_date"]))
    at = {d: history[history["as_of"] == d][["account_id", "relationship_type"]] for d in dates}
    nodes = []
    for column, snapshot in enumerate(dates):
        counts = at[snapshot]["relationship_type"].value_counts()
        nodes += [
            SankeyNode(column, code, style.label, style.color, int(counts[code]))
            for code, style in styles.items()
            if counts.get(code, 0) > 0
        ]
    links = []
    for column, (before, after) in enumerate(pairwise(dates)):
        pairs = at[before].merge(at[after], on="account_id", suffixes=("_from", "_to"))
        moved = pairs.groupby(["relationship_type_from", "relationship_type_to"]).size()
        links += [
            SankeyLink(column, str(source), str(target), int(count))
            for (source, target), count in moved.items()
        ]
    return nodes, links


def changes_per_snapshot(marts: Marts, history: Snapshots) -> list[Bar]:
    """Type changes at each snapshot after the first, zero included: a quiet run is news too."""
    changed = _dates(marts.transitions["transition_date"]).value_counts()
    dates = history.dates[1:][-CHANGE_HISTORY_SNAPSHOTS:]
    return [
        Bar(
            snapshot.isoformat(),
            int(changed.get(snapshot, 0)),
            "#4e79a7",
            note=str(int(changed.get(snapshot, 0))),
            tooltip=f"{snapshot.isoformat()}: {int(changed.get(snapshot, 0))} type changes",
        )
        for snapshot in dates
    ]


def top_moves(marts: Marts, styles: dict[str, TypeStyle], limit: int = 10) -> list[dict]:
    transitions = marts.transitions.dropna(subset=["from_type", "to_type"])
    if transitions.empty:
        return []
    grouped = (
        transitions.assign(change=pd.to_numeric(transitions["strength_change"], errors="coerce"))
        .groupby(["from_type", "to_type"])
        .agg(accounts=("account_id", "size"), median_change=("change", "median"))
        .reset_index()
        .sort_values(["accounts", "from_type", "to_type"], ascending=[False, True, True])
        .head(limit)
    )
    return [
        {
            "from": styles[str(row.from_type)],
            "to": styles[str(row.to_type)],
            "accounts": int(row.accounts),
            "median_change": _number(row.median_change),
        }
        for row in grouped.itertuples()
    ]


def hostages(marts: Marts, styles: dict[str, TypeStyle]) -> list[dict]:
    accounts = marts.accounts[marts.accounts["is_hostage"].eq(True)]
    ordered = accounts.assign(
        strength=pd.to_numeric(accounts["strength_score"], errors="coerce")
    ).sort_values(["strength", "account_name"], na_position="last")
    return [_account_row(row, styles) for row in ordered.to_dict("records")]


def falling(
    marts: Marts, history: Snapshots, styles: dict[str, TypeStyle], limit: int = 12
) -> Falling:
    if history.previous is None:
        accounts = marts.accounts[marts.accounts["trend"].eq("falling")]
        ordered = accounts.assign(
            value=pd.to_numeric(accounts["value_score"], errors="coerce"),
            strength=pd.to_numeric(accounts["strength_score"], errors="coerce"),
        ).sort_values(["value", "strength"], ascending=[False, True], na_position="last")
        rows = [_account_row(row, styles) for row in ordered.head(limit).to_dict("records")]
        return Falling(by_snapshot_change=False, rows=rows)
    frame = marts.history.assign(
        as_of=_dates(marts.history["as_of_date"]),
        strength=pd.to_numeric(marts.history["strength_score"], errors="coerce"),
    )
    before = frame[frame["as_of"] == history.previous][
        ["account_id", "relationship_type", "strength"]
    ]
    after = frame[frame["as_of"] == history.latest][["account_id", "relationship_type", "strength"]]
    pairs = before.merge(after, on="account_id", suffixes=("_before", "_after"))
    pairs = pairs.assign(change=pairs["strength_after"] - pairs["strength_before"])
    dropped = pairs[pairs["change"] < 0].sort_values(["change", "account_id"]).head(limit)
    names = marts.accounts.set_index("account_id")["account_name"].to_dict()
    rows = [
        {
            "account_id": row["account_id"],
            "account_name": _text(names.get(row["account_id"])) or row["account_id"],
            "type_before": _style(styles, row["relationship_type_before"]),
            "type": _style(styles, row["relationship_type_after"]),
            "strength_before": _number(row["strength_before"]),
            "strength": _number(row["strength_after"]),
            "change": _number(row["change"]),
        }
        for row in dropped.to_dict("records")
    ]
    return Falling(by_snapshot_change=True, rows=rows)


def contacts_by_influence(marts: Marts) -> list[StackedBar]:
    contacts = marts.contacts
    touches = pd.to_numeric(contacts["touches_last_365"], errors="coerce").fillna(0)
    influence = contacts["buying_influence"].fillna("unknown").astype(str)
    levels = [lvl for lvl in INFLUENCE_ORDER if (influence == lvl).any()]
    levels += sorted(set(influence) - set(INFLUENCE_ORDER))
    rows = []
    for level in levels:
        at_level = influence == level
        engaged = int((at_level & (touches > 0)).sum())
        total = int(at_level.sum())
        rows.append(
            StackedBar(
                f"{level.capitalize()} influence",
                [
                    Segment("engaged in the last year", engaged, ENGAGED_COLOR),
                    Segment("not engaged", total - engaged, NOT_ENGAGED_COLOR),
                ],
                note=f"{engaged / total:.0%} engaged" if total else "",
            )
        )
    return rows


def single_threaded_by_type(marts: Marts, styles: dict[str, TypeStyle]) -> list[Bar]:
    accounts = marts.accounts
    bars = []
    for code, style in styles.items():
        of_type = accounts[accounts["relationship_type"] == code]
        if of_type.empty:
            continue
        single = int(of_type["is_single_threaded"].eq(True).sum())
        share = single / len(of_type)
        bars.append(
            Bar(
                style.label,
                share * 100,
                style.color,
                note=f"{share:.0%} · {single} of {len(of_type)}",
                tooltip=f"{style.label}: {single} of {len(of_type)} accounts engage one person or none",
            )
        )
    return bars


def moments_by_cause(marts: Marts, as_of: date | None, limit: int = 8) -> list[StackedBar]:
    """Moments of the last year by cause: what delights customers and what angers them."""
    moments = marts.moments.dropna(subset=["moment_type"])
    if as_of is not None and not moments.empty:
        occurred = pd.to_datetime(moments["occurred_at"], utc=True, errors="coerce").dt.date
        moments = moments[occurred >= as_of - timedelta(days=365)]
    if moments.empty:
        return []
    causes = moments.assign(cause=moments["cause"].fillna("(no cause)"))
    counts = causes.groupby(["cause", "moment_type"]).size().unstack(fill_value=0)
    counts = counts.loc[counts.sum(axis=1).sort_values(ascending=False).index].head(limit)
    types = [t for t in MOMENT_COLORS if t in counts.columns]
    types += sorted(set(counts.columns) - set(MOMENT_COLORS))
    return [
        StackedBar(
            str(cause),
            [
                Segment(str(t), int(counts.loc[cause, t]), MOMENT_COLORS.get(t, NEUTRAL_COLOR))
                for t in types
            ],
            note=str(int(counts.loc[cause].sum())),
        )
        for cause in counts.index
    ]


def top_next_steps(marts: Marts, styles: dict[str, TypeStyle], limit: int = 10) -> list[Bar]:
    """The most common next steps, each coloured by the type that most often gets it."""
    accounts = marts.accounts.dropna(subset=["next_step"])
    total = len(marts.accounts)
    bars = []
    for step, group in accounts.groupby("next_step"):
        by_type = group["relationship_type"].value_counts()
        main_type = _style(styles, by_type.index[0])
        mix = ", ".join(f"{_style(styles, c).label} {n}" for c, n in by_type.items())
        bars.append(
            Bar(
                str(step),
                len(group),
                main_type.color,
                note=f"{len(group)} · {len(group) / total:.0%}",
                tooltip=f"{step}: {len(group)} accounts ({mix})",
            )
        )
    bars.sort(key=lambda bar: (-bar.value, bar.label))
    return bars[:limit]


def priority_accounts(marts: Marts, styles: dict[str, TypeStyle], limit: int = 40) -> list[dict]:
    """Where a rep's next step matters most: hostages, then falling, then by value."""
    accounts = marts.accounts
    ordered = accounts.assign(
        hostage=accounts["is_hostage"].eq(True),
        is_falling=accounts["trend"].eq("falling"),
        value=pd.to_numeric(accounts["value_score"], errors="coerce"),
        strength=pd.to_numeric(accounts["strength_score"], errors="coerce"),
    ).sort_values(
        ["hostage", "is_falling", "value", "strength", "account_id"],
        ascending=[False, False, False, True, True],
        na_position="last",
    )
    return [_account_row(row, styles) for row in ordered.head(limit).to_dict("records")]


def _account_row(row: dict, styles: dict[str, TypeStyle]) -> dict:
    next_level = row.get("next_level_type")
    return {
        "account_id": row["account_id"],
        "account_name": _text(row.get("account_name")) or row["account_id"],
        "type": _style(styles, row["relationship_type"]),
        "strength": _number(row.get("strength_score")),
        "value": _number(row.get("value_score")),
        "trend": _text(row.get("trend")),
        "commitment_state": _text(row.get("commitment_state")),
        "is_hostage": row.get("is_hostage") is True,
        "next_level": _style(styles, next_level) if _text(next_level) else None,
        "next_step": _text(row.get("next_step")),
    }


def _style(styles: dict[str, TypeStyle], code: object) -> TypeStyle:
    text = _text(code)
    return styles.get(text) or TypeStyle(text or "unknown", text or "unknown", NEUTRAL_COLOR)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _dates(column: pd.Series) -> pd.Series:
    """Plain dates whatever the driver returned (DuckDB timestamps, Postgres dates)."""
    if column.empty:
        return pd.Series([], dtype=object)
    return pd.to_datetime(column, errors="coerce").dt.date
