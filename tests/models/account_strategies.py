"""Hypothesis strategies for whole accounts, and the raw Salesforce rows they become.

An ``AccountSpec`` is an account in words (its deals, contracts, people,
touches, cases, surveys); ``RawOrg.add`` writes it as raw rows under fresh
Ids, so the same spec can be added twice (an account and its variant) to one
warehouse. Dates are days before ``AS_OF``; a negative number is after it
(a deal closing next month, a record the as-of date must not see).

The shapes are broad on purpose (any amount a currency field holds, any
survey score a two-digit number field holds, deals bunched within days of
each other or years apart) and biased toward the accounts the properties
talk about: repeat buyers who talk to us, i.e. steady ones.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st

from tests.factories.orgs import AS_OF

TODAY = date.fromisoformat(AS_OF)

# Salesforce's currency fields hold 18 digits, two of them decimals.
CURRENCY_LIMIT = 1e16
# Survey_Response__c.Score__c is a number(2, 0): -99..99 fit, 0..10 are meant.
SURVEY_LIMIT = 99


def day(days_ago: int) -> date:
    return TODAY - timedelta(days=days_ago)


def moment(days_ago: int, hours: int = 0) -> datetime:
    return datetime.combine(day(days_ago), datetime.min.time(), tzinfo=UTC) + timedelta(hours=hours)


@dataclass(frozen=True)
class Deal:
    days_ago: int
    outcome: str  # won, lost, open
    amount: float | None = 10_000.0
    competitor: bool = False
    stage: str = "Prospecting"  # for an open deal
    kind: str = "New Business"
    name: str = "Deal"


@dataclass(frozen=True)
class Contract:
    status: str
    start_days_ago: int
    end_days_ago: int
    changed_days_ago: int = 400


@dataclass(frozen=True)
class Touch:
    days_ago: int
    kind: str  # inbound, outbound (calls), meeting
    contact: int = 0


@dataclass(frozen=True)
class Case:
    days_ago: int
    escalated: bool = False
    priority: str = "Medium"
    closed_after_hours: int | None = None  # None: still open
    case_type: str = "Problem"


@dataclass(frozen=True)
class Survey:
    days_ago: int
    score: float


@dataclass(frozen=True)
class AccountSpec:
    created_days_ago: int = 1500
    wallet: float | None = None
    titles: tuple[str, ...] = ()
    deals: tuple[Deal, ...] = ()
    contracts: tuple[Contract, ...] = ()
    touches: tuple[Touch, ...] = ()
    cases: tuple[Case, ...] = ()
    surveys: tuple[Survey, ...] = ()
    extra: dict = field(default_factory=dict, compare=False)

    def plus(self, **more: tuple) -> AccountSpec:
        """The same account with the given records added."""
        changes = {name: getattr(self, name) + records for name, records in more.items()}
        return AccountSpec(**{**self.__dict__, **changes, "extra": {}})


# --------------------------------------------------------------------------- strategies

TITLES = ("Chief Executive Officer", "VP Sales", "Director of IT", "Buyer", "Analyst", "")
STAGES = ("Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review")
CONTRACT_STATUSES = ("Draft", "In Approval Process", "Activated", "Expired", "Terminated")

amounts = st.one_of(
    st.floats(min_value=0, max_value=200_000, allow_nan=False),
    st.floats(min_value=-CURRENCY_LIMIT, max_value=CURRENCY_LIMIT, allow_nan=False),
    st.none(),
)


def deals(days: st.SearchStrategy[int] | None = None) -> st.SearchStrategy[Deal]:
    return st.builds(
        Deal,
        days_ago=days if days is not None else st.integers(-90, 1200),
        outcome=st.sampled_from(("won", "won", "lost", "open")),
        amount=amounts,
        competitor=st.booleans(),
        stage=st.sampled_from(STAGES),
        kind=st.sampled_from(("New Business", "New Business", "Renewal")),
        name=st.sampled_from(("Deal", "Supply agreement")),
    )


def won_deals(days: st.SearchStrategy[int]) -> st.SearchStrategy[Deal]:
    """A purchase: won, worth something, no competitor (the steady kind)."""
    return st.builds(
        Deal,
        days_ago=days,
        outcome=st.just("won"),
        amount=st.floats(min_value=1, max_value=500_000, allow_nan=False),
    )


contracts = st.builds(
    Contract,
    status=st.sampled_from(CONTRACT_STATUSES),
    start_days_ago=st.integers(-60, 1500),
    end_days_ago=st.integers(-800, 1200),
    changed_days_ago=st.integers(0, 1500),
)

touches = st.builds(
    Touch,
    days_ago=st.integers(-30, 800),
    kind=st.sampled_from(("inbound", "outbound", "meeting")),
    contact=st.integers(0, 5),
)

cases = st.builds(
    Case,
    days_ago=st.integers(-30, 900),
    escalated=st.booleans(),
    priority=st.sampled_from(("Low", "Medium", "High", "Critical")),
    closed_after_hours=st.one_of(st.none(), st.integers(1, 2000)),
    case_type=st.sampled_from(("Problem", "Question", "Feature Request")),
)

surveys = st.builds(
    Survey,
    days_ago=st.integers(0, 500),
    score=st.one_of(
        st.integers(0, 10).map(float), st.integers(-SURVEY_LIMIT, SURVEY_LIMIT).map(float)
    ),
)


@st.composite
def any_account(draw) -> AccountSpec:
    """Anything an org may hold about one account."""
    return AccountSpec(
        created_days_ago=draw(st.integers(-30, 3000)),
        wallet=draw(st.one_of(st.none(), st.floats(-1e6, CURRENCY_LIMIT, allow_nan=False))),
        titles=tuple(draw(st.lists(st.sampled_from(TITLES), max_size=6))),
        deals=tuple(draw(st.lists(deals(), max_size=8))),
        contracts=tuple(draw(st.lists(contracts, max_size=2))),
        touches=tuple(draw(st.lists(touches, max_size=12))),
        cases=tuple(draw(st.lists(cases, max_size=3))),
        surveys=tuple(draw(st.lists(surveys, max_size=2))),
    )


@st.composite
def repeat_buyer(draw) -> AccountSpec:
    """Three or more purchases in two years and a customer who reaches out:
    steady unless something else in it (bunched purchases, a contract, an
    open deal, competitors) types it otherwise."""
    anchor = draw(st.integers(0, 600))
    # Purchases within days of one another (add-ons) as well as months apart.
    near = st.integers(0, 40).map(lambda d: anchor + d)
    purchases = draw(
        st.lists(won_deals(st.one_of(near, st.integers(0, 700))), min_size=3, max_size=7)
    )
    people = draw(st.integers(1, 4))
    talks = [
        Touch(days_ago=draw(st.integers(0, 360)), kind="inbound", contact=n % people)
        for n in range(draw(st.integers(5, 9)))
    ]
    noise = draw(st.lists(deals(), max_size=2))
    return AccountSpec(
        created_days_ago=draw(st.integers(800, 2500)),
        titles=tuple(draw(st.sampled_from(TITLES)) for _ in range(people)),
        deals=tuple(purchases + noise),
        contracts=tuple(draw(st.lists(contracts, max_size=1))),
        touches=tuple(talks),
        cases=tuple(draw(st.lists(cases, max_size=2))),
    )


accounts = st.one_of(any_account(), repeat_buyer())

escalated_cases = st.builds(
    Case,
    days_ago=st.integers(-30, 900),
    escalated=st.just(True),
    priority=st.sampled_from(("Low", "Medium", "High", "Critical")),
    closed_after_hours=st.one_of(st.none(), st.integers(1, 2000)),
    case_type=st.sampled_from(("Problem", "Question")),
)


# --------------------------------------------------------------------------- raw rows

OBJECTS = (
    "Account",
    "Contact",
    "Opportunity",
    "OpportunityCompetitor",
    "Contract",
    "Task",
    "Event",
    "Case",
    "Survey_Response__c",
)


class RawOrg:
    """Raw Salesforce rows of many accounts, as the extract lands them."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {name: [] for name in OBJECTS}
        self._ids = itertools.count(1)

    def _record(self, prefix: str, created: datetime, **fields) -> dict:
        row = {
            "Id": f"{prefix}{next(self._ids):015d}",
            "IsDeleted": False,
            "CreatedDate": created,
            "SystemModstamp": created,
            **fields,
        }
        return row

    def add(self, spec: AccountSpec, name: str) -> str:
        """Write ``spec`` as one new account named ``name``; returns its Id."""
        account = self._record(
            "001",
            moment(spec.created_days_ago),
            Name=name,
            Estimated_Annual_Wallet__c=spec.wallet,
        )
        self.rows["Account"].append(account)
        account_id = account["Id"]
        people = [
            self._add_contact(account_id, title, spec.created_days_ago)
            for title in spec.titles or ("Analyst",)
        ]
        for deal in spec.deals:
            self._add_deal(account_id, deal)
        for contract in spec.contracts:
            self._add_contract(account_id, contract)
        for touch in spec.touches:
            self._add_touch(account_id, touch, people[touch.contact % len(people)])
        for case in spec.cases:
            self._add_case(account_id, case)
        for survey in spec.surveys:
            self.rows["Survey_Response__c"].append(
                self._record(
                    "a01",
                    moment(survey.days_ago),
                    Account__c=account_id,
                    Score__c=survey.score,
                    Touchpoint__c="service",
                    Responded_At__c=moment(survey.days_ago),
                )
            )
        return account_id

    def _add_contact(self, account_id: str, title: str, created_days_ago: int) -> str:
        row = self._record(
            "003",
            moment(created_days_ago),
            AccountId=account_id,
            LastName="Person",
            Name="A Person",
            Title=title,
        )
        self.rows["Contact"].append(row)
        return row["Id"]

    def _add_deal(self, account_id: str, deal: Deal) -> None:
        won, closed = deal.outcome == "won", deal.outcome != "open"
        stage = "Closed Won" if won else "Closed Lost" if closed else deal.stage
        row = self._record(
            "006",
            moment(max(deal.days_ago, 0) + 30),
            AccountId=account_id,
            Name=deal.name,
            Amount=deal.amount,
            CloseDate=day(deal.days_ago),
            Type=deal.kind,
            IsClosed=closed,
            IsWon=won,
            StageName=stage,
        )
        self.rows["Opportunity"].append(row)
        if deal.competitor:
            self.rows["OpportunityCompetitor"].append(
                self._record(
                    "00J",
                    moment(max(deal.days_ago, 0) + 30),
                    OpportunityId=row["Id"],
                    CompetitorName="Rival",
                )
            )

    def _add_contract(self, account_id: str, contract: Contract) -> None:
        self.rows["Contract"].append(
            self._record(
                "800",
                moment(contract.changed_days_ago),
                AccountId=account_id,
                Status=contract.status,
                StartDate=day(contract.start_days_ago),
                EndDate=day(contract.end_days_ago),
            )
        )

    def _add_touch(self, account_id: str, touch: Touch, contact: str) -> None:
        if touch.kind == "meeting":
            self.rows["Event"].append(
                self._record(
                    "00U",
                    moment(touch.days_ago),
                    AccountId=account_id,
                    WhoId=contact,
                    Type="Meeting",
                    StartDateTime=moment(touch.days_ago),
                )
            )
            return
        self.rows["Task"].append(
            self._record(
                "00T",
                moment(touch.days_ago),
                AccountId=account_id,
                WhoId=contact,
                ActivityDate=day(touch.days_ago),
                TaskSubtype="Call",
                CallType="Inbound" if touch.kind == "inbound" else "Outbound",
            )
        )

    def _add_case(self, account_id: str, case: Case) -> None:
        closed = case.closed_after_hours is not None
        self.rows["Case"].append(
            self._record(
                "500",
                moment(case.days_ago),
                AccountId=account_id,
                Type=case.case_type,
                Priority=case.priority,
                Status="Closed" if closed else ("Escalated" if case.escalated else "New"),
                IsEscalated=case.escalated,
                IsClosed=closed,
                ClosedDate=moment(case.days_ago, case.closed_after_hours) if closed else None,
            )
        )
