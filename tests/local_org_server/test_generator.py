"""Tests of the synthetic org generator.

The org must look like a real Salesforce export to everything downstream:
every field exists in the schema with a value of the right type, every
reference resolves, timestamps are ordered and never after as_of, and the
same arguments always give the same org. The stories behind the relationship
types are checked loosely (they are noisy on purpose).
"""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from collections import Counter, defaultdict
from typing import Any

import pytest

from connectors.salesforce.api.ids import make_id
from local_org.generator import (
    OBJECTS,
    PROFILES,
    TYPE_CODES,
    GeneratedOrg,
    generate_org,
    write_labels,
)
from local_org.schema import FieldSpec, ObjectSpec, standard_objects

AS_OF = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
SPECS: dict[str, ObjectSpec] = standard_objects(include_rapport_fields=False)
RAPPORT_FIELDS = {"Relationship_Type__c", "Relationship_Strength__c"}
# Rapport's fields the reps own are the org's data: the generator fills them in.
REP_FIELDS = {"Account": {"Relationship_Perceived_Type__c"}}
ALL_SPECS: dict[str, ObjectSpec] = standard_objects()


@pytest.fixture(scope="module")
def org() -> GeneratedOrg:
    return generate_org(accounts=500, seed=11, as_of=AS_OF)


@pytest.fixture(scope="module")
def ids_by_object(org: GeneratedOrg) -> dict[str, set[str]]:
    return {name: {r["Id"] for r in rows} for name, rows in org.records.items()}


def _by_account(org: GeneratedOrg, obj: str, key: str = "AccountId") -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for record in org.records[obj]:
        grouped[record[key]].append(record)
    return grouped


def _accounts_of(org: GeneratedOrg, code: str, hostage: bool | None = None) -> list[str]:
    return [
        label["account_id"]
        for label in org.labels
        if label["relationship_type"] == code
        and (hostage is None or label["is_hostage"] == hostage)
    ]


# --------------------------------------------------------------------------
# Determinism and API
# --------------------------------------------------------------------------


def test_same_arguments_give_identical_org() -> None:
    first = generate_org(accounts=40, seed=5, as_of=AS_OF)
    second = generate_org(accounts=40, seed=5, as_of=AS_OF)
    assert first.records == second.records
    assert first.labels == second.labels


def test_other_seed_gives_other_org() -> None:
    first = generate_org(accounts=40, seed=5, as_of=AS_OF)
    other = generate_org(accounts=40, seed=6, as_of=AS_OF)
    assert [a["Name"] for a in first.records["Account"]] != [
        a["Name"] for a in other.records["Account"]
    ]
    assert first.counts() != other.counts()


def test_other_as_of_shifts_the_history() -> None:
    later = AS_OF + dt.timedelta(days=100)
    first = generate_org(accounts=20, seed=5, as_of=AS_OF)
    shifted = generate_org(accounts=20, seed=5, as_of=later)
    assert first.counts() == shifted.counts()
    assert [a["CreatedDate"] + dt.timedelta(days=100) for a in first.records["Account"]] == [
        a["CreatedDate"] for a in shifted.records["Account"]
    ]


def test_default_as_of_is_today_at_midnight_utc() -> None:
    before = dt.datetime.now(dt.UTC).date()
    generated = generate_org(accounts=3, seed=1)
    after = dt.datetime.now(dt.UTC).date()
    assert generated.as_of.tzinfo is not None and generated.as_of.utcoffset() == dt.timedelta(0)
    assert generated.as_of.time() == dt.time(0, 0)
    assert generated.as_of.date() in (before, after)


def test_naive_as_of_is_taken_as_utc() -> None:
    generated = generate_org(accounts=3, seed=1, as_of=AS_OF.replace(tzinfo=None))
    assert generated.as_of == AS_OF


def test_empty_org_still_has_a_sales_team() -> None:
    generated = generate_org(accounts=0, seed=1, as_of=AS_OF)
    assert generated.labels == []
    assert 10 <= len(generated.records["User"]) <= 30
    assert all(not rows for name, rows in generated.records.items() if name != "User")


