"""The emit half: a story turned into Salesforce records (users, accounts, people, deals).

Every function takes the org writer, the account's random generator and its
story, and writes records of one kind; activity records are in
``emit_activity.py``.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass, field

from local_org.generator.profiles import PROFILES, TYPE_CODES
from local_org.generator.story import HISTORY_DAYS, Contact, Deal, Story, pick, weighted
from local_org.generator.vocabulary import (
    CITIES,
    COMPANY_NOUNS,
    COMPANY_SUFFIXES,
    COMPANY_WORDS,
    COMPETITOR_STRENGTHS,
    COMPETITOR_WEAKNESSES,
    FIRST_NAMES,
    INDUSTRIES,
    JUNIOR_LEVELS,
    LAST_NAMES,
    LEAD_SOURCES,
    STAGE_PROBABILITY,
    TITLES,
)
from local_org.generator.writer import OrgWriter


@dataclass
class Team:
    sales: list[str]
    success: list[str]
    support: list[str]


def emit_users(org: OrgWriter, rng: random.Random, accounts: int) -> Team:
    """A sales team of 10-30 people: account executives, success managers, support."""
    size = min(30, max(10, 8 + accounts // 50))
    roles = ["Sales Director", "VP of Sales"]
    roles += ["Account Executive"] * round(size * 0.5)
    roles += ["Customer Success Manager"] * round(size * 0.2)
    roles += ["Support Engineer"] * (size - len(roles))
    team = Team(sales=[], success=[], support=[])
    used: set[str] = set()
    inactive = set(rng.sample(range(2, 2 + round(size * 0.5)), 2))
    for index, title in enumerate(roles):
        first, last = _unique_person(rng, used)
        login = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        department = {"Customer Success Manager": "Customer Success", "Support Engineer": "Support"}
        created = HISTORY_DAYS + rng.uniform(60, 900)
        active = index not in inactive
        user_id = org.add(
            "User",
            created,
            rng.uniform(0, 400) if active else rng.uniform(400, 1200),
            {
                "Name": f"{first} {last}",
                "Username": f"{login}@rapport-demo.example",
                "Email": f"{login}@rapport-demo.example",
                "Title": title,
                "Department": department.get(title, "Sales"),
                "IsActive": active,
            },
        )["Id"]
        if not active:
            continue
        if title in ("Account Executive", "Sales Director"):
            team.sales.append(user_id)
        elif title == "Customer Success Manager":
            team.success.append(user_id)
        elif title == "Support Engineer":
            team.support.append(user_id)
    return team


def _unique_person(rng: random.Random, used: set[str]) -> tuple[str, str]:
    while True:
        first, last = pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)
        if f"{first} {last}" not in used:
            used.add(f"{first} {last}")
            return first, last


def type_mix(accounts: int, rng: random.Random) -> list[str]:
    """Exact proportions (largest remainder), shuffled, so small orgs still get every type."""
    quotas = {code: accounts * PROFILES[code].mix for code in TYPE_CODES}
    counts = {code: math.floor(quota) for code, quota in quotas.items()}
    by_remainder = sorted(TYPE_CODES, key=lambda code: counts[code] - quotas[code])
    for code in by_remainder[: accounts - sum(counts.values())]:
        counts[code] += 1
    types = [code for code in TYPE_CODES for _ in range(counts[code])]
    rng.shuffle(types)
    return types


class NameBook:
    """Unique company names: word + noun + legal suffix, then a city if taken."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def company(self, rng: random.Random, city: str | None) -> tuple[str, str]:
        short = f"{pick(rng, COMPANY_WORDS)} {pick(rng, COMPANY_NOUNS)}"
        name = f"{short} {pick(rng, COMPANY_SUFFIXES)}"
        if name in self._used:
            name = f"{name} ({city or 'International'})"
        serial = 2
        base = name
        while name in self._used:
            name = f"{base} {serial}"
            serial += 1
        self._used.add(name)
        return name, short


@dataclass
class Account:
    id: str
    name: str
    short: str
    domain: str
    owner_id: str
    success_id: str
    support_id: str
    created: float
    contacts: list[Contact] = field(default_factory=list)
    arrival_keys: list[float] = field(default_factory=list)  # -arrival, ascending

    def contact_at(self, rng: random.Random, ago: float) -> Contact | None:
        """A contact the account already had ``ago`` days before as_of."""
        known = bisect_right(self.arrival_keys, -ago)
        if known == 0:
            return self.contacts[0] if self.contacts else None
        return self.contacts[rng.randrange(known)]

    def senior_at(self, rng: random.Random, ago: float) -> Contact | None:
        known = self.contacts[: max(bisect_right(self.arrival_keys, -ago), 1)]
        senior = [c for c in known if c.level in ("exec", "vp", "director")]
        return pick(rng, senior) if senior else (pick(rng, known) if known else None)


