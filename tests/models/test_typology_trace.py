"""One hand-made account per type, plus a hostage, traced through every model.

The raw rows are written here by hand (not generated), so each expectation can
be checked against the typology rules in dbt_project.yml by reading them.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.factories.dbt import mart, run_dbt, write_raw_tables
from tests.factories.orgs import AS_OF

pytestmark = pytest.mark.slow

TODAY = date.fromisoformat(AS_OF)
_ids = itertools.count(1)


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def at(days: int) -> datetime:
    return datetime.combine(days_ago(days), datetime.min.time(), tzinfo=UTC)


def record(prefix: str, **fields) -> dict:
    stamp = fields.pop("created", at(1000))
    return {
        "Id": f"{prefix}{next(_ids):015d}",
        "IsDeleted": False,
        "CreatedDate": stamp,
        "SystemModstamp": stamp,
        **fields,
    }


class Org:
    """Raw Salesforce rows for a handful of accounts, built in words."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {
            name: []
            for name in (
                "Account",
                "Contact",
                "Opportunity",
                "OpportunityCompetitor",
                "OpportunityContactRole",
                "Contract",
                "Task",
                "Event",
                "Case",
                "Order",
                "Survey_Response__c",
            )
        }

    def account(self, name: str, created_days_ago: int = 1500) -> str:
        row = record("001", Name=name, created=at(created_days_ago))
        self.rows["Account"].append(row)
        return row["Id"]

    def contact(self, account: str, title: str = "Analyst") -> str:
        row = record("003", AccountId=account, LastName="Person", Name="A Person", Title=title)
        self.rows["Contact"].append(row)
        return row["Id"]

    def deal(
        self,
        account: str,
        days: int,
        won: bool = True,
        closed: bool = True,
        competitor: bool = False,
        stage: str | None = None,
        amount: float = 10_000,
        kind: str = "New Business",
    ) -> str:
        row = record(
            "006",
            AccountId=account,
            Name="Deal",
            Amount=amount,
            CloseDate=days_ago(days),
            Type=kind,
            IsClosed=closed,
            IsWon=won and closed,
            created=at(days + 30),
            StageName=stage
            or ("Closed Won" if won and closed else "Closed Lost" if closed else "Prospecting"),
        )
        self.rows["Opportunity"].append(row)
        if competitor:
            self.rows["OpportunityCompetitor"].append(
                record("00J", OpportunityId=row["Id"], CompetitorName="Rival")
            )
        return row["Id"]

    def contract(
        self, account: str, status: str, start: int, end: int, changed_days_ago: int = 1000
    ) -> str:
        row = record(
            "800",
            AccountId=account,
            Status=status,
            StartDate=days_ago(start),
            EndDate=days_ago(end),
            created=at(changed_days_ago),
        )
        self.rows["Contract"].append(row)
        return row["Id"]

    def call(self, account: str, days: int, direction: str, contact: str | None = None) -> None:
        self.rows["Task"].append(
            record(
                "00T",
                AccountId=account,
                WhoId=contact,
                ActivityDate=days_ago(days),
                TaskSubtype="Call",
                CallType=direction,
                created=at(days),
            )
        )

    def meeting(self, account: str, days: int, contact: str) -> None:
        self.rows["Event"].append(
            record(
                "00U",
                AccountId=account,
                WhoId=contact,
                Type="Meeting",
                StartDateTime=at(days),
                created=at(days),
            )
        )

    def survey(self, account: str, days: int, score: float) -> None:
        self.rows["Survey_Response__c"].append(
            record(
                "a01",
                Account__c=account,
                Score__c=score,
                Touchpoint__c="service",
                Responded_At__c=at(days),
                created=at(days),
            )
        )

    def escalation(self, account: str, days: int) -> None:
        self.rows["Case"].append(
            record(
                "500",
                AccountId=account,
                Type="Problem",
                Priority="High",
                Status="Escalated",
                IsEscalated=True,
                IsClosed=False,
                created=at(days),
            )
        )

    def support_case(self, account: str, days: int) -> None:
        self.rows["Case"].append(
            record(
                "500",
                AccountId=account,
                Type="Billing",
                Priority="Medium",
                Status="Closed",
                IsEscalated=False,
                IsClosed=True,
                ClosedDate=at(days - 1),
                created=at(days),
            )
        )

    def late_order(self, account: str, days: int) -> None:
        self.rows["Order"].append(
            record(
                "801",
                AccountId=account,
                Status="Activated",
                EffectiveDate=days_ago(days + 20),
                Promised_Delivery_Date__c=days_ago(days + 5),
                Delivered_Date__c=days_ago(days),
            )
        )


