"""One story builder per relationship type: a profile and a random draw become a plan.

``plan_story`` picks the builder for a type; the builders share the deal and
contract helpers of ``story.py``.
"""

from __future__ import annotations

import random

from local_org.generator.profiles import HOSTAGE_SIGNALS
from local_org.generator.story import (
    ContractPlan,
    Phase,
    Story,
    closed_deal,
    contract_chain,
    deal_closes,
    money,
    new_story,
    open_deal,
    pick,
    pick_rivals,
    repeat_deals,
    repeat_kind,
    weighted,
)
from local_org.generator.vocabulary import OPEN_STAGES

EARLY_STAGES = ("Prospecting", "Qualification", "Needs Analysis")
LATE_STAGES = ("Proposal/Price Quote", "Negotiation/Review")  # a quote is on the table


def _story_prospect(rng: random.Random, story: Story) -> None:
    """Touches for a few weeks or months, then either still in play or gone cold."""
    active_until = max(story.start - rng.uniform(30, 240), 0.0)
    story.phases = [Phase(story.start, active_until, 1.0, story.profile.inbound_share)]
    story.service_window = (story.start, active_until)
    n_deals = weighted(rng, ((0, 0.3), (1, 0.45), (2, 0.18), (3, 0.07)))
    for _ in range(n_deals):
        value = money(story.wallet * rng.uniform(0.1, 0.4))
        created = rng.uniform(active_until, story.start)
        if active_until < 30 and created < 200:
            stages = [name for name, _ in OPEN_STAGES]
            deal = open_deal(rng, story, "New Business", value, stages)
        else:
            close = max(created - rng.uniform(20, 90), active_until, 1.0)
            deal = closed_deal(rng, story, close, "New Business", value, won=False)
            deal.created = created
        story.deals.append(deal)
    if rng.random() < 0.04:
        # A free pilot booked as won with no money: not a purchase, but it looks like one.
        pilot = closed_deal(rng, story, max(active_until, 2.0), "New Business", 0.0, won=True)
        pilot.label = "Free pilot"
        story.deals.append(pilot)
        story.quirk("free_pilot")


def _story_one_night_stand(rng: random.Random, story: Story) -> None:
    """One purchase and onboarding, then follow-ups that nobody answers."""
    purchase = max(story.start - rng.uniform(20, 120), 45.0)
    value = money(story.wallet * rng.uniform(0.05, 0.4))
    deal = closed_deal(rng, story, purchase, "New Business", value, won=True)
    deal.orders = 2 if rng.random() < 0.12 else 1
    story.deals.append(deal)
    if rng.random() < 0.1:
        # An add-on to the same deal, booked within days: part of the one purchase.
        add_on = max(purchase - rng.uniform(0, 10), 5.0)
        small = money(value * rng.uniform(0.05, 0.25))
        extra = closed_deal(rng, story, add_on, "Existing Business", small, won=True)
        extra.orders = 1
        story.deals.append(extra)
        story.quirk("add_on_purchase")
    if rng.random() < 0.35:
        # The seller tries for a repeat that never happens.
        follow = max(purchase - rng.uniform(60, 300), 3.0)
        story.deals.append(
            closed_deal(rng, story, follow, "Existing Business", money(value * 0.6), won=False)
        )
    story.phases = [
        Phase(story.start, purchase - 45, 1.0, story.profile.inbound_share),
        Phase(purchase - 45, purchase - 240, 0.25, 0.05),
        Phase(purchase - 240, 0.0, 0.03, 0.0),
    ]
    story.service_window = (purchase, max(purchase - 240, 0.0))


