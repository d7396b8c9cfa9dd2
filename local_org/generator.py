"""Synthetic Salesforce org: accounts that live a relationship story.

Rapport infers a relationship type (prospect, one-night stand, dating, steady,
engaged, married, partner, ex) and hostages from CRM behaviour. To test that
end to end without a real Salesforce, every generated account is given a
latent type, and its CRM footprint (contacts, deals, contracts, orders,
cases, activities, emails, surveys) is generated from that type's story.

Design choices:

* A per-type :class:`Profile` holds the parameters of each story (tenure,
  purchase cadence, share of wallet, communication direction, service, NPS).
  Small ``_story_*`` functions turn a profile into a plan (timeline, deals,
  contracts, engagement phases); generic ``_emit_*`` functions write records.
* Types overlap, as in real life: every story draws from wide ranges and has
  "quirks" (a steady customer with one competitor quote, a married account
  with a bad quarter, a partner with an old expired contract, missing wallet
  estimates, contacts without titles, null amounts). The quirks applied to an
  account are listed in its label so that misclassifications can be explained.
* Time is handled as "days before as_of" (float; negative means the future)
  and only converted to dates and datetimes when a record is written.
* Everything random comes from ``random.Random`` instances seeded from the
  ``seed`` argument: one for the org (users, type mix) and one per account, so
  an account's story does not depend on how many records its predecessors drew.

The ground truth (labels) is returned next to the records and written to a
CSV by :func:`write_labels`; it never goes into the org itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import math
import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.salesforce.api.ids import make_id
from local_org.schema import standard_objects

UTC = dt.UTC

# Objects in the order they are generated (parents before children).
OBJECTS: tuple[str, ...] = (
    "User",
    "Account",
    "Contact",
    "Contract",
    "Opportunity",
    "OpportunityContactRole",
    "OpportunityCompetitor",
    "Order",
    "Case",
    "Task",
    "Event",
    "EmailMessage",
    "Survey_Response__c",
)

TYPE_CODES: tuple[str, ...] = (
    "prospect",
    "one_night_stand",
    "dating",
    "steady",
    "engaged",
    "married",
    "partner",
    "ex",
)

HISTORY_DAYS = 1826  # about five years of CRM history before as_of
DAYS_PER_MONTH = 30.44


# --------------------------------------------------------------------------
# Per-type profiles
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """Behaviour parameters of one relationship type.

    Ranges are ``(low, high)`` and drawn uniformly per account, so two
    accounts of the same type differ as much as real customers do.
    """

    mix: float  # share of accounts with this type
    start_days: tuple[float, float]  # first touch, days before as_of
    segments: tuple[float, float, float]  # weights of SMB, mid-market, enterprise
    contacts: tuple[int, int]  # contacts known at the end of the story
    senior_share: float  # chance a contact is an executive or a VP
    exec_sponsor: float  # chance the account has a C-level contact for sure
    deals_per_year: tuple[float, float]
    win_rate: float
    orders_per_deal: tuple[int, int]
    wallet_share: tuple[float, float]  # our share of the customer's category spend
    competitor_rate: float  # chance a competitor shows up on a deal
    touches_per_month: tuple[float, float]  # calls, emails, tasks (outside deal bursts)
    inbound_share: float  # share of touches initiated by the customer
    meetings_per_quarter: float
    qbr_rate: float  # chance of a quarterly business review per committed quarter
    cases_per_year: float
    resolve_days: float  # mean case resolution time
    surveys_per_year: float
    nps: tuple[float, float]  # mean and standard deviation of survey scores
    late_rate: float  # share of late deliveries
    hostage_rate: float


PROFILES: dict[str, Profile] = {
    # Never bought: a few outbound touches, perhaps a demo and open or lost deals.
    "prospect": Profile(
        mix=0.15, start_days=(20, 720), segments=(0.5, 0.35, 0.15), contacts=(1, 4),
        senior_share=0.15, exec_sponsor=0.0, deals_per_year=(0, 0), win_rate=0.0,
        orders_per_deal=(0, 0), wallet_share=(0, 0), competitor_rate=0.3,
        touches_per_month=(1.0, 2.5), inbound_share=0.15, meetings_per_quarter=0.8,
        qbr_rate=0.0, cases_per_year=0.0, resolve_days=5, surveys_per_year=0.1,
        nps=(7.0, 1.5), late_rate=0.0, hostage_rate=0.0,
    ),
    # One purchase, onboarding, then unanswered follow-ups.
    "one_night_stand": Profile(
        mix=0.12, start_days=(150, 1700), segments=(0.55, 0.35, 0.10), contacts=(1, 3),
        senior_share=0.1, exec_sponsor=0.0, deals_per_year=(0, 0), win_rate=1.0,
        orders_per_deal=(1, 1), wallet_share=(0.05, 0.3), competitor_rate=0.35,
        touches_per_month=(1.0, 2.0), inbound_share=0.3, meetings_per_quarter=0.8,
        qbr_rate=0.0, cases_per_year=1.0, resolve_days=5, surveys_per_year=0.6,
        nps=(7.0, 2.0), late_rate=0.12, hostage_rate=0.0,
    ),
    # Shops around: sporadic, discount-driven purchases, competitors on most deals.
    "dating": Profile(
        mix=0.15, start_days=(420, 1800), segments=(0.45, 0.4, 0.15), contacts=(2, 4),
        senior_share=0.08, exec_sponsor=0.0, deals_per_year=(0.8, 2.0), win_rate=0.55,
        orders_per_deal=(1, 1), wallet_share=(0.05, 0.25), competitor_rate=0.7,
        touches_per_month=(0.4, 1.0), inbound_share=0.3, meetings_per_quarter=0.3,
        qbr_rate=0.0, cases_per_year=0.8, resolve_days=5, surveys_per_year=0.5,
        nps=(6.8, 1.8), late_rate=0.12, hostage_rate=0.0,
    ),
    # Repeat and exclusive, two-way communication, more people over time, no contract.
    "steady": Profile(
        mix=0.15, start_days=(300, 1300), segments=(0.35, 0.45, 0.2), contacts=(3, 8),
        senior_share=0.12, exec_sponsor=0.25, deals_per_year=(3, 6), win_rate=0.9,
        orders_per_deal=(1, 2), wallet_share=(0.3, 0.6), competitor_rate=0.0,
        touches_per_month=(1.2, 2.5), inbound_share=0.5, meetings_per_quarter=0.8,
        qbr_rate=0.1, cases_per_year=1.5, resolve_days=5, surveys_per_year=0.8,
        nps=(8.3, 1.2), late_rate=0.08, hostage_rate=0.0,
    ),
    # Steady history and a contract on the table.
    "engaged": Profile(
        mix=0.08, start_days=(450, 1500), segments=(0.25, 0.45, 0.3), contacts=(4, 10),
        senior_share=0.18, exec_sponsor=0.5, deals_per_year=(3, 6), win_rate=0.9,
        orders_per_deal=(1, 2), wallet_share=(0.35, 0.65), competitor_rate=0.03,
        touches_per_month=(1.2, 2.5), inbound_share=0.5, meetings_per_quarter=0.9,
        qbr_rate=0.25, cases_per_year=2.0, resolve_days=4, surveys_per_year=0.8,
        nps=(8.4, 1.1), late_rate=0.08, hostage_rate=0.12,
    ),
    # Contracts, QBRs, executive ties, priority service, long tenure.
    "married": Profile(
        mix=0.15, start_days=(1000, 1826), segments=(0.15, 0.45, 0.4), contacts=(6, 16),
        senior_share=0.25, exec_sponsor=0.8, deals_per_year=(2, 5), win_rate=0.93,
        orders_per_deal=(2, 4), wallet_share=(0.55, 0.9), competitor_rate=0.01,
        touches_per_month=(1.2, 2.5), inbound_share=0.5, meetings_per_quarter=0.9,
        qbr_rate=0.85, cases_per_year=4.0, resolve_days=1.5, surveys_per_year=1.0,
        nps=(8.6, 1.1), late_rate=0.06, hostage_rate=0.27,
    ),
    # As committed as married, frequent repeat business, but no contract.
    "partner": Profile(
        mix=0.10, start_days=(1000, 1826), segments=(0.2, 0.45, 0.35), contacts=(6, 16),
        senior_share=0.22, exec_sponsor=0.7, deals_per_year=(4, 8), win_rate=0.93,
        orders_per_deal=(1, 3), wallet_share=(0.55, 0.9), competitor_rate=0.005,
        touches_per_month=(1.2, 2.5), inbound_share=0.55, meetings_per_quarter=0.9,
        qbr_rate=0.35, cases_per_year=3.0, resolve_days=2.5, surveys_per_year=1.0,
        nps=(8.7, 1.0), late_rate=0.06, hostage_rate=0.0,
    ),
    # Bought for a while, then lost (often to a competitor) and went silent.
    "ex": Profile(
        mix=0.10, start_days=(700, 1826), segments=(0.35, 0.45, 0.2), contacts=(2, 6),
        senior_share=0.1, exec_sponsor=0.15, deals_per_year=(2, 5), win_rate=0.85,
        orders_per_deal=(1, 2), wallet_share=(0.2, 0.6), competitor_rate=0.12,
        touches_per_month=(1.0, 2.5), inbound_share=0.4, meetings_per_quarter=0.8,
        qbr_rate=0.3, cases_per_year=2.0, resolve_days=5, surveys_per_year=0.7,
        nps=(6.2, 2.2), late_rate=0.15, hostage_rate=0.0,
    ),
}  # fmt: skip

# Signals that make a contracted account a hostage (each drawn independently).
HOSTAGE_SIGNALS: dict[str, float] = {
    "low_nps": 0.85,
    "escalations": 0.7,
    "long_open_case": 0.55,
    "late_deliveries": 0.6,
    "competitor_on_renewal": 0.55,
    "falling_engagement": 0.7,
}

# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Sandra", "Mark",
    "Ashley", "Paul", "Emily", "Steven", "Michelle", "Andrew", "Laura", "Kevin", "Amanda",
    "Sofia", "Lucas", "Emma", "Mateo", "Chloe", "Hugo", "Lea", "Jonas", "Anna", "Luca", "Giulia",
    "Pierre", "Camille", "Lars", "Ingrid", "Hiroshi", "Yuki", "Wei", "Mei", "Priya", "Arjun",
    "Fatima", "Omar", "Ana", "Joao", "Sven", "Aisha", "Noah", "Olivia", "Elena", "Marco",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee",
    "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright",
    "Scott", "Green", "Baker", "Adams", "Nelson", "Mueller", "Schmidt", "Schneider", "Fischer",
    "Dubois", "Laurent", "Bernard", "Rossi", "Bianchi", "Ferrari", "Jansen", "de Vries",
    "Johansson", "Nielsen", "Tanaka", "Suzuki", "Chen", "Wang", "Patel", "Sharma", "Khan",
    "Silva", "Santos", "Kowalski", "Novak", "O'Brien", "Murphy", "Lopez", "Fernandez",
)  # fmt: skip
COMPANY_WORDS = (
    "Northwind", "Bluewater", "Silverline", "Redwood", "Ironbridge", "Summit", "Evergreen",
    "Brightpath", "Cedar", "Harbor", "Granite", "Maple", "Falcon", "Orion", "Atlas", "Pioneer",
    "Keystone", "Crescent", "Lakeside", "Riverbend", "Sterling", "Vertex", "Horizon", "Beacon",
    "Copperfield", "Oakridge", "Westbrook", "Eastgate", "Highland", "Meadow", "Stonegate",
    "Sunrise", "Clearwater", "Ashford", "Blackstone", "Greenfield", "Kingsley", "Larkspur",
    "Norbridge", "Pinecrest", "Quarry", "Rosewood", "Saltmarsh", "Thornbury", "Valemont",
    "Willowby", "Zephyr", "Alder", "Bramble", "Corvus", "Driftwood", "Emberly", "Foxglove",
)  # fmt: skip
COMPANY_NOUNS = (
    "Logistics", "Foods", "Manufacturing", "Health", "Energy", "Systems", "Analytics",
    "Textiles", "Motors", "Pharma", "Retail", "Builders", "Labs", "Dynamics", "Networks",
    "Instruments", "Chemicals", "Farms", "Media", "Capital", "Engineering", "Robotics",
    "Packaging", "Plastics", "Metals", "Furniture", "Apparel", "Electronics", "Software",
    "Utilities", "Freight", "Hospitality",
)  # fmt: skip
COMPANY_SUFFIXES = ("Inc.", "Ltd", "GmbH", "SA", "LLC", "Group", "Corp.", "BV", "AG", "Co.")
CITIES = (
    ("New York", "United States"), ("Chicago", "United States"), ("Austin", "United States"),
    ("Seattle", "United States"), ("Boston", "United States"), ("Atlanta", "United States"),
    ("Denver", "United States"), ("Toronto", "Canada"), ("Montreal", "Canada"),
    ("London", "United Kingdom"), ("Manchester", "United Kingdom"), ("Paris", "France"),
    ("Lyon", "France"), ("Berlin", "Germany"), ("Munich", "Germany"), ("Hamburg", "Germany"),
    ("Amsterdam", "Netherlands"), ("Rotterdam", "Netherlands"), ("Madrid", "Spain"),
    ("Barcelona", "Spain"), ("Milan", "Italy"), ("Zurich", "Switzerland"),
    ("Stockholm", "Sweden"), ("Copenhagen", "Denmark"), ("Dublin", "Ireland"),
    ("Brussels", "Belgium"), ("Vienna", "Austria"), ("Warsaw", "Poland"), ("Lisbon", "Portugal"),
    ("Sydney", "Australia"), ("Singapore", "Singapore"), ("Tokyo", "Japan"),
    ("Sao Paulo", "Brazil"), ("Mexico City", "Mexico"),
)  # fmt: skip
INDUSTRIES = (
    "Agriculture", "Banking", "Chemicals", "Communications", "Construction", "Education",
    "Electronics", "Energy", "Engineering", "Finance", "Healthcare", "Insurance",
    "Manufacturing", "Media", "Retail", "Technology", "Transportation", "Utilities", "Other",
)  # fmt: skip

# Contact titles by seniority level, with their department. Seniority has to be
# parseable from the title, as in a real org, so the titles are the usual ones.
TITLES: dict[str, tuple[tuple[str, str], ...]] = {
    "exec": (
        ("Chief Executive Officer", "Executive"), ("Chief Financial Officer", "Finance"),
        ("Chief Operating Officer", "Operations"), ("Chief Technology Officer", "IT"),
        ("Chief Procurement Officer", "Procurement"), ("Chief Information Officer", "IT"),
        ("President", "Executive"), ("Managing Director", "Executive"), ("CFO", "Finance"),
        ("COO", "Operations"),
    ),
    "vp": (
        ("VP of Operations", "Operations"), ("VP of Finance", "Finance"),
        ("VP of Engineering", "Engineering"), ("VP of Supply Chain", "Operations"),
        ("Vice President, Procurement", "Procurement"), ("SVP Sales", "Sales"),
        ("VP IT", "IT"), ("Senior Vice President, Operations", "Operations"),
    ),
    "director": (
        ("Director of Procurement", "Procurement"), ("Director of IT", "IT"),
        ("Head of Supply Chain", "Operations"), ("Finance Director", "Finance"),
        ("Director, Engineering", "Engineering"), ("Head of Facilities", "Operations"),
        ("Plant Director", "Operations"),
    ),
    "manager": (
        ("Procurement Manager", "Procurement"), ("Operations Manager", "Operations"),
        ("IT Manager", "IT"), ("Purchasing Manager", "Procurement"),
        ("Project Manager", "Operations"), ("Facilities Manager", "Operations"),
        ("Category Manager", "Procurement"), ("Engineering Manager", "Engineering"),
        ("Finance Manager", "Finance"),
    ),
    "staff": (
        ("Analyst", "Finance"), ("Buyer", "Procurement"), ("Senior Buyer", "Procurement"),
        ("Procurement Specialist", "Procurement"), ("Engineer", "Engineering"),
        ("Operations Coordinator", "Operations"), ("System Administrator", "IT"),
        ("Accounts Payable Clerk", "Finance"), ("Data Analyst", "IT"), ("Technician", "Operations"),
    ),
}  # fmt: skip
JUNIOR_LEVELS = (("director", 0.25), ("manager", 0.4), ("staff", 0.35))

COMPETITORS = (
    "Vantage Supply", "Cobalt Systems", "Northstar Solutions", "Meridian Group",
    "Apex Industrial", "BlueRiver Partners", "Quantum Source", "Helix Corp", "Pinnacle Direct",
    "Trident Works",
)  # fmt: skip
COMPETITOR_STRENGTHS = (
    "Lower price", "Bundled discounts", "Faster delivery", "Local presence",
    "Broader catalogue", "Incumbent relationship",
)  # fmt: skip
COMPETITOR_WEAKNESSES = (
    "Weak support", "Long lead times", "Limited customisation", "Poor references",
    "Inflexible contract terms",
)  # fmt: skip

DEAL_LABELS: dict[str, tuple[str, ...]] = {
    "New Business": ("Initial order", "First project", "Pilot rollout", "Starter package"),
    "Existing Business": ("Reorder", "Replenishment", "Additional units", "Spare parts",
                          "Site extension", "Quarterly order"),
    "Upsell": ("Expansion", "Premium tier upgrade", "New site rollout", "Add-on services"),
    "Renewal": ("Contract renewal", "Annual renewal", "Renewal"),
    "promo": ("Spring promotion", "Year-end discount", "Bundle offer", "Clearance deal",
              "Promo pricing", "Volume discount"),
    "contract": ("Master supply agreement", "Framework agreement", "Multi-year contract",
                 "Preferred supplier agreement"),
}  # fmt: skip
OPEN_STAGES = (
    ("Prospecting", 10.0),
    ("Qualification", 20.0),
    ("Needs Analysis", 40.0),
    ("Proposal/Price Quote", 75.0),
    ("Negotiation/Review", 90.0),
)
STAGE_PROBABILITY = dict(OPEN_STAGES) | {"Closed Won": 100.0, "Closed Lost": 0.0}
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Event", "Other")

# Case type -> reasons that go with it.
CASE_KINDS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("Problem", ("Performance", "Breakdown", "Equipment Design", "Equipment Complexity"), 0.35),
    ("Question", ("Equipment Complexity", "Other"), 0.25),
    ("Installation", ("Installation",), 0.1),
    ("Billing", ("Billing Error",), 0.12),
    ("Feature Request", ("Feedback",), 0.1),
    ("Other", ("Other",), 0.08),
)
CASE_SUBJECTS = {
    "Performance": "System running slower than expected",
    "Breakdown": "Unit stopped working",
    "Equipment Design": "Design issue on delivered equipment",
    "Equipment Complexity": "Need help configuring equipment",
    "Other": "General question",
    "Installation": "Installation support needed",
    "Billing Error": "Invoice amount incorrect",
    "Feedback": "Suggestion for product improvement",
    "Late Delivery": "Order not delivered on time",
}

INBOUND_EMAIL_SUBJECTS = (
    "Question about our last order", "Re: Proposal", "Request for quote", "Invoice query",
    "Can we schedule a call?", "Re: Delivery schedule", "New requirement for next quarter",
    "Re: Checking in",
)  # fmt: skip
OUTBOUND_EMAIL_SUBJECTS = (
    "Following up", "Proposal attached", "Checking in", "New product line", "Your quote",
    "Meeting recap", "Pricing update", "Invitation: customer webinar",
)  # fmt: skip
OUTBOUND_CALLS = ("Call: check-in", "Call: follow-up on quote", "Call: reorder reminder", "Call")
INBOUND_CALLS = (
    "Inbound call: order question", "Inbound call: pricing request",
    "Inbound call: delivery status", "Inbound call",
)  # fmt: skip
EMAIL_TASKS = ("Email: follow-up", "Email: quote sent", "Email: product update", "Email: recap")
TODO_TASKS = ("Send pricing", "Prepare proposal", "Update account plan", "Send samples")
EVENT_SUBJECTS = {
    "Meeting": ("Account review", "Planning meeting", "Site visit", "Lunch meeting"),
    "Call": ("Catch-up call", "Status call"),
    "Demo": ("Product demo", "Solution walkthrough"),
    "Onboarding": ("Onboarding kickoff", "Implementation kickoff"),
    "Quarterly Business Review": ("Quarterly business review",),
    "Training": ("User training", "Admin training"),
    "Other": ("Trade show meeting", "Dinner"),
}
SURVEY_TOUCHPOINTS = (
    ("feedback", 0.3),
    ("product", 0.2),
    ("service", 0.2),
    ("delivery", 0.15),
    ("sales", 0.1),
    ("implementation", 0.05),
)
SURVEY_COMMENTS = {
    "promoter": (
        "Great partnership, very responsive team.", "Reliable as always.",
        "Our account manager knows our business.", "Quick support when we need it.",
    ),
    "passive": (
        "Fine overall, delivery could be faster.", "Good product, pricing is high.",
        "OK, nothing special.", "Support is slow at times.",
    ),
    "detractor": (
        "Deliveries keep slipping and support is slow.", "We are evaluating other vendors.",
        "Too many unresolved issues.", "Not the value we were promised.",
    ),
}  # fmt: skip


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


@dataclass
class GeneratedOrg:
    """Records of the synthetic org and the ground truth about its accounts."""

    records: dict[str, list[dict[str, Any]]]
    labels: list[dict[str, Any]]
    as_of: dt.datetime

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.records.items()}


def generate_org(
    accounts: int = 1000, seed: int = 42, as_of: dt.datetime | None = None
) -> GeneratedOrg:
    """Generate a deterministic org of ``accounts`` accounts with about five years of history.

    ``as_of`` is the reference "now" (default: today at 00:00 UTC); nothing
    is created after it. The same arguments always give the same records.
    """
    if accounts < 0:
        raise ValueError("accounts must be >= 0")
    as_of = _normalise_as_of(as_of)
    org = _OrgWriter(as_of)
    org_rng = random.Random(f"rapport-org/{seed}")
    team = _emit_users(org, org_rng, accounts)
    types = _type_mix(accounts, org_rng)
    names = _NameBook()
    labels = []
    # Millions of small dicts make the cyclic garbage collector rescan the heap
    # again and again (a 20k-account org took a third longer); records hold no
    # cycles, so it is paused while they are built.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for index, code in enumerate(types):
            rng = random.Random(f"rapport-account/{seed}/{index}")
            labels.append(_generate_account(org, rng, team, names, code))
    finally:
        if collecting:
            gc.enable()
    return GeneratedOrg(records=org.records, labels=labels, as_of=as_of)


LABEL_COLUMNS = (
    "account_id",
    "account_name",
    "relationship_type",
    "is_hostage",
    "hostage_signals",
    "segment",
    "relationship_start",
    "relationship_end",
    "share_of_wallet",
    "quirks",
)


def write_labels(labels: Sequence[dict[str, Any]], path: Path) -> None:
    """Write the ground truth to a CSV file (lists joined with ';', booleans as true/false)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=LABEL_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for label in labels:
            writer.writerow({key: _csv_value(label.get(key)) for key in LABEL_COLUMNS})


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(str(item) for item in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value


def _normalise_as_of(as_of: dt.datetime | None) -> dt.datetime:
    if as_of is None:
        today = dt.datetime.now(UTC).date()
        return dt.datetime(today.year, today.month, today.day, tzinfo=UTC)
    if as_of.tzinfo is None:
        return as_of.replace(tzinfo=UTC)
    return as_of.astimezone(UTC)


# --------------------------------------------------------------------------
# Record writer
# --------------------------------------------------------------------------


class _IdMaker:
    """``make_id`` for one object, with the 18-character checksum computed once.

    The checksum only depends on which characters are upper case, and the
    sequence digits never are, so every Id of an object shares its first five
    and last three characters. Building the Id from them is several times
    faster than ``make_id``; the constructor checks the shortcut against it.
    """

    def __init__(self, key_prefix: str) -> None:
        sample = make_id(key_prefix, 0)
        self._head, self._tail = sample[:5], sample[15:]
        for probe in (1, 987_654_321):
            if self(probe) != make_id(key_prefix, probe):
                raise RuntimeError(f"Id shortcut disagrees with make_id for {key_prefix}")

    def __call__(self, sequence: int) -> str:
        return f"{self._head}{sequence:010d}{self._tail}"


class _OrgWriter:
    """Collects records, hands out sequential Ids and converts 'days ago' to timestamps."""

    def __init__(self, as_of: dt.datetime) -> None:
        self.as_of = as_of
        specs = standard_objects(include_rapport_fields=False)
        self.records: dict[str, list[dict[str, Any]]] = {name: [] for name in OBJECTS}
        self._ids = {name: _IdMaker(specs[name].key_prefix) for name in OBJECTS}
        self._sequence = dict.fromkeys(OBJECTS, 0)
        # Every record carries every (non-compound) column, None when unknown.
        self._templates = {
            name: {f.name: None for f in specs[name].fields.values() if not f.is_compound}
            for name in OBJECTS
        }

    def next_number(self, obj: str) -> int:
        return self._sequence[obj] + 1

    def add(
        self, obj: str, created: float, modified: float, values: dict[str, Any]
    ) -> dict[str, Any]:
        """Append a record created ``created`` days before as_of and return it."""
        created = max(created, 0.0)
        modified = min(max(modified, 0.0), created)
        self._sequence[obj] += 1
        record_id = self._ids[obj](self._sequence[obj])
        record = self._templates[obj].copy()
        record.update(values)
        record["Id"] = record_id
        record["CreatedDate"] = stamp = self.at(created)
        if modified != created:
            stamp = self.at(modified)
        record["LastModifiedDate"] = stamp
        record["SystemModstamp"] = stamp
        if "IsDeleted" in record:
            record["IsDeleted"] = False
        self.records[obj].append(record)
        return record

    def at(self, ago: float) -> dt.datetime:
        # Whole seconds before as_of (Salesforce stores seconds), so never after it.
        return self.as_of - dt.timedelta(seconds=math.ceil(ago * 86400.0))

    def date(self, ago: float) -> dt.date:
        return self.at(ago).date()

    def at_hour(self, ago: float, hour: int, minute: int) -> dt.datetime:
        day = self.date(ago)
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


# --------------------------------------------------------------------------
# Story plans
# --------------------------------------------------------------------------


@dataclass
class _Contact:
    id: str
    arrival: float
    level: str  # exec, vp, director, manager or staff
    email: str | None


@dataclass
class _Deal:
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
class _ContractPlan:
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
class _Phase:
    """A stretch of the story with its own touch intensity and direction."""

    begin: float  # days ago (older bound)
    end: float  # days ago (newer bound)
    intensity: float  # multiplier of the account's touch rate
    inbound: float  # share of touches initiated by the customer


@dataclass
class _Story:
    code: str
    profile: Profile
    hostage: bool
    start: float  # first touch
    end: float  # when the relationship went silent (0 = ongoing)
    annual_spend: float
    wallet: float
    touch_rate: float
    phases: list[_Phase] = field(default_factory=list)
    deals: list[_Deal] = field(default_factory=list)
    contracts: list[_ContractPlan] = field(default_factory=list)
    committed_since: float | None = None  # QBR era
    service_window: tuple[float, float] = (0.0, 0.0)  # cases and surveys happen here
    rivals: list[str] = field(default_factory=list)
    quirks: list[str] = field(default_factory=list)
    signals: set[str] = field(default_factory=set)
    bad_quarter: float | None = None  # days ago of a rough patch in a good relationship
    decline_since: float | None = None  # falling engagement starts here

    def quirk(self, name: str) -> None:
        self.quirks.append(name)


def _poisson(rng: random.Random, lam: float) -> int:
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


def _weighted(rng: random.Random, options: Sequence[tuple[Any, float]]) -> Any:
    total = sum(weight for _, weight in options)
    point = rng.random() * total
    for value, weight in options:
        point -= weight
        if point < 0:
            return value
    return options[-1][0]


def _pick(rng: random.Random, options: Sequence[Any]) -> Any:
    """Uniform choice; ``random.choice`` costs twice as much and this runs a million times."""
    return options[int(rng.random() * len(options))]


def _money(value: float) -> float:
    return float(round(value / 10.0) * 10)


def _deal_closes(
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


def _closed_deal(
    rng: random.Random,
    story: _Story,
    close: float,
    kind: str,
    value: float,
    won: bool,
    *,
    label_pool: str | None = None,
    competitor_rate: float | None = None,
) -> _Deal:
    """A closed deal; competitors and a loss reason are drawn from the story."""
    cycle = rng.uniform(14, 75) * (1.5 if value > 200_000 else 1.0)
    deal = _Deal(
        close=close,
        created=min(close + cycle, story.start),
        stage="Closed Won" if won else "Closed Lost",
        kind=kind,
        label=_pick(rng, DEAL_LABELS[label_pool or kind]),
        value=value,
    )
    rate = story.profile.competitor_rate if competitor_rate is None else competitor_rate
    if rng.random() < rate:
        deal.competitors = _pick_rivals(rng, story)
    if not won:
        deal.loss_reason = _loss_reason(rng, bool(deal.competitors))
        if deal.loss_reason == "Competitor" and not deal.competitors:
            deal.competitors = _pick_rivals(rng, story)
    return deal


def _open_deal(
    rng: random.Random,
    story: _Story,
    kind: str,
    value: float,
    stages: Sequence[str] = ("Prospecting", "Qualification", "Needs Analysis"),
    label_pool: str | None = None,
) -> _Deal:
    """An open deal closing in the coming months (a few are stale: close date passed)."""
    stage = _pick(rng, stages)
    created = min(story.start, 150.0) * rng.uniform(0.2, 1.0)
    stale = rng.random() < 0.12
    close = rng.uniform(0, created) if stale else -rng.uniform(5, 120)
    return _Deal(
        close=close,
        created=created,
        stage=stage,
        kind=kind,
        label=_pick(rng, DEAL_LABELS[label_pool or kind]),
        value=value,
    )


def _pick_rivals(rng: random.Random, story: _Story) -> list[str]:
    if not story.rivals:
        story.rivals = rng.sample(COMPETITORS, 3)
    return rng.sample(story.rivals, 1 if rng.random() < 0.75 else 2)


def _loss_reason(rng: random.Random, competitor_seen: bool) -> str | None:
    if competitor_seen and rng.random() < 0.6:
        return "Competitor"
    return _weighted(
        rng,
        (
            ("Price", 0.3),
            ("No Decision", 0.2),
            ("Timing", 0.15),
            ("Product Fit", 0.1),
            (None, 0.25),
        ),
    )


def _repeat_deals(
    rng: random.Random,
    story: _Story,
    oldest: float,
    newest: float,
    per_year: float,
    value_share: float = 1.0,
) -> list[_Deal]:
    """The recurring purchases of a customer: the first is new business, then reorders/upsells."""
    profile = story.profile
    mean_value = story.annual_spend * value_share / per_year
    deals = []
    for close in _deal_closes(rng, oldest, newest, per_year, regular=True):
        kind = "New Business" if not story.deals and not deals else _repeat_kind(rng)
        won = rng.random() < profile.win_rate
        value = _money(mean_value * rng.lognormvariate(0, 0.35))
        deals.append(_closed_deal(rng, story, close, kind, value, won))
    return deals


def _repeat_kind(rng: random.Random) -> str:
    return "Upsell" if rng.random() < 0.3 else "Existing Business"


def _contract_chain(
    rng: random.Random, first_start: float, stop: float, lapsed: bool = False
) -> list[_ContractPlan]:
    """Back-to-back contracts from ``first_start`` until one covers ``stop`` (days ago).

    Earlier contracts are Expired; the last one is Activated, or Expired if the
    paperwork lapsed (``lapsed``) or the relationship ended before as_of.
    """
    chain: list[_ContractPlan] = []
    start = first_start
    while True:
        term = _weighted(rng, ((12, 0.45), (24, 0.35), (36, 0.2)))
        plan = _ContractPlan(
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


def _new_story(rng: random.Random, code: str, wallet: float) -> _Story:
    profile = PROFILES[code]
    start = rng.uniform(*profile.start_days)
    share = rng.uniform(*profile.wallet_share)
    return _Story(
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


def _story_prospect(rng: random.Random, story: _Story) -> None:
    """Touches for a few weeks or months, then either still in play or gone cold."""
    active_until = max(story.start - rng.uniform(30, 240), 0.0)
    story.phases = [_Phase(story.start, active_until, 1.0, story.profile.inbound_share)]
    story.service_window = (story.start, active_until)
    n_deals = _weighted(rng, ((0, 0.3), (1, 0.45), (2, 0.18), (3, 0.07)))
    for _ in range(n_deals):
        value = _money(story.wallet * rng.uniform(0.1, 0.4))
        created = rng.uniform(active_until, story.start)
        if active_until < 30 and created < 200:
            stages = [name for name, _ in OPEN_STAGES]
            deal = _open_deal(rng, story, "New Business", value, stages)
        else:
            close = max(created - rng.uniform(20, 90), active_until, 1.0)
            deal = _closed_deal(rng, story, close, "New Business", value, won=False)
            deal.created = created
        story.deals.append(deal)
    if rng.random() < 0.04:
        # A free pilot booked as won with no money: not a purchase, but it looks like one.
        pilot = _closed_deal(rng, story, max(active_until, 2.0), "New Business", 0.0, won=True)
        pilot.label = "Free pilot"
        story.deals.append(pilot)
        story.quirk("free_pilot")


def _story_one_night_stand(rng: random.Random, story: _Story) -> None:
    """One purchase and onboarding, then follow-ups that nobody answers."""
    purchase = max(story.start - rng.uniform(20, 120), 45.0)
    value = _money(story.wallet * rng.uniform(0.05, 0.4))
    deal = _closed_deal(rng, story, purchase, "New Business", value, won=True)
    deal.orders = 2 if rng.random() < 0.12 else 1
    story.deals.append(deal)
    if rng.random() < 0.1:
        add_on = max(purchase - rng.uniform(15, 60), 5.0)
        small = _money(value * rng.uniform(0.05, 0.25))
        extra = _closed_deal(rng, story, add_on, "Existing Business", small, won=True)
        extra.orders = 1
        story.deals.append(extra)
        story.quirk("add_on_purchase")
    if rng.random() < 0.35:
        # The seller tries for a repeat that never happens.
        follow = max(purchase - rng.uniform(60, 300), 3.0)
        story.deals.append(
            _closed_deal(rng, story, follow, "Existing Business", _money(value * 0.6), won=False)
        )
    story.phases = [
        _Phase(story.start, purchase - 45, 1.0, story.profile.inbound_share),
        _Phase(purchase - 45, purchase - 240, 0.25, 0.05),
        _Phase(purchase - 240, 0.0, 0.03, 0.0),
    ]
    story.service_window = (purchase, max(purchase - 240, 0.0))


def _story_dating(rng: random.Random, story: _Story) -> None:
    """Sporadic purchases won on price against competitors."""
    if rng.random() < 0.15:
        story.quirk("no_competitor")
        profile_rate = 0.0
    else:
        profile_rate = story.profile.competitor_rate
    per_year = rng.uniform(*story.profile.deals_per_year)
    newest = rng.uniform(15, 300)
    closes = _deal_closes(rng, story.start - 30, newest, per_year, regular=False)
    mean_value = story.annual_spend / per_year
    for close in closes:
        won = rng.random() < story.profile.win_rate
        kind = "New Business" if not story.deals else "Existing Business"
        pool = "promo" if kind != "New Business" and rng.random() < 0.55 else None
        value = _money(mean_value * rng.lognormvariate(0, 0.4))
        story.deals.append(
            _closed_deal(
                rng, story, close, kind, value, won, label_pool=pool, competitor_rate=profile_rate
            )
        )
    wanted_wins = 1 if rng.random() < 0.08 else 2
    if wanted_wins == 1:
        story.quirk("single_purchase")
    _ensure_wins(story, wanted_wins, exact=wanted_wins == 1)
    if rng.random() < 0.35:
        deal = _open_deal(rng, story, "Existing Business", _money(mean_value), label_pool="promo")
        if rng.random() < profile_rate:
            deal.competitors = _pick_rivals(rng, story)
        story.deals.append(deal)
    story.phases = [_Phase(story.start, 0.0, 1.0, story.profile.inbound_share)]


def _ensure_wins(story: _Story, wanted: int, exact: bool = False) -> None:
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


def _story_steady(rng: random.Random, story: _Story) -> None:
    """Regular reorders, growing contact base, more and more two-way communication."""
    per_year = rng.uniform(*story.profile.deals_per_year)
    newest = rng.uniform(0, 365 / per_year)
    story.deals = _repeat_deals(rng, story, story.start - 20, newest, per_year)
    if rng.random() < 0.12 and len(story.deals) > 1:
        _pick(rng, story.deals[1:]).competitors = _pick_rivals(rng, story)
        story.quirk("competitor_quote")
    if rng.random() < 0.5:
        story.deals.append(
            _open_deal(rng, story, _repeat_kind(rng), _money(story.annual_spend / 4))
        )
    if rng.random() < 0.06:
        story.deals.append(
            _open_deal(
                rng, story, "Existing Business", _money(story.annual_spend), label_pool="contract"
            )
        )
        story.quirk("early_contract_talk")
    middle = story.start / 2
    story.phases = [
        _Phase(story.start, middle, 0.6, 0.4),
        _Phase(middle, 0.0, 1.2, story.profile.inbound_share),
    ]
    story.committed_since = middle


def _story_engaged(rng: random.Random, story: _Story) -> None:
    """A steady history, and now a contract in draft or approval with a late-stage deal."""
    per_year = rng.uniform(*story.profile.deals_per_year)
    newest = rng.uniform(0, 365 / per_year)
    story.deals = _repeat_deals(rng, story, story.start - 20, newest, per_year)
    term = _weighted(rng, ((12, 0.3), (24, 0.4), (36, 0.3)))
    draw = rng.random()
    if draw >= 0.1:
        created = rng.uniform(3, 90)
        start = -rng.uniform(5, 60) if rng.random() < 0.8 else None
        status = "Draft" if rng.random() < 0.55 else "In Approval Process"
        story.contracts.append(
            _ContractPlan(start, term, status, created, created - rng.uniform(0, 3))
        )
    else:
        story.quirk("no_draft_contract")
    if draw < 0.1 or draw >= 0.2:
        kind = "Renewal" if rng.random() < 0.3 else "Existing Business"
        value = _money(story.annual_spend * term / 12 * 0.6)
        stages = ("Proposal/Price Quote", "Negotiation/Review")
        deal = _open_deal(rng, story, kind, value, stages, label_pool="contract")
        if "competitor_on_renewal" in story.signals:
            deal.competitors = _pick_rivals(rng, story)
        story.deals.append(deal)
    else:
        story.quirk("no_contract_opportunity")
    if story.hostage:
        # Already bound by a first, short contract while the big one is negotiated.
        start = rng.uniform(60, 330)
        story.contracts.insert(0, _ContractPlan(start, 12, "Activated", start + 20, start - 2))
    middle = story.start / 2
    recent, recent_inbound = 1.5, story.profile.inbound_share
    if "falling_engagement" in story.signals:
        story.decline_since = 90.0
        recent, recent_inbound = 0.5, 0.2
    story.phases = [
        _Phase(story.start, middle, 0.7, 0.45),
        _Phase(middle, 90, 1.0, story.profile.inbound_share),
        _Phase(90, 0.0, recent, recent_inbound),
    ]
    story.committed_since = middle


def _story_married(rng: random.Random, story: _Story) -> None:
    """Dating then steady, then contracts renewed back to back, QBRs and priority service."""
    profile = story.profile
    contract_start = story.start - rng.uniform(180, 540)
    lapsed = not story.hostage and rng.random() < 0.05
    story.contracts = _contract_chain(rng, contract_start, 0.0, lapsed=lapsed)
    if story.contracts[-1].status == "Expired":
        story.quirk("contract_lapsed_in_renewal")
    if rng.random() < 0.15:
        story.quirk("no_qbr")
    per_year = rng.uniform(*profile.deals_per_year)
    newest = rng.uniform(0, 365 / per_year)
    story.deals = _repeat_deals(rng, story, story.start - 20, newest, per_year, value_share=0.5)
    for deal in story.deals:
        deal.orders = rng.randint(*profile.orders_per_deal)
    _add_renewals(rng, story)
    current = story.contracts[-1]
    renewal_due = (current.end or 0) > -150
    hostage_rivals = "competitor_on_renewal" in story.signals
    if renewal_due or hostage_rivals:
        term_value = _money(story.annual_spend * 0.5 * current.term_months / 12)
        stages = ("Negotiation/Review", "Proposal/Price Quote") if renewal_due else (
            "Qualification", "Needs Analysis", "Proposal/Price Quote")  # fmt: skip
        renewal = _open_deal(rng, story, "Renewal", term_value, stages)
        if (current.end or 0) < 0:
            renewal.close = current.end or renewal.close
        if hostage_rivals or rng.random() < 0.08:
            renewal.competitors = _pick_rivals(rng, story)
            if not hostage_rivals:
                story.quirk("competitor_on_renewal")
        story.deals.append(renewal)
    if renewal_due and rng.random() < 0.4:
        # Renewal paperwork is prepared in Salesforce before the current term ends.
        start = min((current.end or 0) - 1, -rng.uniform(1, 30))
        created = rng.uniform(3, 60)
        status = _pick(rng, ("Draft", "In Approval Process"))
        story.contracts.append(
            _ContractPlan(start, current.term_months, status, created, created - 1)
        )
    if not story.hostage and rng.random() < 0.04:
        # The contract lives in a CLM tool, not in Salesforce: only the renewal deals show it.
        story.contracts = []
        story.quirk("contract_not_in_crm")
    story.committed_since = contract_start
    _committed_phases(rng, story)


def _add_renewals(rng: random.Random, story: _Story) -> None:
    """A won renewal deal for every contract after the first (and one for the first)."""
    for index, contract in enumerate(story.contracts):
        if contract.start is None or contract.start < 0:
            continue
        kind = "Renewal" if index else "Existing Business"
        pool = None if index else "contract"
        value = _money(story.annual_spend * 0.5 * contract.term_months / 12)
        close = contract.start + rng.uniform(5, 45)
        deal = _closed_deal(
            rng, story, close, kind, value, True, label_pool=pool, competitor_rate=0
        )
        deal.orders = 1
        story.deals.append(deal)


def _committed_phases(rng: random.Random, story: _Story) -> None:
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
            _Phase(story.start, decline, 1.0, inbound),
            _Phase(decline, 0.0, 0.35, 0.2),
        ]
    else:
        story.phases = [_Phase(story.start, 0.0, 1.0, inbound)]


def _story_partner(rng: random.Random, story: _Story) -> None:
    """Frequent repeat business and deep ties without any contract."""
    profile = story.profile
    per_year = rng.uniform(*profile.deals_per_year)
    newest = rng.uniform(0, 365 / per_year)
    story.deals = _repeat_deals(rng, story, story.start - 20, newest, per_year)
    for deal in story.deals:
        deal.orders = rng.randint(*profile.orders_per_deal)
    if rng.random() < 0.6:
        story.deals.append(
            _open_deal(rng, story, _repeat_kind(rng), _money(story.annual_spend / 6))
        )
    if rng.random() < 0.08 and len(story.deals) > 2:
        _pick(rng, story.deals[1:]).competitors = _pick_rivals(rng, story)
        story.quirk("competitor_quote")
    draw = rng.random()
    if draw < 0.18:
        # A contract tried years ago and never renewed: the relationship outgrew it.
        start = story.start - rng.uniform(60, 200)
        plan = _ContractPlan(start, _pick(rng, (12, 24)), "Expired", start + 20, 0.0)
        end = plan.end or 0.0
        if draw < 0.03:
            plan.status, plan.modified = "Terminated", rng.uniform(end, start)
        else:
            plan.modified = end - 1
        if end > 365:
            story.contracts.append(plan)
            story.quirk("old_contract")
    story.committed_since = story.start - 365
    story.phases = [_Phase(story.start, 0.0, 1.0, profile.inbound_share)]


def _story_ex(rng: random.Random, story: _Story) -> None:
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
    story.deals = _repeat_deals(rng, story, story.start - 20, newest, per_year)
    if not any(d.won for d in story.deals):
        _ensure_wins(story, 1)
    if rng.random() < 0.45 and story.start - ended > 450:
        first = story.start - rng.uniform(60, 300)
        story.contracts = _contract_chain(rng, first, ended)
        last = story.contracts[-1]
        if (last.end or 0) <= 0 or rng.random() < 0.3:
            last.status = "Terminated"
        else:
            last.status = "Expired"
        last.modified = max(ended - rng.uniform(0, 30), max(last.end or 0, 0))
    for _ in range(_pick(rng, (1, 1, 2))):
        close = ended + rng.uniform(0, 45)
        kind = "Renewal" if story.contracts else "Existing Business"
        value = _money(story.annual_spend / per_year)
        story.deals.append(
            _closed_deal(rng, story, close, kind, value, won=False, competitor_rate=0.55)
        )
    phases = [
        _Phase(story.start, ended + 180, 1.0, profile.inbound_share),
        _Phase(ended + 180, ended, 0.6, 0.25),
    ]
    if rng.random() < 0.35:
        phases.append(_Phase(ended, 0.0, 0.1, 0.0))
        story.quirk("win_back_attempts")
        if rng.random() < 0.3:
            close = rng.uniform(5, ended - 30)
            value = _money(story.annual_spend / per_year)
            story.deals.append(_closed_deal(rng, story, close, "Existing Business", value, False))
    story.phases = phases
    story.service_window = (story.start, ended)
    story.committed_since = story.start - 365 if story.contracts else None


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


def _plan_story(rng: random.Random, code: str, wallet: float) -> _Story:
    story = _new_story(rng, code, wallet)
    if story.hostage:
        story.signals = _hostage_signals(rng)
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
        signals.add(_pick(rng, tuple(HOSTAGE_SIGNALS)))
    return signals


# --------------------------------------------------------------------------
# Org-level emitters
# --------------------------------------------------------------------------


@dataclass
class _Team:
    sales: list[str]
    success: list[str]
    support: list[str]


def _emit_users(org: _OrgWriter, rng: random.Random, accounts: int) -> _Team:
    """A sales team of 10-30 people: account executives, success managers, support."""
    size = min(30, max(10, 8 + accounts // 50))
    roles = ["Sales Director", "VP of Sales"]
    roles += ["Account Executive"] * round(size * 0.5)
    roles += ["Customer Success Manager"] * round(size * 0.2)
    roles += ["Support Engineer"] * (size - len(roles))
    team = _Team(sales=[], success=[], support=[])
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
        first, last = _pick(rng, FIRST_NAMES), _pick(rng, LAST_NAMES)
        if f"{first} {last}" not in used:
            used.add(f"{first} {last}")
            return first, last


def _type_mix(accounts: int, rng: random.Random) -> list[str]:
    """Exact proportions (largest remainder), shuffled, so small orgs still get every type."""
    quotas = {code: accounts * PROFILES[code].mix for code in TYPE_CODES}
    counts = {code: math.floor(quota) for code, quota in quotas.items()}
    by_remainder = sorted(TYPE_CODES, key=lambda code: counts[code] - quotas[code])
    for code in by_remainder[: accounts - sum(counts.values())]:
        counts[code] += 1
    types = [code for code in TYPE_CODES for _ in range(counts[code])]
    rng.shuffle(types)
    return types


class _NameBook:
    """Unique company names: word + noun + legal suffix, then a city if taken."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def company(self, rng: random.Random, city: str | None) -> tuple[str, str]:
        short = f"{_pick(rng, COMPANY_WORDS)} {_pick(rng, COMPANY_NOUNS)}"
        name = f"{short} {_pick(rng, COMPANY_SUFFIXES)}"
        if name in self._used:
            name = f"{name} ({city or 'International'})"
        serial = 2
        base = name
        while name in self._used:
            name = f"{base} {serial}"
            serial += 1
        self._used.add(name)
        return name, short


# --------------------------------------------------------------------------
# Account-level emitters
# --------------------------------------------------------------------------


@dataclass
class _Account:
    id: str
    name: str
    short: str
    domain: str
    owner_id: str
    success_id: str
    support_id: str
    created: float
    contacts: list[_Contact] = field(default_factory=list)
    arrival_keys: list[float] = field(default_factory=list)  # -arrival, ascending

    def contact_at(self, rng: random.Random, ago: float) -> _Contact | None:
        """A contact the account already had ``ago`` days before as_of."""
        known = bisect_right(self.arrival_keys, -ago)
        if known == 0:
            return self.contacts[0] if self.contacts else None
        return self.contacts[rng.randrange(known)]

    def senior_at(self, rng: random.Random, ago: float) -> _Contact | None:
        known = self.contacts[: max(bisect_right(self.arrival_keys, -ago), 1)]
        senior = [c for c in known if c.level in ("exec", "vp", "director")]
        return _pick(rng, senior) if senior else (_pick(rng, known) if known else None)


SEGMENTS = (
    # name, median yearly spend of such a customer in our category (its wallet)
    ("SMB", 60_000.0),
    ("Mid-Market", 450_000.0),
    ("Enterprise", 3_500_000.0),
)


def _generate_account(
    org: _OrgWriter, rng: random.Random, team: _Team, names: _NameBook, code: str
) -> dict[str, Any]:
    """Plan one account's story and write all its records; return its label."""
    profile = PROFILES[code]
    segment, wallet_median = _weighted(rng, tuple(zip(SEGMENTS, profile.segments, strict=True)))
    wallet = wallet_median * rng.lognormvariate(0, 0.5)
    story = _plan_story(rng, code, wallet)
    account = _emit_account(org, rng, team, names, story, segment)
    _emit_contacts(org, rng, account, story)
    _emit_contracts(org, rng, account, story)
    _emit_deals(org, rng, account, story)
    _emit_orders(org, rng, account, story)
    _emit_cases(org, rng, account, story)
    _emit_touches(org, rng, account, story)
    _emit_events(org, rng, account, story)
    _emit_surveys(org, rng, account, story)
    won_last_year = sum(d.value for d in story.deals if d.won and 0 <= d.close <= 365)
    return {
        "account_id": account.id,
        "account_name": account.name,
        "relationship_type": code,
        "is_hostage": story.hostage,
        "hostage_signals": sorted(story.signals),
        "segment": segment,
        "relationship_start": org.date(story.start),
        "relationship_end": org.date(story.end) if story.end else None,
        "share_of_wallet": round(won_last_year / wallet, 3) if wallet else None,
        "quirks": list(story.quirks),
    }


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
    return _weighted(rng, options)


def _emit_account(
    org: _OrgWriter, rng: random.Random, team: _Team, names: _NameBook, story: _Story, segment: str
) -> _Account:
    city, country = _pick(rng, CITIES)
    name, short = names.company(rng, city)
    revenue = story.wallet / rng.uniform(0.005, 0.03)
    estimate = None
    if rng.random() > (0.2 if story.code == "prospect" else 0.12):
        estimate = float(round(story.wallet * rng.lognormvariate(0, 0.25), -3)) or 1000.0
    else:
        story.quirk("no_wallet_estimate")
    owner = _pick(rng, team.sales)
    created = story.start + rng.uniform(0, 20)
    account_id = org.add(
        "Account",
        created,
        rng.uniform(0, min(created, 120)),
        {
            "Name": name,
            "Type": _account_type(rng, story.code),
            "Industry": _pick(rng, INDUSTRIES) if rng.random() > 0.05 else None,
            "AnnualRevenue": float(round(revenue, -3)) if rng.random() > 0.1 else None,
            "NumberOfEmployees": max(3, round(revenue / rng.uniform(120_000, 400_000))),
            "BillingCity": city if rng.random() > 0.04 else None,
            "BillingCountry": country,
            "OwnerId": owner,
            "Estimated_Annual_Wallet__c": estimate,
        },
    )["Id"]
    domain = "".join(ch for ch in short.lower() if ch.isalnum())[:30] + ".example"
    return _Account(
        id=account_id,
        name=name,
        short=short,
        domain=domain,
        owner_id=owner,
        success_id=_pick(rng, team.success),
        support_id=_pick(rng, team.support),
        created=created,
    )


def _contact_arrivals(rng: random.Random, story: _Story, count: int) -> list[float]:
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


def _emit_contacts(org: _OrgWriter, rng: random.Random, account: _Account, story: _Story) -> None:
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
        title, department = _pick(rng, TITLES[level])
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
                "LeadSource": _pick(rng, LEAD_SOURCES) if rng.random() < 0.6 else None,
                "OwnerId": account.owner_id,
            },
        )["Id"]
        account.contacts.append(_Contact(contact_id, arrival, level, email))
        account.arrival_keys.append(-arrival)


def _contact_level(rng: random.Random, senior_share: float) -> str:
    if rng.random() < senior_share:
        return "exec" if rng.random() < 0.4 else "vp"
    return _weighted(rng, JUNIOR_LEVELS)


def _emit_contracts(org: _OrgWriter, rng: random.Random, account: _Account, story: _Story) -> None:
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


def _emit_deals(org: _OrgWriter, rng: random.Random, account: _Account, story: _Story) -> None:
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
                "LeadSource": _pick(rng, LEAD_SOURCES) if deal.kind == "New Business" else None,
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
                    "Strengths": _pick(rng, COMPETITOR_STRENGTHS) if rng.random() < 0.7 else None,
                    "Weaknesses": _pick(rng, COMPETITOR_WEAKNESSES) if rng.random() < 0.6 else None,
                },
            )


def _emit_contact_roles(
    org: _OrgWriter, rng: random.Random, account: _Account, deal: _Deal
) -> None:
    if not account.contacts or rng.random() < 0.15:
        return  # contact roles are often left empty
    known = max(bisect_right(account.arrival_keys, -deal.created), 1)
    wanted = 1 if rng.random() < 0.55 else rng.randint(2, 3)
    people = rng.sample(account.contacts[:known], min(known, wanted))
    for index, contact in enumerate(people):
        if contact.level in ("exec", "vp"):
            role = _pick(rng, ("Decision Maker", "Economic Buyer", "Executive Sponsor"))
        else:
            role = _pick(rng, ("Evaluator", "Technical Buyer", "Business User", "Influencer", None))
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


def _late_rate(story: _Story, ago: float) -> float:
    if "late_deliveries" in story.signals and ago < 365:
        return 0.45
    if story.bad_quarter is not None and abs(ago - story.bad_quarter) < 45:
        return 0.5
    return story.profile.late_rate


def _emit_orders(org: _OrgWriter, rng: random.Random, account: _Account, story: _Story) -> None:
    """Orders of won deals, split into deliveries; some arrive late and trigger a case."""
    for deal in story.deals:
        if not deal.won or deal.orders == 0:
            continue
        weights = [rng.uniform(0.6, 1.4) for _ in range(deal.orders)]
        total = sum(weights)
        effective = deal.close - rng.uniform(0, 10)
        for weight in weights:
            if effective < -20:
                break
            _emit_order(org, rng, account, story, effective, _money(deal.value * weight / total))
            effective -= rng.uniform(20, 45)


def _emit_order(
    org: _OrgWriter,
    rng: random.Random,
    account: _Account,
    story: _Story,
    effective: float,
    amount: float,
) -> None:
    lead = rng.randint(7, 35)
    promised = effective - lead
    late = rng.random() < _late_rate(story, effective)
    delivered: float | None = (
        promised - rng.randint(3, 40) if late else promised + rng.randint(0, 4)
    )
    if delivered is not None and (delivered < 0 or effective < 0 or rng.random() < 0.02):
        delivered = None  # still in transit, or never confirmed in the CRM
    contract_id = _contract_covering(story, effective)
    created = effective + rng.uniform(0, 5)
    org.add(
        "Order",
        created,
        delivered if delivered is not None else created - rng.uniform(0, 2),
        {
            "AccountId": account.id,
            "ContractId": contract_id,
            "OrderNumber": f"{org.next_number('Order'):08d}",
            "Status": "Activated" if effective >= 0 else "Draft",
            "EffectiveDate": org.date(effective),
            "TotalAmount": amount,
            "Promised_Delivery_Date__c": org.date(promised),
            "Delivered_Date__c": org.date(delivered) if delivered is not None else None,
            "OwnerId": account.owner_id,
        },
    )
    complaint = 0.5 if story.hostage else 0.2
    if late and rng.random() < complaint and promised > 2:
        escalated = story.hostage and rng.random() < 0.4
        reported = promised - rng.uniform(1, 5)
        kind = ("Delivery", "Late Delivery")
        _emit_case(org, rng, account, story, reported, kind=kind, escalated=escalated)


def _contract_covering(story: _Story, ago: float) -> str | None:
    for plan in story.contracts:
        if plan.start is None or plan.status in ("Draft", "In Approval Process"):
            continue
        if plan.start >= ago >= (plan.end or 0):
            return plan.id
    return None


def _emit_cases(org: _OrgWriter, rng: random.Random, account: _Account, story: _Story) -> None:
    """Support cases over the service window, plus the hostage and bad-quarter trouble."""
    begin, end = story.service_window
    years = max(begin - end, 0) / 365.0
    for _ in range(_poisson(rng, story.profile.cases_per_year * years)):
        _emit_case(org, rng, account, story, rng.uniform(end, begin), escalated=rng.random() < 0.04)
    if "escalations" in story.signals:
        for _ in range(rng.randint(1, 3)):
            _emit_case(org, rng, account, story, rng.uniform(5, 365), escalated=True, slow=True)
    if "long_open_case" in story.signals:
        for _ in range(rng.randint(1, 2)):
            ago = rng.uniform(45, 200)
            _emit_case(org, rng, account, story, ago, escalated=rng.random() < 0.5, resolve=ago + 1)
    if story.bad_quarter is not None:
        _emit_case(org, rng, account, story, story.bad_quarter, escalated=True, slow=True)
    if story.code == "ex" and rng.random() < 0.08:
        story.quirk("case_after_end")
        kind = ("Billing", "Billing Error")
        _emit_case(org, rng, account, story, rng.uniform(1, story.end), kind=kind, escalated=False)


def _emit_case(
    org: _OrgWriter,
    rng: random.Random,
    account: _Account,
    story: _Story,
    created: float,
    *,
    kind: tuple[str, str] | None = None,
    escalated: bool,
    slow: bool = False,
    resolve: float | None = None,
) -> None:
    """One case; Status, IsClosed, IsEscalated and ClosedDate always agree."""
    created = max(created, 0.01)
    if kind is None:
        case_type, reasons, _ = _weighted(rng, tuple((k, k[2]) for k in CASE_KINDS))
        kind = (case_type, _pick(rng, reasons))
    if resolve is None:
        mean = story.profile.resolve_days * (10 if slow else 3 if escalated else 1)
        resolve = rng.expovariate(1.0 / mean) + 0.05
    priority = _case_priority(rng, story, escalated)
    closed_at = created - resolve if resolve < created else None
    if closed_at is not None:
        status = "Closed"
    elif escalated:
        status = "Escalated"
    else:
        status = "New" if created < 1.5 else "Working"
    contact = account.contact_at(rng, created) if rng.random() > 0.1 else None
    case_id = org.add(
        "Case",
        created,
        closed_at if closed_at is not None else rng.uniform(0, created),
        {
            "AccountId": account.id,
            "ContactId": contact.id if contact else None,
            "CaseNumber": f"{org.next_number('Case'):08d}",
            "Subject": CASE_SUBJECTS[kind[1]],
            "Type": kind[0],
            "Reason": kind[1],
            "Origin": _weighted(rng, (("Phone", 0.3), ("Email", 0.4), ("Web", 0.2), ("Chat", 0.1))),
            "Priority": priority,
            "Status": status,
            "IsClosed": closed_at is not None,
            "IsEscalated": escalated,
            "ClosedDate": org.at(closed_at) if closed_at is not None else None,
            "OwnerId": account.support_id,
        },
    )["Id"]
    last = closed_at if closed_at is not None else 0.0
    for index in range(1 + _poisson(rng, 2.0 if escalated else 0.5)):
        when = created - (created - last) * (index / (index + 1.5))
        incoming = index % 2 == 0
        _emit_email(org, rng, account, contact, when, incoming, case_id, parent=True)


def _case_priority(rng: random.Random, story: _Story, escalated: bool) -> str:
    if escalated:
        return _weighted(rng, (("Critical", 0.4), ("High", 0.5), ("Medium", 0.1)))
    if story.code == "married":
        # Contracted customers get priority service.
        options = (("Critical", 0.08), ("High", 0.35), ("Medium", 0.42), ("Low", 0.15))
    else:
        options = (("Critical", 0.03), ("High", 0.17), ("Medium", 0.5), ("Low", 0.3))
    return _weighted(rng, options)


def _emit_email(
    org: _OrgWriter,
    rng: random.Random,
    account: _Account,
    contact: _Contact | None,
    ago: float,
    incoming: bool,
    related_to: str,
    parent: bool = False,
) -> None:
    contact_email = (contact.email if contact else None) or f"info@{account.domain}"
    ours = "team@rapport-demo.example"
    pool = INBOUND_EMAIL_SUBJECTS if incoming else OUTBOUND_EMAIL_SUBJECTS
    record = org.add(
        "EmailMessage",
        ago,
        ago,
        {
            "ParentId": related_to if parent else None,
            "RelatedToId": related_to,
            "Subject": _pick(rng, pool),
            "FromAddress": contact_email if incoming else ours,
            "ToAddress": ours if incoming else contact_email,
            "Incoming": incoming,
            "Status": _pick(rng, ("1", "2")) if incoming else "3",
        },
    )
    record["MessageDate"] = record["CreatedDate"]


def _emit_touches(org: _OrgWriter, rng: random.Random, account: _Account, story: _Story) -> None:
    """Calls, emails and to-dos: a base rhythm per phase plus a burst around every deal."""
    for phase in story.phases:
        begin, end = min(phase.begin, story.start), max(phase.end, 0.0)
        span = begin - end
        if span <= 0 or phase.intensity <= 0:
            continue
        expected = story.touch_rate * phase.intensity * span / DAYS_PER_MONTH
        for _ in range(_poisson(rng, expected)):
            ago = end + rng.random() * span
            _emit_touch(org, rng, account, ago, rng.random() < phase.inbound, account.id)
    for deal in story.deals:
        latest = max(deal.close, 0.0)
        for _ in range(rng.randint(0, 3)):
            ago = rng.uniform(latest, deal.created)
            inbound = rng.random() < _inbound_share_at(story, ago)
            _emit_touch(org, rng, account, ago, inbound, deal.id)
    if story.service_window[1] < 30:  # still in touch: a few to-dos are open
        for _ in range(_poisson(rng, 0.8)):
            _emit_open_task(org, rng, account)


def _inbound_share_at(story: _Story, ago: float) -> float:
    """How much of the conversation the customer initiates at that time (deal talks included)."""
    for phase in story.phases:
        if phase.begin >= ago >= phase.end:
            return phase.inbound
    return 0.0


def _emit_touch(
    org: _OrgWriter, rng: random.Random, account: _Account, ago: float, inbound: bool, what_id: str
) -> None:
    contact = account.contact_at(rng, ago)
    draw = rng.random()
    if inbound:
        if draw < 0.6:
            _emit_email(org, rng, account, contact, ago, True, what_id)
        else:
            _emit_task(org, rng, account, contact, ago, "Call", "Inbound", what_id)
    elif draw < 0.35:
        _emit_email(org, rng, account, contact, ago, False, what_id)
    elif draw < 0.7:
        _emit_task(org, rng, account, contact, ago, "Call", "Outbound", what_id)
    elif draw < 0.88:
        _emit_task(org, rng, account, contact, ago, "Email", None, what_id)
    else:
        _emit_task(org, rng, account, contact, ago, "Task", None, what_id)


def _emit_task(
    org: _OrgWriter,
    rng: random.Random,
    account: _Account,
    contact: _Contact | None,
    ago: float,
    subtype: str,
    call_type: str | None,
    what_id: str,
) -> None:
    if subtype == "Call":
        subject = _pick(rng, INBOUND_CALLS if call_type == "Inbound" else OUTBOUND_CALLS)
        task_type = "Call"
    elif subtype == "Email":
        subject, task_type = _pick(rng, EMAIL_TASKS), "Email"
    else:
        subject, task_type = _pick(rng, TODO_TASKS), _pick(rng, ("Other", "Meeting", None))
    owner = account.owner_id if rng.random() < 0.75 else account.success_id
    record = org.add(
        "Task",
        ago,
        ago,  # logged activities are rarely edited afterwards
        {
            "WhatId": what_id,
            "WhoId": contact.id if contact else None,
            "AccountId": account.id,
            "Subject": subject,
            "Status": "Completed",
            "Priority": _weighted(rng, (("Normal", 0.8), ("High", 0.1), ("Low", 0.1))),
            "Type": task_type,
            "TaskSubtype": subtype,
            "CallType": call_type,
            "IsClosed": True,
            "OwnerId": owner,
        },
    )
    record["ActivityDate"] = record["CreatedDate"].date()


def _emit_open_task(org: _OrgWriter, rng: random.Random, account: _Account) -> None:
    """A to-do still open: due soon, or overdue and forgotten."""
    due = rng.uniform(-21, 30)
    created = min(max(due, 0) + rng.uniform(1, 20), account.created)
    contact = account.contact_at(rng, created)
    org.add(
        "Task",
        created,
        rng.uniform(0, created),
        {
            "WhatId": account.id,
            "WhoId": contact.id if contact else None,
            "AccountId": account.id,
            "Subject": _pick(rng, (*TODO_TASKS, "Follow up", "Call back")),
            "ActivityDate": org.date(due),
            "Status": _pick(rng, ("Not Started", "In Progress", "Waiting on someone else")),
            "Priority": _weighted(rng, (("Normal", 0.7), ("High", 0.2), ("Low", 0.1))),
            "Type": _pick(rng, ("Call", "Email", "Other")),
            "TaskSubtype": "Task",
            "CallType": None,
            "IsClosed": False,
            "OwnerId": account.owner_id,
        },
    )


def _emit_events(org: _OrgWriter, rng: random.Random, account: _Account, story: _Story) -> None:
    """Meetings by quarter; QBRs in the committed era; an onboarding after the first purchase."""
    profile = story.profile
    first_won = next((d for d in story.deals if d.won and d.value > 0), None)
    if first_won and rng.random() < 0.7:
        _emit_event(
            org, rng, account, first_won.close - rng.uniform(5, 30), "Onboarding", first_won.id
        )
    for phase in story.phases:
        if phase.inbound == 0:
            continue  # nobody on the customer side accepts a meeting
        begin, end = min(phase.begin, story.start), max(phase.end, 0.0)
        quarter = begin
        while quarter > end:
            low = max(quarter - 91.3, end)
            for _ in range(_poisson(rng, profile.meetings_per_quarter * phase.intensity)):
                ago = rng.uniform(low, quarter)
                bought = first_won is not None and ago < first_won.close
                kind = _weighted(rng, _meeting_kinds(bought))
                _emit_event(org, rng, account, ago, kind, account.id)
            if story.committed_since is not None and quarter < story.committed_since:
                qbr = profile.qbr_rate * (0.1 if "no_qbr" in story.quirks else 1.0)
                if story.decline_since is not None and quarter < story.decline_since:
                    qbr *= 0.4
                if rng.random() < qbr:
                    ago = rng.uniform(low, quarter)
                    _emit_event(org, rng, account, ago, "Quarterly Business Review", account.id)
            quarter = low
    if story.service_window[1] < 30:  # still in touch: meetings are scheduled
        for _ in range(_poisson(rng, 0.4 * story.touch_rate / 3)):
            _emit_event(org, rng, account, -rng.uniform(1, 30), "Meeting", account.id)


def _meeting_kinds(bought: bool) -> tuple[tuple[str, float], ...]:
    if not bought:
        return (("Demo", 0.35), ("Meeting", 0.4), ("Call", 0.2), ("Other", 0.05))
    return (("Meeting", 0.5), ("Call", 0.25), ("Training", 0.12), ("Other", 0.13))


def _emit_event(
    org: _OrgWriter, rng: random.Random, account: _Account, ago: float, kind: str, what_id: str
) -> None:
    senior = kind in ("Quarterly Business Review", "Onboarding")
    contact = (
        account.senior_at(rng, max(ago, 0)) if senior else account.contact_at(rng, max(ago, 0))
    )
    start = org.at_hour(ago, rng.randint(8, 16), _pick(rng, (0, 15, 30, 45)))
    duration = _pick(rng, (30, 45, 60, 60, 90, 120))
    created = min(max(ago, 0.0) + rng.uniform(1, 21), account.created)
    org.add(
        "Event",
        created,
        max(ago, 0.0),
        {
            "WhatId": what_id,
            "WhoId": contact.id if contact else None,
            "AccountId": account.id,
            "Subject": _pick(rng, EVENT_SUBJECTS[kind]),
            "Type": kind,
            "EventSubtype": "Event",
            "StartDateTime": start,
            "EndDateTime": start + dt.timedelta(minutes=duration),
            "DurationInMinutes": duration,
            "OwnerId": account.owner_id if rng.random() < 0.7 else account.success_id,
        },
    )


def _emit_surveys(org: _OrgWriter, rng: random.Random, account: _Account, story: _Story) -> None:
    """NPS answers over the service window; hostages and bad quarters pull scores down."""
    begin, end = story.service_window
    years = max(begin - end, 0) / 365.0
    moments = [
        rng.uniform(end, begin)
        for _ in range(_poisson(rng, story.profile.surveys_per_year * years))
    ]
    if story.code == "one_night_stand" and rng.random() < 0.5:
        moments.append(max(begin - rng.uniform(20, 60), 1.0))
    if "low_nps" in story.signals and not any(ago < 300 for ago in moments):
        moments.extend(rng.uniform(10, 300) for _ in range(rng.randint(1, 2)))
    for ago in moments:
        _emit_survey(org, rng, account, story, ago, _nps(rng, story, ago))
    if story.bad_quarter is not None:
        _emit_survey(org, rng, account, story, story.bad_quarter - 10, float(rng.randint(2, 5)))


def _nps(rng: random.Random, story: _Story, ago: float) -> float:
    mean, spread = story.profile.nps
    if "low_nps" in story.signals and ago < 450:
        mean, spread = 4.0, 1.8
    elif story.code == "ex":
        # Satisfaction erodes towards the break-up.
        progress = (story.start - ago) / max(story.start - story.end, 1.0)
        mean -= 2.0 * min(max(progress, 0.0), 1.0) - 1.0
    return float(min(10, max(0, round(rng.gauss(mean, spread)))))


def _emit_survey(
    org: _OrgWriter, rng: random.Random, account: _Account, story: _Story, ago: float, score: float
) -> None:
    ago = max(ago, 0.05)
    contact = account.contact_at(rng, ago)
    band = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    record = org.add(
        "Survey_Response__c",
        ago,
        ago,
        {
            "Name": f"SR-{org.next_number('Survey_Response__c'):07d}",
            "Account__c": account.id,
            "Contact__c": contact.id if contact else None,
            "Score__c": score,
            "Touchpoint__c": _weighted(rng, SURVEY_TOUCHPOINTS),
            "Comment__c": _pick(rng, SURVEY_COMMENTS[band]) if rng.random() < 0.6 else None,
        },
    )
    record["Responded_At__c"] = record["CreatedDate"]