def test_negative_account_count_is_rejected() -> None:
    with pytest.raises(ValueError):
        generate_org(accounts=-1)


def test_every_object_is_generated(org: GeneratedOrg) -> None:
    assert set(org.records) == set(OBJECTS)
    assert all(org.records[name] for name in OBJECTS), org.counts()
    assert 10 <= len(org.records["User"]) <= 30


# --------------------------------------------------------------------------
# Schema conformance
# --------------------------------------------------------------------------


def _check_value(spec: FieldSpec, value: Any) -> str | None:
    """Return why ``value`` does not fit ``spec``, or None if it does."""
    kind = spec.type
    if kind in ("id", "reference"):
        ok = isinstance(value, str) and len(value) == 18
    elif kind in ("string", "email", "phone", "textarea"):
        ok = isinstance(value, str) and (not spec.length or len(value) <= spec.length)
    elif kind == "picklist":
        ok = value in spec.picklist_values
    elif kind == "boolean":
        ok = isinstance(value, bool)
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind in ("currency", "double", "percent"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == "date":
        ok = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    elif kind == "datetime":
        ok = isinstance(value, dt.datetime) and value.utcoffset() == dt.timedelta(0)
    else:
        return f"unexpected field type {kind}"
    return None if ok else f"{value!r} is not a valid {kind}"


def test_records_have_exactly_the_schema_columns(org: GeneratedOrg) -> None:
    for name, rows in org.records.items():
        expected = {f.name for f in SPECS[name].fields.values() if not f.is_compound}
        expected |= REP_FIELDS.get(name, set())
        for record in rows:
            assert set(record) == expected, name
            assert not RAPPORT_FIELDS & set(record)


def test_values_fit_their_field_type_length_and_picklist(org: GeneratedOrg) -> None:
    problems = []
    for name, rows in org.records.items():
        fields = ALL_SPECS[name].fields
        for record in rows:
            for field_name, value in record.items():
                spec = fields[field_name]
                if value is None:
                    if not spec.nillable:
                        problems.append(f"{name}.{field_name} is null")
                    continue
                why = _check_value(spec, value)
                if why:
                    problems.append(f"{name}.{field_name}: {why}")
    assert not problems, problems[:10]


def test_check_value_rejects_bad_values() -> None:
    """The checker above must be able to fail, or the schema test proves nothing."""
    fields = SPECS["Opportunity"].fields
    assert _check_value(fields["StageName"], "Won") is not None
    assert _check_value(fields["CloseDate"], AS_OF) is not None
    assert _check_value(fields["IsWon"], 1) is not None
    assert _check_value(fields["Name"], "x" * 121) is not None
    assert _check_value(SPECS["Case"].fields["ClosedDate"], AS_OF.replace(tzinfo=None)) is not None


def test_ids_are_unique_and_follow_make_id(org: GeneratedOrg) -> None:
    all_ids = [r["Id"] for rows in org.records.values() for r in rows]
    assert len(all_ids) == len(set(all_ids))
    for name, rows in org.records.items():
        prefix = SPECS[name].key_prefix
        assert [r["Id"] for r in rows] == [make_id(prefix, i) for i in range(1, len(rows) + 1)]


def test_references_point_to_existing_records_of_the_right_object(
    org: GeneratedOrg, ids_by_object: dict[str, set[str]]
) -> None:
    problems = []
    for name, rows in org.records.items():
        references = [f for f in SPECS[name].fields.values() if f.type == "reference"]
        for record in rows:
            for spec in references:
                value = record[spec.name]
                if value is not None and not any(
                    value in ids_by_object[t] for t in spec.reference_to
                ):
                    problems.append(f"{name}.{spec.name} -> {value}")
    assert not problems, problems[:10]


def test_compound_and_rapport_fields_are_left_out(org: GeneratedOrg) -> None:
    account = org.records["Account"][0]
    assert "BillingAddress" not in account
    assert "Relationship_Type__c" not in account
    assert any(a["BillingCity"] for a in org.records["Account"])
    assert all(a["BillingCountry"] for a in org.records["Account"])


# --------------------------------------------------------------------------
# Time
# --------------------------------------------------------------------------


def test_system_timestamps_are_ordered_and_not_after_as_of(org: GeneratedOrg) -> None:
    for name, rows in org.records.items():
        for record in rows:
            created, modified = record["CreatedDate"], record["LastModifiedDate"]
            assert created <= modified <= record["SystemModstamp"] <= org.as_of, (
                name,
                record["Id"],
            )
            assert created >= org.as_of - dt.timedelta(days=9 * 365)
            if name != "User":
                assert record["IsDeleted"] is False
    assert all("IsDeleted" not in user for user in org.records["User"])


def test_things_that_happened_are_in_the_past(org: GeneratedOrg) -> None:
    for message in org.records["EmailMessage"]:
        assert message["MessageDate"] <= org.as_of
    for survey in org.records["Survey_Response__c"]:
        assert survey["Responded_At__c"] <= org.as_of
    for case in org.records["Case"]:
        if case["ClosedDate"] is not None:
            assert case["CreatedDate"] <= case["ClosedDate"] <= org.as_of
    for order in org.records["Order"]:
        if order["Delivered_Date__c"] is not None:
            assert order["Delivered_Date__c"] <= org.as_of.date()
        if order["Status"] == "Activated":
            assert order["EffectiveDate"] <= org.as_of.date()


def test_history_spans_about_five_years(org: GeneratedOrg) -> None:
    oldest = min(a["CreatedDate"] for a in org.records["Account"])
    newest = max(a["CreatedDate"] for a in org.records["Account"])
    assert dt.timedelta(days=4 * 365) < org.as_of - oldest < dt.timedelta(days=5 * 365 + 30)
    assert org.as_of - newest < dt.timedelta(days=120)


def test_children_are_created_after_their_account(org: GeneratedOrg) -> None:
    created = {a["Id"]: a["CreatedDate"] for a in org.records["Account"]}
    for name in ("Contact", "Opportunity", "Contract", "Case", "Task", "Event", "Order"):
        for record in org.records[name]:
            if name == "Opportunity" and record["AccountId"] is None:
                continue  # an orphan opportunity: no account to be created after
            assert record["CreatedDate"] >= created[record["AccountId"]] - dt.timedelta(days=1), (
                name
            )


# --------------------------------------------------------------------------
# Coherence of individual records
# --------------------------------------------------------------------------


def test_names_are_consistent(org: GeneratedOrg) -> None:
    for contact in org.records["Contact"]:
        assert contact["Name"] == f"{contact['FirstName']} {contact['LastName']}"
    names = [a["Name"] for a in org.records["Account"]]
    assert len(names) == len(set(names))


def test_opportunity_flags_follow_the_stage(org: GeneratedOrg) -> None:
    competitors = {c["OpportunityId"] for c in org.records["OpportunityCompetitor"]}
    for opp in org.records["Opportunity"]:
        stage = opp["StageName"]
        assert opp["IsClosed"] == stage.startswith("Closed")
        assert opp["IsWon"] == (stage == "Closed Won")
        if opp["IsClosed"]:
            assert opp["Probability"] == (100.0 if opp["IsWon"] else 0.0)
        else:
            assert 0 < opp["Probability"] < 100
        if opp["Loss_Reason__c"] is not None:
            assert stage == "Closed Lost"
        if opp["Loss_Reason__c"] == "Competitor":
            assert opp["Id"] in competitors
    kinds = Counter(o["Type"] for o in org.records["Opportunity"])
    assert set(kinds) == {"New Business", "Existing Business", "Renewal", "Upsell"}
    reasons = Counter(o["Loss_Reason__c"] for o in org.records["Opportunity"] if o["IsClosed"])
    assert reasons["Competitor"] and reasons[None]


def test_cases_status_closure_and_escalation_agree(org: GeneratedOrg) -> None:
    for case in org.records["Case"]:
        closed = case["Status"] == "Closed"
        assert case["IsClosed"] == closed == (case["ClosedDate"] is not None)
        if case["Status"] == "Escalated":
            assert case["IsEscalated"]
    statuses = Counter(c["Status"] for c in org.records["Case"])
    assert statuses["Closed"] and statuses["Escalated"] and statuses["Working"]


def test_activities_belong_to_their_account(org: GeneratedOrg) -> None:
    contact_account = {c["Id"]: c["AccountId"] for c in org.records["Contact"]}
    owner_account = {
        r["Id"]: r["AccountId"]
        for name in ("Opportunity", "Case", "Contract", "Order")
        for r in org.records[name]
    }
    owner_account.update({a["Id"]: a["Id"] for a in org.records["Account"]})
    for name in ("Task", "Event"):
        for activity in org.records[name]:
            assert activity["AccountId"] is not None
            assert owner_account[activity["WhatId"]] == activity["AccountId"]
            if activity["WhoId"] is not None:
                assert contact_account[activity["WhoId"]] == activity["AccountId"]


def test_tasks_are_typed_like_salesforce_tasks(org: GeneratedOrg) -> None:
    tasks = org.records["Task"]
    for task in tasks:
        assert task["IsClosed"] == (task["Status"] == "Completed")
        if task["TaskSubtype"] == "Call":
            assert task["CallType"] in ("Inbound", "Outbound")
        else:
            assert task["CallType"] is None
    assert {t["TaskSubtype"] for t in tasks} == {"Call", "Email", "Task"}
    assert {t["CallType"] for t in tasks} == {"Inbound", "Outbound", None}


def test_email_messages_hang_off_accounts_opportunities_or_cases(org: GeneratedOrg) -> None:
    case_ids = {c["Id"] for c in org.records["Case"]}
    for message in org.records["EmailMessage"]:
        if message["ParentId"] is not None:
            assert message["ParentId"] in case_ids
            assert message["RelatedToId"] == message["ParentId"]
        assert message["Incoming"] == (message["ToAddress"] == "team@rapport-demo.example")
    assert {m["Incoming"] for m in org.records["EmailMessage"]} == {True, False}
    assert any(m["ParentId"] for m in org.records["EmailMessage"])


def test_events_end_after_they_start(org: GeneratedOrg) -> None:
    for event in org.records["Event"]:
        length = event["EndDateTime"] - event["StartDateTime"]
        assert length == dt.timedelta(minutes=event["DurationInMinutes"]) > dt.timedelta(0)


def test_contracts_dates_match_their_status(org: GeneratedOrg) -> None:
    today = org.as_of.date()
    for contract in org.records["Contract"]:
        start, end = contract["StartDate"], contract["EndDate"]
        if start is not None:
            assert end is not None and start < end
        if contract["Status"] == "Activated":
            assert start <= today <= end
        if contract["Status"] == "Expired":
            assert end < today


def test_orders_are_sometimes_late(org: GeneratedOrg) -> None:
    delivered = [o for o in org.records["Order"] if o["Delivered_Date__c"] is not None]
    late = [o for o in delivered if o["Delivered_Date__c"] > o["Promised_Delivery_Date__c"]]
    assert 0.03 < len(late) / len(delivered) < 0.3


def test_surveys_are_nps_answers(org: GeneratedOrg) -> None:
    for survey in org.records["Survey_Response__c"]:
        assert 0 <= survey["Score__c"] <= 10 and survey["Score__c"] == int(survey["Score__c"])
    scores = {s["Score__c"] for s in org.records["Survey_Response__c"]}
    assert min(scores) <= 3 and max(scores) == 10


def test_missing_data_happens_but_is_the_exception(org: GeneratedOrg) -> None:
    accounts = org.records["Account"]
    wallets = [a["Estimated_Annual_Wallet__c"] for a in accounts]
    assert 0.7 < sum(w is not None for w in wallets) / len(wallets) < 0.97
    titles = [c["Title"] for c in org.records["Contact"]]
    assert 0.8 < sum(t is not None for t in titles) / len(titles) < 0.99
    assert any(o["Amount"] is None for o in org.records["Opportunity"])


# --------------------------------------------------------------------------
# Labels and relationship stories
# --------------------------------------------------------------------------


def test_labels_cover_every_account(org: GeneratedOrg) -> None:
    accounts = {a["Id"]: a["Name"] for a in org.records["Account"]}
    assert len(org.labels) == len(accounts)
    assert {label["account_id"]: label["account_name"] for label in org.labels} == accounts
    for label in org.labels:
        assert label["relationship_type"] in TYPE_CODES
        assert isinstance(label["is_hostage"], bool)


def test_type_mix_covers_every_code_in_the_chosen_proportions(org: GeneratedOrg) -> None:
    mix = Counter(label["story_type"] for label in org.labels)
    assert set(mix) == set(TYPE_CODES)
    for code in TYPE_CODES:
        assert abs(mix[code] / len(org.labels) - PROFILES[code].mix) < 0.01


def test_a_story_is_labelled_by_definition_only_where_it_left_another_footprint(
    org: GeneratedOrg,
) -> None:
    # The one relabelling: an engaged story already bound by a contract in
    # force (a hostage) is married by definition; every other label is its story.
    moved = [label for label in org.labels if label["relationship_type"] != label["story_type"]]
    assert moved
    assert {(label["story_type"], label["relationship_type"]) for label in moved} == {
        ("engaged", "married")
    }
    assert all(label["is_hostage"] for label in moved)


def test_small_orgs_still_get_every_type() -> None:
    labels = generate_org(accounts=16, seed=2, as_of=AS_OF).labels
    assert {label["relationship_type"] for label in labels} == set(TYPE_CODES)


def test_hostages_are_contracted_accounts(org: GeneratedOrg) -> None:
    hostages = [label for label in org.labels if label["is_hostage"]]
    # Held by a contract in force: married by definition, whatever the story.
    assert {label["relationship_type"] for label in hostages} == {"married"}
    married = _accounts_of(org, "married")
    share = len(_accounts_of(org, "married", hostage=True)) / len(married)
    assert 0.1 < share < 0.45
    activated = {c["AccountId"] for c in org.records["Contract"] if c["Status"] == "Activated"}
    assert all(label["account_id"] in activated for label in hostages)
    assert all(label["hostage_signals"] for label in hostages)


def test_write_labels_writes_one_row_per_account(org: GeneratedOrg, tmp_path) -> None:
    path = tmp_path / "truth" / "labels.csv"
    write_labels(org.labels, path)
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["account_id"] for row in rows] == [label["account_id"] for label in org.labels]
    assert {row["is_hostage"] for row in rows} == {"true", "false"}
    assert rows[0]["relationship_type"] == org.labels[0]["relationship_type"]