def _story_dating(rng: random.Random, story: Story) -> None:
    """Sporadic purchases won on price against competitors."""
    if rng.random() < 0.15:
        story.quirk("no_competitor")
        profile_rate = 0.0
    else:
        profile_rate = story.profile.competitor_rate
    per_year = rng.uniform(*story.profile.deals_per_year)
    newest = rng.uniform(15, 300)
    closes = deal_closes(rng, story.start - 30, newest, per_year, regular=False)
    mean_value = story.annual_spend / per_year
    for close in closes:
        won = rng.random() < story.profile.win_rate
        kind = "New Business" if not story.deals else "Existing Business"
        pool = "promo" if kind != "New Business" and rng.random() < 0.55 else None
        value = money(mean_value * rng.lognormvariate(0, 0.4))
        story.deals.append(
            closed_deal(
                rng, story, close, kind, value, won, label_pool=pool, competitor_rate=profile_rate
            )
        )
    wanted_wins = 1 if rng.random() < 0.08 else 2
    if wanted_wins == 1:
        story.quirk("single_purchase")
    _ensure_wins(story, wanted_wins, exact=wanted_wins == 1)
    if wanted_wins > 1 and rng.random() < 0.15:
        _repeat_weeks_apart(rng, story, mean_value)
    if rng.random() < 0.45:
        _shopper_quote(rng, story, mean_value, profile_rate)
    story.phases = [Phase(story.start, 0.0, 1.0, story.profile.inbound_share)]


def _repeat_weeks_apart(rng: random.Random, story: Story, mean_value: float) -> None:
    """A second order a few weeks after a purchase (B2C-like reordering): a second date."""
    won = [d for d in story.deals if d.won and d.close > 30]
    if not won:
        return
    first = pick(rng, won)
    close = first.close - rng.uniform(21, 70)
    value = money(mean_value * rng.lognormvariate(-0.5, 0.4))
    deal = closed_deal(rng, story, max(close, 2.0), "Existing Business", value, won=True)
    deal.created = min(deal.created, first.close)
    story.deals.append(deal)
    story.quirk("repeat_weeks_apart")


def _shopper_quote(
    rng: random.Random, story: Story, mean_value: float, competitor_rate: float
) -> None:
    """An open deal: shoppers ask for quotes too, often with competitors at the table.

    Most quotes are late-stage (a proposal or a negotiation); a few come with a
    draft contract the rep put in to try and lock the customer in.
    """
    late = rng.random() < 0.65
    stages = LATE_STAGES if late else EARLY_STAGES
    deal = open_deal(rng, story, "Existing Business", money(mean_value), stages, "promo")
    if late:
        story.quirk("shopper_quote")
    if rng.random() < competitor_rate:
        deal.competitors = pick_rivals(rng, story)
    story.deals.append(deal)
    if late and rng.random() < 0.12:
        created = rng.uniform(3, 60)
        story.contracts.append(ContractPlan(None, 12, "Draft", created, created - 1))
        story.quirk("draft_contract_offered")


def _ensure_wins(story: Story, wanted: int, exact: bool = False) -> None:
    """Make sure at least (or, with ``exact``, exactly) ``wanted`` deals were won."""
    closed = [d for d in story.deals if d.closed]
    won = [d for d in closed if d.won]
    for deal in closed:
        if len(won) >= wanted:
            break
        if not deal.won:
            deal.stage, deal.loss_reason = "Closed Won", None
            won.append(deal)
    if exact:
        for deal in won[wanted:]:
            deal.stage = "Closed Lost"
            deal.loss_reason = "Price"


def _story_steady(rng: random.Random, story: Story) -> None:
    """Regular reorders, growing contact base, more and more two-way communication."""
    per_year = rng.uniform(*story.profile.deals_per_year)
    newest = rng.uniform(0, 365 / per_year)
    story.deals = repeat_deals(rng, story, story.start - 20, newest, per_year)
    if rng.random() < 0.12 and len(story.deals) > 1:
        pick(rng, story.deals[1:]).competitors = pick_rivals(rng, story)
        story.quirk("competitor_quote")
    if rng.random() < 0.5:
        story.deals.append(open_deal(rng, story, repeat_kind(rng), money(story.annual_spend / 4)))
    if rng.random() < 0.06:
        story.deals.append(
            open_deal(
                rng, story, "Existing Business", money(story.annual_spend), label_pool="contract"
            )
        )
        story.quirk("early_contract_talk")
    middle = story.start / 2
    story.phases = [
        Phase(story.start, middle, 0.6, 0.4),
        Phase(middle, 0.0, 1.2, story.profile.inbound_share),
    ]
    story.committed_since = middle