def build_org() -> tuple[Org, dict[str, str]]:
    org, ids = Org(), {}

    ids["prospect"] = prospect = org.account("Prospect Ltd", created_days_ago=200)
    org.deal(prospect, days=-30, closed=False)
    org.call(prospect, 10, "Outbound")

    ids["one_night_stand"] = one_night = org.account("One Night Inc")
    org.deal(one_night, days=400)
    org.call(one_night, 200, "Outbound")

    ids["dating"] = dating = org.account("Dating Co")
    for days in (100, 300, 500):
        org.deal(dating, days=days, competitor=True)
    dating_contact = org.contact(dating)
    org.call(dating, 20, "Inbound", dating_contact)
    org.call(dating, 40, "Outbound", dating_contact)

    ids["steady"] = steady = org.account("Steady GmbH")
    for days in (30, 120, 250, 400):
        org.deal(steady, days=days)
    people = [org.contact(steady, "Buyer") for _ in range(3)]
    for i, person in enumerate(people * 2):
        org.call(steady, 10 + 20 * i, "Inbound", person)
        org.call(steady, 15 + 20 * i, "Outbound", person)

    ids["engaged"] = engaged = org.account("Engaged SA")
    for days in (60, 200, 350):
        org.deal(engaged, days=days)
    org.contract(engaged, "Draft", start=-10, end=-375, changed_days_ago=5)
    engaged_contact = org.contact(engaged, "Procurement Manager")
    org.call(engaged, 5, "Inbound", engaged_contact)

    # The same, but the draft has sat untouched for two months: the
    # contract_moves expectation is broken.
    ids["stalled"] = stalled = org.account("Stalled SA")
    for days in (60, 200, 350):
        org.deal(stalled, days=days)
    ids["stalled_contract"] = org.contract(
        stalled, "In Approval Process", start=-10, end=-375, changed_days_ago=60
    )
    org.call(stalled, 5, "Inbound", org.contact(stalled, "Procurement Manager"))

    # Two orders six weeks apart, then silence: two purchase occasions, so a
    # relationship that ended, not a one-night stand.
    ids["repeat_weeks_apart"] = repeat = org.account("Repeat Weeks Ltd")
    for days in (400, 358):
        org.deal(repeat, days=days)
    org.call(repeat, 300, "Outbound")

    # An order and an add-on five days later: one occasion.
    ids["add_on"] = add_on = org.account("Add-On Ltd")
    for days in (400, 395):
        org.deal(add_on, days=days)
    org.call(add_on, 300, "Outbound")

    # A shopper: repeat purchases against competitors, a late-stage quote
    # with a competitor on it and a draft contract the rep put in. Shopping
    # around, not engagement.
    ids["shopper"] = shopper = org.account("Shopper BV")
    for days in (100, 300):
        org.deal(shopper, days=days, competitor=True)
    org.deal(shopper, days=-20, closed=False, competitor=True, stage="Proposal/Price Quote")
    org.contract(shopper, "Draft", start=-10, end=-375, changed_days_ago=5)
    org.call(shopper, 15, "Inbound", org.contact(shopper, "Buyer"))

    ids["married"] = married = org.account("Married plc", created_days_ago=2000)
    for days in (40, 200, 400, 700, 1000):
        org.deal(married, days=days, kind="Renewal")
    org.contract(married, "Expired", start=1100, end=700)
    org.contract(married, "Activated", start=700, end=-300)
    married_people = [
        org.contact(married, title)
        for title in ("Chief Executive Officer", "Head of IT", "Buyer", "Analyst", "Engineer")
    ]
    for i, person in enumerate(married_people):
        org.call(married, 5 + i, "Inbound", person)
        org.meeting(married, 20 + i, person)
    for days in (30, 200):
        org.survey(married, days, 10)

    ids["partner"] = partner = org.account("Partner AG", created_days_ago=1500)
    for days in (20, 80, 150, 220, 300, 380, 460, 540, 620, 1200):
        org.deal(partner, days=days)
    titles = (
        "Chief Financial Officer",
        "VP of Operations",
        "Buyer",
        "Buyer",
        "Engineer",
        "Analyst",
        "Planner",
    )
    for i, person in enumerate(org.contact(partner, title) for title in titles):
        org.call(partner, 3 + i, "Inbound", person)
        org.meeting(partner, 30 + i, person)

    ids["ex"] = ex = org.account("Ex Corp", created_days_ago=1500)
    for days in (900, 700):
        org.deal(ex, days=days)
    org.deal(ex, days=400, won=False, competitor=True)
    org.call(ex, 30, "Outbound")

    # An ex who, after leaving, filed a billing case and answered a survey:
    # asking for help with what they bought and answering us is not reaching out.
    ids["ex_with_case"] = ex_case = org.account("Ex Billing Corp", created_days_ago=1500)
    for days in (900, 700):
        org.deal(ex_case, days=days)
    org.support_case(ex_case, 60)
    org.survey(ex_case, 40, 5)

    # Renewals won, but the contracts live in another tool: the CRM holds no
    # contract record, and the renewals say the customer is under contract.
    ids["renewed_outside_crm"] = renewed = org.account("Renewed Elsewhere plc")
    org.deal(renewed, days=900)
    for days in (500, 100):
        org.deal(renewed, days=days, kind="Renewal")
    org.call(renewed, 20, "Inbound", org.contact(renewed, "Buyer"))

    ids["hostage"] = hostage = org.account("Hostage Holdings", created_days_ago=2000)
    for days in (60, 400, 800):
        org.deal(hostage, days=days, kind="Renewal")
    org.deal(
        hostage, days=-20, closed=False, competitor=True, stage="Negotiation/Review", kind="Renewal"
    )
    org.contract(hostage, "Activated", start=500, end=-200)
    hostage_contact = org.contact(hostage, "Director of Operations")
    org.call(hostage, 10, "Inbound", hostage_contact)
    org.survey(hostage, 45, 2)
    for days in (30, 90):
        org.escalation(hostage, days)
    for days in (50, 120):
        org.late_order(hostage, days)

    return org, ids


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    org, ids = build_org()
    workdir = tmp_path_factory.mktemp("trace")
    warehouse = workdir / "rapport.duckdb"
    write_raw_tables(warehouse, org.rows)
    run_dbt(warehouse, workdir / "dbt-target")
    result = mart(warehouse).set_index("account_id")
    rows = {
        name: result.loc[account_id]
        for name, account_id in ids.items()
        if account_id in result.index
    }
    rows["evidence"] = mart(warehouse, "relationship_evidence")
    rows["violations"] = mart(warehouse, "fct_expectation_violations")
    rows["ids"] = ids
    return rows