def test_prospects_never_bought(org: GeneratedOrg) -> None:
    prospects = set(_accounts_of(org, "prospect"))
    assert not any(o["AccountId"] in prospects for o in org.records["Order"])
    paid = [o for o in org.records["Opportunity"] if o["IsWon"] and o["Amount"]]
    assert not any(o["AccountId"] in prospects for o in paid)


def test_contracts_separate_married_from_partner(org: GeneratedOrg) -> None:
    """Married accounts hold an activated contract (a few keep it outside the CRM); partners never."""
    activated = {c["AccountId"] for c in org.records["Contract"] if c["Status"] == "Activated"}
    married = _accounts_of(org, "married")
    assert sum(a in activated for a in married) / len(married) > 0.85
    assert not activated & set(_accounts_of(org, "partner"))
    assert not activated & set(_accounts_of(org, "steady"))
    pending = {
        c["AccountId"]
        for c in org.records["Contract"]
        if c["Status"] in ("Draft", "In Approval Process")
    }
    engaged = _accounts_of(org, "engaged")
    assert sum(a in pending for a in engaged) / len(engaged) > 0.8


def test_ex_accounts_went_silent(org: GeneratedOrg) -> None:
    """No inbound contact from an ex for months, while steady customers talk back."""
    recent = org.as_of - dt.timedelta(days=120)
    inbound_recently = {
        t["AccountId"]
        for t in org.records["Task"]
        if t["CallType"] == "Inbound" and t["CreatedDate"] > recent
    }
    ex = _accounts_of(org, "ex")
    steady = _accounts_of(org, "steady")
    assert sum(a in inbound_recently for a in ex) / len(ex) < 0.05
    assert sum(a in inbound_recently for a in steady) / len(steady) > 0.5