def _story_engaged(rng: random.Random, story: Story) -> None:
    """A steady history, and now a contract in draft or approval with a late-stage deal."""
    per_year = rng.uniform(*story.profile.deals_per_year)
    newest = rng.uniform(0, 365 / per_year)
    story.deals = repeat_deals(rng, story, story.start - 20, newest, per_year)
    term = weighted(rng, ((12, 0.3), (24, 0.4), (36, 0.3)))
    draw = rng.random()
    if draw >= 0.1:
        created = rng.uniform(3, 90)
        start = -rng.uniform(5, 60) if rng.random() < 0.8 else None
        status = "Draft" if rng.random() < 0.55 else "In Approval Process"
        story.contracts.append(
            ContractPlan(start, term, status, created, created - rng.uniform(0, 3))
        )
    else:
        story.quirk("no_draft_contract")
    if draw < 0.1 or draw >= 0.2:
        kind = "Renewal" if rng.random() < 0.3 else "Existing Business"
        value = money(story.annual_spend * term / 12 * 0.6)
        stages = ("Proposal/Price Quote", "Negotiation/Review")
        deal = open_deal(rng, story, kind, value, stages, label_pool="contract")
        if "competitor_on_renewal" in story.signals:
            deal.competitors = pick_rivals(rng, story)
        story.deals.append(deal)
    else:
        story.quirk("no_contract_opportunity")
    if story.hostage:
        # Already bound by a first, short contract while the big one is
        # negotiated. Held by a contract in force, the account is married by
        # the seed's definitions (married: contracts; engaged: about to sign
        # them), so that is its label; the bigger contract in the making stays
        # in its records, an honest overlap with engaged.
        start = rng.uniform(60, 330)
        story.contracts.insert(0, ContractPlan(start, 12, "Activated", start + 20, start - 2))
        story.true_type = "married"
    middle = story.start / 2
    recent, recent_inbound = 1.5, story.profile.inbound_share
    if "falling_engagement" in story.signals:
        story.decline_since = 90.0
        recent, recent_inbound = 0.5, 0.2
    story.phases = [
        Phase(story.start, middle, 0.7, 0.45),
        Phase(middle, 90, 1.0, story.profile.inbound_share),
        Phase(90, 0.0, recent, recent_inbound),
    ]
    story.committed_since = middle


def _story_married(rng: random.Random, story: Story) -> None:
    """Dating then steady, then contracts renewed back to back, QBRs and priority service."""
    profile = story.profile
    contract_start = story.start - rng.uniform(180, 540)
    lapsed = not story.hostage and rng.random() < 0.05
    story.contracts = contract_chain(rng, contract_start, 0.0, lapsed=lapsed)
    if story.contracts[-1].status == "Expired":
        story.quirk("contract_lapsed_in_renewal")
    if rng.random() < 0.15:
        story.quirk("no_qbr")
    per_year = rng.uniform(*profile.deals_per_year)
    newest = rng.uniform(0, 365 / per_year)
    story.deals = repeat_deals(rng, story, story.start - 20, newest, per_year, value_share=0.5)
    for deal in story.deals:
        deal.orders = rng.randint(*profile.orders_per_deal)
    _add_renewals(rng, story)
    current = story.contracts[-1]
    renewal_due = (current.end or 0) > -150
    hostage_rivals = "competitor_on_renewal" in story.signals
    if renewal_due or hostage_rivals:
        term_value = money(story.annual_spend * 0.5 * current.term_months / 12)
        stages = ("Negotiation/Review", "Proposal/Price Quote") if renewal_due else (
            "Qualification", "Needs Analysis", "Proposal/Price Quote")  # fmt: skip
        renewal = open_deal(rng, story, "Renewal", term_value, stages)
        if (current.end or 0) < 0:
            renewal.close = current.end or renewal.close
        if hostage_rivals or rng.random() < 0.08:
            renewal.competitors = pick_rivals(rng, story)
            if not hostage_rivals:
                story.quirk("competitor_on_renewal")
        story.deals.append(renewal)
    if renewal_due and rng.random() < 0.4:
        # Renewal paperwork is prepared in Salesforce before the current term ends.
        start = min((current.end or 0) - 1, -rng.uniform(1, 30))
        created = rng.uniform(3, 60)
        status = pick(rng, ("Draft", "In Approval Process"))
        story.contracts.append(
            ContractPlan(start, current.term_months, status, created, created - 1)
        )
    if not story.hostage and rng.random() < 0.04:
        # The contract lives in a CLM tool, not in Salesforce: only the renewal deals show it.
        story.contracts = []
        story.quirk("contract_not_in_crm")
    story.committed_since = contract_start
    _committed_phases(rng, story)