EXPECTED = {
    # account: (type, hostage, next step, words the reasons must hold)
    "prospect": ("prospect", False, "Close the first deal", "No purchase yet"),
    "one_night_stand": (
        "one_night_stand",
        False,
        "Get back in touch: no contact in the last 90 days",
        "A single purchase",
    ),
    "dating": ("dating", False, "Win a deal without a competitor at the table", "shops around"),
    "steady": ("steady", False, "Build an executive relationship", "Repeat purchases"),
    "engaged": (
        "engaged",
        False,
        "Get the contract signed and activated",
        "A first contract is being negotiated",
    ),
    "married": ("married", False, "Keep it up: hold a business review", "Under contract"),
    "partner": (
        "partner",
        False,
        "Formalise the partnership with a contract",
        "without a contract",
    ),
    "ex": ("ex", False, "Win them back: reach out with an offer", "neither bought"),
    "hostage": (
        "married",
        True,
        "Repair trust: resolve the escalations and recent anger",
        "Under contract",
    ),
}


@pytest.mark.parametrize("account", EXPECTED)
def test_hand_made_account_gets_expected_type_reasons_and_next_step(traced, account):
    expected_type, hostage, next_step, reason_words = EXPECTED[account]
    row = traced[account]
    assert row["relationship_type"] == expected_type
    assert bool(row["is_hostage"]) is hostage
    assert row["commitment_state"] == ("trapped" if hostage else row["commitment_state"])
    assert row["next_step"] == next_step
    assert reason_words in row["type_reasons"]