def test_dating_accounts_shop_around(org: GeneratedOrg) -> None:
    opp_account = {o["Id"]: o["AccountId"] for o in org.records["Opportunity"]}
    with_rivals = {opp_account[c["OpportunityId"]] for c in org.records["OpportunityCompetitor"]}
    dating = _accounts_of(org, "dating")
    married = _accounts_of(org, "married", hostage=False)
    dating_share = sum(a in with_rivals for a in dating) / len(dating)
    married_share = sum(a in with_rivals for a in married) / len(married)
    assert dating_share > 0.6
    assert married_share < dating_share / 2


def test_deep_relationships_have_more_people(org: GeneratedOrg) -> None:
    contacts = _by_account(org, "Contact")

    def median_contacts(code: str) -> float:
        return statistics.median(len(contacts[a]) for a in _accounts_of(org, code))

    assert median_contacts("married") > median_contacts("steady") > median_contacts("dating")
    assert median_contacts("partner") > median_contacts("one_night_stand")


def test_hostages_are_less_happy_than_other_married_accounts(org: GeneratedOrg) -> None:
    surveys = _by_account(org, "Survey_Response__c", key="Account__c")
    recent = org.as_of - dt.timedelta(days=365)

    def mean_recent_score(accounts: list[str]) -> float:
        scores = [
            s["Score__c"] for a in accounts for s in surveys[a] if s["Responded_At__c"] > recent
        ]
        return statistics.mean(scores)

    hostages = _accounts_of(org, "married", hostage=True)
    content = _accounts_of(org, "married", hostage=False)
    assert mean_recent_score(hostages) + 2 < mean_recent_score(content)