def _add_renewals(rng: random.Random, story: Story) -> None:
    """A won renewal deal for every contract after the first (and one for the first)."""
    for index, contract in enumerate(story.contracts):
        if contract.start is None or contract.start < 0:
            continue
        kind = "Renewal" if index else "Existing Business"
        pool = None if index else "contract"
        value = money(story.annual_spend * 0.5 * contract.term_months / 12)
        close = contract.start + rng.uniform(5, 45)
        deal = closed_deal(rng, story, close, kind, value, True, label_pool=pool, competitor_rate=0)
        deal.orders = 1
        story.deals.append(deal)


def _committed_phases(rng: random.Random, story: Story) -> None:
    """Flat, mutual engagement; hostages (and a few others) fade over the last months."""
    inbound = story.profile.inbound_share
    fading = "falling_engagement" in story.signals or (
        not story.hostage and story.code == "married" and rng.random() < 0.06
    )
    if fading:
        if not story.hostage:
            story.quirk("quiet_months")
        decline = rng.uniform(150, 300)
        story.decline_since = decline
        story.phases = [
            Phase(story.start, decline, 1.0, inbound),
            Phase(decline, 0.0, 0.35, 0.2),
        ]
    else:
        story.phases = [Phase(story.start, 0.0, 1.0, inbound)]


def _story_partner(rng: random.Random, story: Story) -> None:
    """Frequent repeat business and deep ties without any contract."""
    profile = story.profile
    per_year = rng.uniform(*profile.deals_per_year)
    newest = rng.uniform(0, 365 / per_year)
    story.deals = repeat_deals(rng, story, story.start - 20, newest, per_year)
    for deal in story.deals:
        deal.orders = rng.randint(*profile.orders_per_deal)
    if rng.random() < 0.6:
        story.deals.append(open_deal(rng, story, repeat_kind(rng), money(story.annual_spend / 6)))
    if rng.random() < 0.08 and len(story.deals) > 2:
        pick(rng, story.deals[1:]).competitors = pick_rivals(rng, story)
        story.quirk("competitor_quote")
    draw = rng.random()
    if draw < 0.18:
        # A contract tried years ago and never renewed: the relationship outgrew it.
        start = story.start - rng.uniform(60, 200)
        plan = ContractPlan(start, pick(rng, (12, 24)), "Expired", start + 20, 0.0)
        end = plan.end or 0.0
        if draw < 0.03:
            plan.status, plan.modified = "Terminated", rng.uniform(end, start)
        else:
            plan.modified = end - 1
        if end > 365:
            story.contracts.append(plan)
            story.quirk("old_contract")
    story.committed_since = story.start - 365
    story.phases = [Phase(story.start, 0.0, 1.0, profile.inbound_share)]