def test_hostage_is_weaker_than_a_happy_marriage(traced):
    assert traced["hostage"]["strength_score"] < traced["married"]["strength_score"]
    assert traced["hostage"]["moments_score"] < 50 < traced["married"]["moments_score"]


def test_orders_weeks_apart_are_two_occasions_an_add_on_is_not(traced):
    assert traced["repeat_weeks_apart"]["relationship_type"] == "ex"
    assert traced["add_on"]["relationship_type"] == "one_night_stand"
    evidence = traced["evidence"]
    occasions = evidence[
        (evidence["evidence_kind"] == "signal")
        & (evidence["evidence_name"] == "purchase_occasions")
    ].set_index("account_id")["signal_value"]
    assert occasions[traced["ids"]["repeat_weeks_apart"]] == 2
    assert occasions[traced["ids"]["add_on"]] == 1


def test_a_support_case_or_a_survey_answer_is_not_reaching_out(traced):
    assert traced["ex_with_case"]["relationship_type"] == "ex"


def test_renewals_won_without_a_contract_record_are_a_marriage(traced):
    renewed = traced["renewed_outside_crm"]
    assert renewed["relationship_type"] == "married"
    assert "renewals won (2 years) 2" in renewed["type_reasons"]


def test_a_shopper_with_a_quote_against_a_competitor_is_not_engaged(traced):
    shopper = traced["shopper"]
    assert shopper["relationship_type"] == "dating"
    assert "share of deals with a competitor (2 years) 1" in shopper["type_reasons"]


def test_evidence_names_the_rule_and_adds_up_to_the_strength(traced):
    evidence = traced["evidence"]
    for name, account_id in traced["ids"].items():
        if name == "stalled_contract":
            continue
        row = traced[name]
        facts = evidence[evidence["account_id"] == account_id]
        rule = facts[facts["evidence_kind"] == "type_rule"]
        assert len(rule) == 1, name
        assert rule["evidence_name"].iloc[0] == row["relationship_type"], name
        assert rule["detail"].iloc[0] in row["type_reasons"], name
        strength = facts[facts["evidence_kind"] == "strength"]
        assert set(strength["evidence_name"]) >= {"engagement", "commitment", "distress"}
        assert abs(strength["contribution"].sum() - row["strength_score"]) <= 0.15, name


def test_the_hostage_loses_strength_for_its_distress(traced):
    evidence = traced["evidence"]
    hostage = evidence[evidence["account_id"] == traced["ids"]["hostage"]]
    distress = hostage[hostage["evidence_name"] == "distress"].iloc[0]
    assert distress["score"] >= 4
    assert distress["contribution"] <= -4 * 5
    contract = hostage[
        (hostage["evidence_kind"] == "record") & (hostage["evidence_name"] == "contract")
    ]
    assert len(contract) == 1


def test_broken_expectations_of_the_type_are_violations(traced):
    violations = traced["violations"]
    ids = traced["ids"]
    stalled = violations[violations["account_id"] == ids["stalled"]]
    assert stalled[["relationship_type", "expectation", "record_id"]].values.tolist() == [
        ["engaged", "contract_moves", ids["stalled_contract"]]
    ]
    assert traced["stalled"]["next_step"].startswith("Unblock the contract")
    # The fresh draft of the engaged account and the shopper's are not stalled
    # (and a shopper is not held to an engaged customer's expectations).
    assert ids["engaged"] not in set(violations["account_id"])
    assert ids["shopper"] not in set(violations["account_id"])
    # The hostage's escalations sat open: a married customer expects priority service.
    hostage = violations[violations["account_id"] == ids["hostage"]]
    assert set(hostage["expectation"]) == {"priority_service"}
    assert len(hostage) == 2
