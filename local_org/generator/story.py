"""The story half: what happens to one account over time, before any record is written.

A story is a plan in "days before as_of": when the relationship starts and
ends, its deals, contracts and engagement phases. The emitters (``emit.py``,
``emit_activity.py``) turn it into records; nothing here writes one.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from local_org.generator.profiles import PROFILES, Profile
from local_org.generator.vocabulary import COMPETITORS, DEAL_LABELS

HISTORY_DAYS = 1826  # about five years of CRM history before as_of
DAYS_PER_MONTH = 30.44


@dataclass
class Contact:
    id: str
    arrival: float
    level: str  # exec, vp, director, manager or staff
    email: str | None


@dataclass
class Deal:
    close: float  # days ago; negative = expected close in the future
    created: float
    stage: str
    kind: str  # Opportunity.Type
    label: str
    value: float  # what the deal is worth (the Amount field may be left empty)
    competitors: list[str] = field(default_factory=list)
    loss_reason: str | None = None
    orders: int = 0
    id: str = ""

    @property
    def won(self) -> bool:
        return self.stage == "Closed Won"

    @property
    def closed(self) -> bool:
        return self.stage in ("Closed Won", "Closed Lost")


@dataclass
class ContractPlan:
    start: float | None  # days ago; negative = starts in the future
    term_months: int
    status: str
    created: float
    modified: float
    id: str = ""

    @property
    def end(self) -> float | None:
        if self.start is None:
            return None
        return self.start - self.term_months * DAYS_PER_MONTH + 1


@dataclass
class Phase:
    """A stretch of the story with its own touch intensity and direction."""

    begin: float  # days ago (older bound)
    end: float  # days ago (newer bound)
    intensity: float  # multiplier of the account's touch rate
    inbound: float  # share of touches initiated by the customer


@dataclass
class Story:
    code: str
    profile: Profile
    hostage: bool
    start: float  # first touch
    end: float  # when the relationship went silent (0 = ongoing)
    annual_spend: float
    wallet: float
    touch_rate: float
    phases: list[Phase] = field(default_factory=list)
    deals: list[Deal] = field(default_factory=list)
    contracts: list[ContractPlan] = field(default_factory=list)
    committed_since: float | None = None  # QBR era
    service_window: tuple[float, float] = (0.0, 0.0)  # cases and surveys happen here
    rivals: list[str] = field(default_factory=list)
    quirks: list[str] = field(default_factory=list)
    signals: set[str] = field(default_factory=set)
    bad_quarter: float | None = None  # days ago of a rough patch in a good relationship
    decline_since: float | None = None  # falling engagement starts here
    # The type the account is by definition when the story left another
    # type's footprint (an engaged story already bound by a contract is
    # married); None: the story's own code.
    true_type: str | None = None

    def quirk(self, name: str) -> None:
        self.quirks.append(name)


def poisson(rng: random.Random, lam: float) -> int:
    """Poisson draw (Knuth for small means, normal approximation for large ones)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def weighted(rng: random.Random, options: Sequence[tuple[Any, float]]) -> Any:
    total = sum(weight for _, weight in options)
    point = rng.random() * total
    for value, weight in options:
        point -= weight
        if point < 0:
            return value
    return options[-1][0]


def pick(rng: random.Random, options: Sequence[Any]) -> Any:
    """Uniform choice; ``random.choice`` costs twice as much and this runs a million times."""
    return options[int(rng.random() * len(options))]


def money(value: float) -> float:
    return float(round(value / 10.0) * 10)


def deal_closes(
    rng: random.Random, oldest: float, newest: float, per_year: float, regular: bool
) -> list[float]:
    """Close dates (days ago, oldest first) between ``oldest`` and ``newest``.

    Regular buyers reorder at a steady rhythm; sporadic ones come back after
    gaps of very different lengths.
    """
    mean_gap = 365.0 / per_year
    closes: list[float] = []
    ago = newest
    while ago < oldest:
        closes.append(ago)
        if regular:
            gap = rng.gauss(mean_gap, 0.25 * mean_gap)
        else:
            gap = min(rng.expovariate(1.0 / mean_gap), 2.5 * mean_gap)
        ago += max(gap, 20.0)
    closes.reverse()
    return closes