def _story_ex(rng: random.Random, story: Story) -> None:
    """A real relationship that ended: last deals lost, contract gone, then silence."""
    profile = story.profile
    if rng.random() < 0.12:
        ended = rng.uniform(150, 300)
        story.quirk("recently_ended")
    else:
        ended = rng.uniform(300, 1100)
    story.start = max(story.start, ended + 300)
    story.end = ended
    per_year = rng.uniform(*profile.deals_per_year)
    if rng.random() < 0.2:
        per_year = rng.uniform(0.8, 1.5)
        story.quirk("short_history")
    newest = ended + rng.uniform(30, 150)
    story.deals = repeat_deals(rng, story, story.start - 20, newest, per_year)
    _ensure_repeat_purchase(rng, story, oldest=story.start - 20, newest=newest)
    if rng.random() < 0.45 and story.start - ended > 450:
        first = story.start - rng.uniform(60, 300)
        story.contracts = contract_chain(rng, first, ended)
        last = story.contracts[-1]
        if (last.end or 0) <= 0 or rng.random() < 0.3:
            last.status = "Terminated"
        else:
            last.status = "Expired"
        last.modified = max(ended - rng.uniform(0, 30), max(last.end or 0, 0))
    for _ in range(pick(rng, (1, 1, 2))):
        close = ended + rng.uniform(0, 45)
        kind = "Renewal" if story.contracts else "Existing Business"
        value = money(story.annual_spend / per_year)
        story.deals.append(
            closed_deal(rng, story, close, kind, value, won=False, competitor_rate=0.55)
        )
    phases = [
        Phase(story.start, ended + 180, 1.0, profile.inbound_share),
        Phase(ended + 180, ended, 0.6, 0.25),
    ]
    if rng.random() < 0.35:
        phases.append(Phase(ended, 0.0, 0.1, 0.0))
        story.quirk("win_back_attempts")
        if rng.random() < 0.3:
            close = rng.uniform(5, ended - 30)
            value = money(story.annual_spend / per_year)
            story.deals.append(closed_deal(rng, story, close, "Existing Business", value, False))
    story.phases = phases
    story.service_window = (story.start, ended)
    story.committed_since = story.start - 365 if story.contracts else None


def _ensure_repeat_purchase(rng: random.Random, story: Story, oldest: float, newest: float) -> None:
    """An ex bought at least twice, weeks apart: a single purchase is a one-night stand.

    The seed's ex is a relationship that has ended; one purchase and silence is
    the one-night stand's footprint, whatever followed it. A short history
    keeps its few deals, and a second purchase weeks (not days) from the first.
    """
    _ensure_wins(story, 2)
    won = [d for d in story.deals if d.won]
    if len(won) >= 2:
        return
    taken = won[0].close if won else None
    for _ in range(20):
        close = rng.uniform(newest, oldest)
        if taken is None or abs(close - taken) >= 30:
            break
    value = money(story.annual_spend / 2 * rng.lognormvariate(0, 0.35))
    kind = "New Business" if taken is None or close > taken else "Existing Business"
    story.deals.append(closed_deal(rng, story, close, kind, value, True))
    story.quirk("second_purchase")
    if taken is None:
        _ensure_repeat_purchase(rng, story, oldest, newest)


STORY_BUILDERS = {
    "prospect": _story_prospect,
    "one_night_stand": _story_one_night_stand,
    "dating": _story_dating,
    "steady": _story_steady,
    "engaged": _story_engaged,
    "married": _story_married,
    "partner": _story_partner,
    "ex": _story_ex,
}


def plan_story(rng: random.Random, code: str, wallet: float) -> Story:
    story = new_story(rng, code, wallet)
    if story.hostage:
        story.signals = _hostage_signals(rng)
        # Held by a big contract: hostages often signed for more than they now want.
        story.annual_spend *= rng.uniform(1.3, 2.5)
        story.quirk("big_contract")
    STORY_BUILDERS[code](rng, story)
    rough_patch = 0.2 if code == "married" else 0.08
    if (
        code in ("married", "partner", "steady", "engaged")
        and not story.hostage
        and rng.random() < rough_patch
    ):
        story.bad_quarter = rng.uniform(30, min(700, story.start - 60))
        story.quirk("bad_quarter")
    for deal in story.deals:
        if deal.won and deal.orders == 0 and deal.value > 0:
            deal.orders = rng.randint(*story.profile.orders_per_deal) or 1
    story.deals.sort(key=lambda deal: -deal.created)
    return story


def _hostage_signals(rng: random.Random) -> set[str]:
    """Each hostage shows at least two of the unhappiness signals, seldom all of them."""
    signals = {name for name, chance in HOSTAGE_SIGNALS.items() if rng.random() < chance}
    while len(signals) < 2:
        signals.add(pick(rng, tuple(HOSTAGE_SIGNALS)))
    return signals