def test_share_of_wallet_follows_commitment(org: GeneratedOrg) -> None:
    """Won amount over the last year divided by the wallet estimate orders the types."""
    wallet = {a["Id"]: a["Estimated_Annual_Wallet__c"] for a in org.records["Account"]}
    year_ago = org.as_of.date() - dt.timedelta(days=365)
    won: Counter[str] = Counter()
    for opp in org.records["Opportunity"]:
        if opp["IsWon"] and opp["Amount"] and opp["CloseDate"] > year_ago:
            won[opp["AccountId"]] += opp["Amount"]

    def median_share(code: str) -> float:
        shares = [won[a] / wallet[a] for a in _accounts_of(org, code) if wallet[a]]
        return statistics.median(shares)

    assert median_share("married") > median_share("steady") > median_share("dating")
    assert median_share("partner") > median_share("steady")


def test_types_overlap_a_little(org: GeneratedOrg) -> None:
    """Noise on purpose: some accounts carry behaviour typical of another type."""
    quirks = Counter(q for label in org.labels for q in label["quirks"])
    assert quirks["bad_quarter"] and quirks["competitor_quote"] and quirks["no_wallet_estimate"]
    opp_account = {o["Id"]: o["AccountId"] for o in org.records["Opportunity"]}
    with_rivals = {opp_account[c["OpportunityId"]] for c in org.records["OpportunityCompetitor"]}
    assert any(a in with_rivals for a in _accounts_of(org, "steady"))
    assert any(a not in with_rivals for a in _accounts_of(org, "dating"))
    with_contract = {c["AccountId"] for c in org.records["Contract"]}
    activated = {c["AccountId"] for c in org.records["Contract"] if c["Status"] == "Activated"}
    assert any(a in with_contract for a in _accounts_of(org, "partner"))
    assert any(a not in activated for a in _accounts_of(org, "married"))