SEGMENTS = (
    # name, median yearly spend of such a customer in our category (its wallet)
    ("SMB", 60_000.0),
    ("Mid-Market", 450_000.0),
    ("Enterprise", 3_500_000.0),
)


def _account_type(rng: random.Random, code: str) -> str | None:
    """Account.Type as sales reps maintain it: mostly right, sometimes stale or empty."""
    if code == "prospect":
        options = (("Prospect", 0.8), (None, 0.15), ("Other", 0.05))
    elif code == "partner":
        options = (
            ("Customer - Direct", 0.55),
            ("Channel Partner / Reseller", 0.12),
            ("Technology Partner", 0.08),
            ("Customer - Channel", 0.13),
            (None, 0.12),
        )
    elif code in ("ex", "one_night_stand"):
        options = (("Customer - Direct", 0.7), ("Prospect", 0.1), ("Other", 0.05), (None, 0.15))
    else:
        options = (
            ("Customer - Direct", 0.72),
            ("Customer - Channel", 0.12),
            ("Channel Partner / Reseller", 0.03),
            (None, 0.13),
        )
    return weighted(rng, options)


def emit_account(
    org: OrgWriter, rng: random.Random, team: Team, names: NameBook, story: Story, segment: str
) -> Account:
    city, country = pick(rng, CITIES)
    name, short = names.company(rng, city)
    revenue = story.wallet / rng.uniform(0.005, 0.03)
    estimate = None
    if rng.random() > (0.2 if story.code == "prospect" else 0.12):
        estimate = float(round(story.wallet * rng.lognormvariate(0, 0.25), -3)) or 1000.0
    else:
        story.quirk("no_wallet_estimate")
    owner = pick(rng, team.sales)
    created = story.start + rng.uniform(0, 20)
    account_id = org.add(
        "Account",
        created,
        rng.uniform(0, min(created, 120)),
        {
            "Name": name,
            "Type": _account_type(rng, story.code),
            "Industry": pick(rng, INDUSTRIES) if rng.random() > 0.05 else None,
            "AnnualRevenue": float(round(revenue, -3)) if rng.random() > 0.1 else None,
            "NumberOfEmployees": max(3, round(revenue / rng.uniform(120_000, 400_000))),
            "BillingCity": city if rng.random() > 0.04 else None,
            "BillingCountry": country,
            "OwnerId": owner,
            "Estimated_Annual_Wallet__c": estimate,
        },
    )["Id"]
    domain = "".join(ch for ch in short.lower() if ch.isalnum())[:30] + ".example"
    return Account(
        id=account_id,
        name=name,
        short=short,
        domain=domain,
        owner_id=owner,
        success_id=pick(rng, team.success),
        support_id=pick(rng, team.support),
        created=created,
    )


def _contact_arrivals(rng: random.Random, story: Story, count: int) -> list[float]:
    """When each contact entered the CRM (days ago), earliest first.

    Steady and engaged accounts are 'getting to know each other': most of
    their contacts arrive over the course of the relationship. Others meet
    most of their people early.
    """
    latest = story.service_window[1]
    if story.code in ("steady", "engaged", "married", "partner"):
        upfront = {"steady": 1, "engaged": 2}.get(story.code, 3)
    else:
        upfront = max(1, count - rng.randint(0, 1))
    arrivals = [story.start - rng.uniform(0, 10) for _ in range(min(upfront, count))]
    arrivals += [rng.uniform(latest, story.start) for _ in range(count - len(arrivals))]
    return sorted(arrivals, reverse=True)


