"""Small warehouses for the report, built directly in DuckDB, and a way to read its HTML.

Nothing here runs dlt, dbt or Prefect: the marts are plain tables with the
columns dbt gives them, filled from a seeded generator so that every test
knows exactly which account is a hostage, which fell fastest and which
changed type.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pandas as pd

from connectors.salesforce.api.ids import make_id
from rapport.typology import relationship_types, type_codes
from tests.factories.ids import account_id

AS_OF = date(2026, 11, 23)


SNAPSHOT_SPACING_DAYS = 30


ACCOUNTS = 36


SEED = 7


# Fixed roles, so tests need not search the random data for them.
HOSTAGE_ACCOUNTS = (1, 5, 9)


BIGGEST_DROP_ACCOUNT = 4  # loses 50 points of strength at the last snapshot


TRICKY_NAME_ACCOUNT = 2


TRICKY_NAME = "<script>alert('x')</script> & Sons"


NEXT_STEPS = (
    "Open an opportunity: there is no active deal",
    "Get back in touch: no contact in the last 90 days",
    "Build an executive relationship",
    "Keep it up: hold a business review",
    "Repair trust: resolve the escalations and recent anger",
)


MOMENT_CAUSES = {
    "delight": ("Urgent case solved within a day",),
    "miss": ("Deal lost to a competitor", "Renewal lost to a competitor"),
    "enrage": ("Escalated case open more than 7 days",),
}


@dataclass
class Warehouse:
    path: Path
    accounts: pd.DataFrame
    contacts: pd.DataFrame
    history: pd.DataFrame
    transitions: pd.DataFrame
    moments: pd.DataFrame
    evidence: pd.DataFrame = field(default_factory=pd.DataFrame)
    violations: pd.DataFrame = field(default_factory=pd.DataFrame)
    snapshot_dates: list[date] = field(default_factory=list)

    def write(self, leave_out: tuple[str, ...] = ()) -> None:
        """(Re)write every mart; ``leave_out`` tables are dropped, as on a warehouse that lacks them."""
        tables = {
            "account_relationship": self.accounts,
            "contact_relationship": self.contacts,
            "relationship_history": self.history,
            "relationship_transitions": self.transitions,
            "fct_relationship_moments": self.moments,
            "relationship_evidence": self.evidence,
            "fct_expectation_violations": self.violations,
        }
        with duckdb.connect(str(self.path)) as connection:
            catalog = connection.sql("select current_database()").fetchone()[0]
            connection.execute(f'create schema if not exists "{catalog}"."rapport"')
            for name, frame in tables.items():
                relation = f'"{catalog}"."rapport"."{name}"'
                connection.execute(f"drop table if exists {relation}")
                if name in leave_out:
                    continue
                connection.register("frame", frame)
                connection.execute(f"create table {relation} as select * from frame")
                connection.unregister("frame")


def generate(
    path: Path, snapshots: int = 2, accounts: int = ACCOUNTS, seed: int = SEED
) -> Warehouse:
    """A seeded book of accounts with ``snapshots`` monthly snapshots of history.

    Types cycle through the typology so each appears; about a third of the
    accounts change type at each snapshot; strength follows the type loosely.
    """
    rng = random.Random(seed)
    codes = type_codes()
    dates = [AS_OF - timedelta(days=SNAPSHOT_SPACING_DAYS * k) for k in range(snapshots)][::-1]
    history_rows: list[dict] = []
    account_rows: list[dict] = []
    for n in range(accounts):
        type_code = codes[n % len(codes)]
        strength = rng.uniform(20, 90)
        for index, snapshot in enumerate(dates):
            last = index == len(dates) - 1
            if index and rng.random() < 0.35 and n != BIGGEST_DROP_ACCOUNT:
                type_code = rng.choice([c for c in codes if c != type_code])
            if index:
                strength = min(max(strength + rng.uniform(-12, 12), 0), 100)
            if n == BIGGEST_DROP_ACCOUNT:
                strength = 40.0 if last else 90.0
            history_rows.append(
                {
                    "account_id": account_id(n),
                    "as_of_date": snapshot,
                    "relationship_type": type_code,
                    "strength_score": round(strength, 1),
                    "confidence": 0.8,
                    "commitment_state": "trapped" if n in HOSTAGE_ACCOUNTS else "committed",
                    "is_hostage": n in HOSTAGE_ACCOUNTS,
                }
            )
        account_rows.append(
            {
                "account_id": account_id(n),
                "account_name": TRICKY_NAME if n == TRICKY_NAME_ACCOUNT else f"Account {n:02d} Ltd",
                "relationship_type": type_code,
                "relationship_type_label": None,  # filled below from the typology
                "strength_score": round(strength, 1),
                "confidence": 0.8,
                "trend": rng.choice(["rising", "stable", "falling"]),
                "engagement_score": rng.uniform(0, 100),
                "reciprocity_score": rng.uniform(0, 100),
                "stakeholder_coverage_score": rng.uniform(0, 100),
                "experience_score": rng.uniform(0, 100),
                "moments_score": rng.uniform(0, 100),
                "commitment_score": rng.uniform(0, 100),
                "competitive_score": rng.uniform(0, 100),
                "value_score": round(rng.uniform(0, 100), 1),
                "commitment_state": "trapped" if n in HOSTAGE_ACCOUNTS else "committed",
                "is_hostage": n in HOSTAGE_ACCOUNTS,
                "is_single_threaded": rng.random() < 0.3,
                "has_competitor_presence": rng.random() < 0.3,
                "next_level_type": rng.choice([*codes, None]),
                "next_step": rng.choice(NEXT_STEPS),
                "type_reasons": "generated",
                "as_of_date": AS_OF,
            }
        )
    accounts_frame = pd.DataFrame(account_rows)
    labels = {t.code: t.label for t in relationship_types()}
    accounts_frame["relationship_type_label"] = accounts_frame["relationship_type"].map(labels)
    history = pd.DataFrame(history_rows)
    history["as_of_date"] = pd.to_datetime(history["as_of_date"]).dt.date
    accounts_frame["as_of_date"] = pd.to_datetime(accounts_frame["as_of_date"]).dt.date
    warehouse = Warehouse(
        path=path,
        accounts=accounts_frame,
        contacts=_contacts(rng, accounts),
        history=history,
        transitions=transitions_of(history),
        moments=_moments(rng, accounts),
        evidence=_evidence(accounts_frame),
        violations=_violations(rng, accounts_frame),
        snapshot_dates=dates,
    )
    warehouse.write()
    return warehouse


def transitions_of(history: pd.DataFrame) -> pd.DataFrame:
    """relationship_transitions as the dbt model derives it from the history."""
    ordered = history.sort_values(["account_id", "as_of_date"]).copy()
    by_account = ordered.groupby("account_id")
    ordered["from_type"] = by_account["relationship_type"].shift()
    ordered["from_date"] = by_account["as_of_date"].shift()
    ordered["previous_strength"] = by_account["strength_score"].shift()
    changed = ordered[
        ordered["from_type"].notna() & (ordered["from_type"] != ordered["relationship_type"])
    ]
    return pd.DataFrame(
        {
            "transition_id": changed["account_id"] + "-" + changed["as_of_date"].astype(str),
            "account_id": changed["account_id"],
            "from_type": changed["from_type"],
            "to_type": changed["relationship_type"],
            "from_date": changed["from_date"],
            "transition_date": changed["as_of_date"],
            "strength_change": changed["strength_score"] - changed["previous_strength"],
        }
    ).reset_index(drop=True)


def _contacts(rng: random.Random, accounts: int) -> pd.DataFrame:
    rows = []
    for n in range(accounts):
        for k in range(rng.randint(1, 4)):
            rows.append(
                {
                    "contact_id": make_id("003", n * 10 + k),
                    "account_id": account_id(n),
                    "contact_name": f"Contact {n}-{k}",
                    "title": "Director",
                    "seniority": rng.choice(["executive", "senior", "manager", "individual"]),
                    "strength_score": rng.uniform(0, 100),
                    "buying_influence": rng.choice(["high", "medium", "low"]),
                    "touches_last_365": rng.choice([0, 0, 1, 3, 8, 20]),
                    "meetings_last_365": rng.randint(0, 4),
                    "deal_roles": rng.randint(0, 2),
                    "last_touch_at": datetime(2026, 10, 1, tzinfo=UTC),
                    "as_of_date": AS_OF,
                }
            )
    return pd.DataFrame(rows)


def _moments(rng: random.Random, accounts: int) -> pd.DataFrame:
    rows = []
    as_of = datetime.combine(AS_OF, datetime.min.time(), tzinfo=UTC)
    for m in range(48):
        moment_type = rng.choice(list(MOMENT_CAUSES))
        age = rng.randint(0, 500)  # some older than a year: the report leaves them out
        rows.append(
            {
                "moment_id": f"m{m}",
                "account_id": account_id(rng.randrange(accounts)),
                "contact_id": None,
                "occurred_at": as_of - timedelta(days=age),
                "moment_type": moment_type,
                "cause": rng.choice(MOMENT_CAUSES[moment_type]),
                "source_object": "Case",
                "source_id": f"s{m}",
                "base_weight": 1.0,
                "age_days": age,
                "decayed_weight": 0.5 ** (age / 180),
            }
        )
    return pd.DataFrame(rows)


def _evidence(accounts: pd.DataFrame) -> pd.DataFrame:
    """The rule of each account, then two records ranked by weight."""
    rows = []
    for account in accounts.itertuples():
        rows.append(
            {
                "account_id": account.account_id,
                "evidence_kind": "type_rule",
                "evidence_name": account.relationship_type,
                "detail": f"Rule {account.relationship_type}: 3 purchases",
                "contribution": None,
                "record_id": None,
                "evidence_rank": 1,
            }
        )
        for rank in (2, 3):
            rows.append(
                {
                    "account_id": account.account_id,
                    "evidence_kind": "record",
                    "evidence_name": "moment",
                    "detail": f"Record {rank} of {account.account_id}",
                    "contribution": None,
                    "record_id": f"500{rank}",
                    "evidence_rank": rank,
                }
            )
    return pd.DataFrame(rows)


EXPECTATIONS = {
    "married": ("priority_service", "Priority service: an urgent case was slow"),
    "steady": ("be_heard", "To be heard: an inbound email went unanswered"),
    "engaged": ("contract_moves", "The contract moves: an approval stalled"),
}


def _violations(rng: random.Random, accounts: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for account in accounts.itertuples():
        if account.relationship_type not in EXPECTATIONS:
            continue
        code, label = EXPECTATIONS[account.relationship_type]
        for k in range(rng.randint(0, 3)):
            rows.append(
                {
                    "violation_id": f"{account.account_id}-{k}",
                    "account_id": account.account_id,
                    "relationship_type": account.relationship_type,
                    "expectation": code,
                    "expectation_label": label,
                    "record_id": f"{account.account_id}-r{k}",
                    "violated_on": AS_OF - timedelta(days=10 * k),
                }
            )
    return pd.DataFrame(rows)


@dataclass
class Rendered:
    warehouse: Warehouse
    report: Path
    html: str
    dom: Element


VOID_ELEMENTS = {"meta", "link", "br", "img", "input", "hr", "source", "col", "area", "base", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None
    content: list[str | Element] = field(default_factory=list)

    @property
    def children(self) -> list[Element]:
        return [c for c in self.content if isinstance(c, Element)]

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.content)

    def iter(self):
        yield self
        for child in self.children:
            yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Elements by tag and attribute values; ``data_chart="x"`` matches data-chart="x"."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [
            e
            for e in self.iter()
            if (tag is None or e.tag == tag)
            and all(e.attrs.get(k) == v or (v is True and k in e.attrs) for k, v in wanted.items())
        ]

    def find(self, tag: str | None = None, **attrs: str) -> Element:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag or '*'} {attrs}> in the document"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.content.append(element)
        if tag not in VOID_ELEMENTS:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.content.append(Element(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.content.append(data)


def parse_html(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root