def closed_deal(
    rng: random.Random,
    story: Story,
    close: float,
    kind: str,
    value: float,
    won: bool,
    *,
    label_pool: str | None = None,
    competitor_rate: float | None = None,
) -> Deal:
    """A closed deal; competitors and a loss reason are drawn from the story."""
    cycle = rng.uniform(14, 75) * (1.5 if value > 200_000 else 1.0)
    deal = Deal(
        close=close,
        created=min(close + cycle, story.start),
        stage="Closed Won" if won else "Closed Lost",
        kind=kind,
        label=pick(rng, DEAL_LABELS[label_pool or kind]),
        value=value,
    )
    rate = story.profile.competitor_rate if competitor_rate is None else competitor_rate
    if rng.random() < rate:
        deal.competitors = pick_rivals(rng, story)
    if not won:
        deal.loss_reason = _loss_reason(rng, bool(deal.competitors))
        if deal.loss_reason == "Competitor" and not deal.competitors:
            deal.competitors = pick_rivals(rng, story)
    return deal


def open_deal(
    rng: random.Random,
    story: Story,
    kind: str,
    value: float,
    stages: Sequence[str] = ("Prospecting", "Qualification", "Needs Analysis"),
    label_pool: str | None = None,
) -> Deal:
    """An open deal closing in the coming months (a few are stale: close date passed)."""
    stage = pick(rng, stages)
    created = min(story.start, 150.0) * rng.uniform(0.2, 1.0)
    stale = rng.random() < 0.12
    close = rng.uniform(0, created) if stale else -rng.uniform(5, 120)
    return Deal(
        close=close,
        created=created,
        stage=stage,
        kind=kind,
        label=pick(rng, DEAL_LABELS[label_pool or kind]),
        value=value,
    )


def pick_rivals(rng: random.Random, story: Story) -> list[str]:
    if not story.rivals:
        story.rivals = rng.sample(COMPETITORS, 3)
    return rng.sample(story.rivals, 1 if rng.random() < 0.75 else 2)


def _loss_reason(rng: random.Random, competitor_seen: bool) -> str | None:
    if competitor_seen and rng.random() < 0.6:
        return "Competitor"
    return weighted(
        rng,
        (
            ("Price", 0.3),
            ("No Decision", 0.2),
            ("Timing", 0.15),
            ("Product Fit", 0.1),
            (None, 0.25),
        ),
    )


def repeat_deals(
    rng: random.Random,
    story: Story,
    oldest: float,
    newest: float,
    per_year: float,
    value_share: float = 1.0,
) -> list[Deal]:
    """The recurring purchases of a customer: the first is new business, then reorders/upsells."""
    profile = story.profile
    mean_value = story.annual_spend * value_share / per_year
    deals = []
    for close in deal_closes(rng, oldest, newest, per_year, regular=True):
        kind = "New Business" if not story.deals and not deals else repeat_kind(rng)
        won = rng.random() < profile.win_rate
        value = money(mean_value * rng.lognormvariate(0, 0.35))
        deals.append(closed_deal(rng, story, close, kind, value, won))
    return deals


def repeat_kind(rng: random.Random) -> str:
    return "Upsell" if rng.random() < 0.3 else "Existing Business"


def contract_chain(
    rng: random.Random, first_start: float, stop: float, lapsed: bool = False
) -> list[ContractPlan]:
    """Back-to-back contracts from ``first_start`` until one covers ``stop`` (days ago).

    Earlier contracts are Expired; the last one is Activated, or Expired if the
    paperwork lapsed (``lapsed``) or the relationship ended before as_of.
    """
    chain: list[ContractPlan] = []
    start = first_start
    while True:
        term = weighted(rng, ((12, 0.45), (24, 0.35), (36, 0.2)))
        plan = ContractPlan(
            start=start,
            term_months=term,
            status="Activated",
            created=start + rng.uniform(10, 45),
            modified=max(start - rng.uniform(0, 5), 0),
        )
        chain.append(plan)
        end = plan.end or 0.0
        if end <= stop:
            break
        plan.status = "Expired"
        plan.modified = max(end - 1, 0)
        start = end - 1
    last = chain[-1]
    if lapsed and (last.start or 0) >= 40:
        # The renewal is still being negotiated: the contract expired a few weeks ago.
        lapsed_months = ((last.start or 0) - rng.uniform(5, 35)) // DAYS_PER_MONTH
        last.term_months = max(1, int(lapsed_months))
        last.status = "Expired"
        last.modified = max((last.end or 0) - 1, 0)
    return chain


def new_story(rng: random.Random, code: str, wallet: float) -> Story:
    profile = PROFILES[code]
    start = rng.uniform(*profile.start_days)
    share = rng.uniform(*profile.wallet_share)
    return Story(
        code=code,
        profile=profile,
        hostage=rng.random() < profile.hostage_rate,
        start=start,
        end=0.0,
        annual_spend=wallet * share,
        wallet=wallet,
        touch_rate=rng.uniform(*profile.touches_per_month),
        service_window=(start, 0.0),
    )