def emit_contacts(org: OrgWriter, rng: random.Random, account: Account, story: Story) -> None:
    profile = story.profile
    count = rng.randint(*profile.contacts)
    if story.code == "prospect" and rng.random() < 0.05:
        count = 0
        story.quirk("no_contacts")
    untitled = 0.5 if rng.random() < 0.05 else 0.06
    if untitled == 0.5:
        story.quirk("contacts_without_titles")
    levels = [_contact_level(rng, profile.senior_share) for _ in range(count)]
    if count and rng.random() < profile.exec_sponsor:
        levels[rng.randrange(min(count, 3))] = "exec"
    used: set[str] = set()
    for arrival, level in zip(_contact_arrivals(rng, story, count), levels, strict=True):
        first, last = _unique_person(rng, used)
        title, department = pick(rng, TITLES[level])
        has_title = rng.random() >= untitled
        local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        email = f"{local}@{account.domain}" if rng.random() > 0.05 else None
        contact_id = org.add(
            "Contact",
            arrival,
            rng.uniform(0, arrival),
            {
                "AccountId": account.id,
                "FirstName": first,
                "LastName": last,
                "Name": f"{first} {last}",
                "Title": title if has_title else None,
                "Department": department if has_title and rng.random() > 0.15 else None,
                "Email": email,
                "Phone": f"+1 {rng.randint(200, 989)} 555 {rng.randint(0, 9999):04d}",
                "LeadSource": pick(rng, LEAD_SOURCES) if rng.random() < 0.6 else None,
                "OwnerId": account.owner_id,
            },
        )["Id"]
        account.contacts.append(Contact(contact_id, arrival, level, email))
        account.arrival_keys.append(-arrival)


def _contact_level(rng: random.Random, senior_share: float) -> str:
    if rng.random() < senior_share:
        return "exec" if rng.random() < 0.4 else "vp"
    return weighted(rng, JUNIOR_LEVELS)


def emit_contracts(org: OrgWriter, rng: random.Random, account: Account, story: Story) -> None:
    for plan in story.contracts:
        start = plan.start
        end = plan.end
        plan.id = org.add(
            "Contract",
            plan.created,
            plan.modified,
            {
                "AccountId": account.id,
                "ContractNumber": f"{org.next_number('Contract'):08d}",
                "Status": plan.status,
                "StartDate": org.date(start) if start is not None else None,
                "EndDate": org.date(end) if end is not None else None,
                "ContractTerm": plan.term_months,
                "OwnerId": account.owner_id,
            },
        )["Id"]


def emit_deals(org: OrgWriter, rng: random.Random, account: Account, story: Story) -> None:
    """Opportunities with their contact roles and competitors."""
    for deal in story.deals:
        amount: float | None = deal.value
        if rng.random() < 0.03 or (not deal.closed and rng.random() < 0.1):
            amount = None  # reps skip the amount more often on open deals
        modified = deal.close if deal.closed else rng.uniform(0, deal.created)
        deal.id = org.add(
            "Opportunity",
            deal.created,
            modified,
            {
                "AccountId": account.id,
                "Name": f"{account.short} - {deal.label}"[:120],
                "Type": deal.kind,
                "StageName": deal.stage,
                "Amount": amount,
                "Probability": STAGE_PROBABILITY[deal.stage],
                "CloseDate": org.date(deal.close),
                "IsClosed": deal.closed,
                "IsWon": deal.won,
                "LeadSource": pick(rng, LEAD_SOURCES) if deal.kind == "New Business" else None,
                "Loss_Reason__c": deal.loss_reason,
                "OwnerId": account.owner_id,
            },
        )["Id"]
        _emit_contact_roles(org, rng, account, deal)
        for name in deal.competitors:
            org.add(
                "OpportunityCompetitor",
                deal.created - rng.uniform(0, max(deal.created - max(deal.close, 0), 0)),
                max(deal.close, 0),
                {
                    "OpportunityId": deal.id,
                    "CompetitorName": name,
                    "Strengths": pick(rng, COMPETITOR_STRENGTHS) if rng.random() < 0.7 else None,
                    "Weaknesses": pick(rng, COMPETITOR_WEAKNESSES) if rng.random() < 0.6 else None,
                },
            )


def _emit_contact_roles(org: OrgWriter, rng: random.Random, account: Account, deal: Deal) -> None:
    if not account.contacts or rng.random() < 0.15:
        return  # contact roles are often left empty
    known = max(bisect_right(account.arrival_keys, -deal.created), 1)
    wanted = 1 if rng.random() < 0.55 else rng.randint(2, 3)
    people = rng.sample(account.contacts[:known], min(known, wanted))
    for index, contact in enumerate(people):
        if contact.level in ("exec", "vp"):
            role = pick(rng, ("Decision Maker", "Economic Buyer", "Executive Sponsor"))
        else:
            role = pick(rng, ("Evaluator", "Technical Buyer", "Business User", "Influencer", None))
        created = min(deal.created, contact.arrival) - rng.uniform(0, 5)
        org.add(
            "OpportunityContactRole",
            created,
            created - rng.uniform(0, 2),
            {
                "OpportunityId": deal.id,
                "ContactId": contact.id,
                "Role": role,
                "IsPrimary": index == 0,
            },
        )
