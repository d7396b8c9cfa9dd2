"""The generator's beliefs: the rep's view of an account and the customer's stated relationship."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from local_org.csv_seed import export_csv, load_csv_folder
from local_org.generator import GeneratedOrg, generate_org
from local_org.generator.perception import DONT_KNOW, LABELS, STATED, rung_of
from local_org.schema import standard_objects
from tests.factories import account_id

AS_OF = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
PERCEIVED = "Relationship_Perceived_Type__c"
STATED_FIELD = "Stated_Relationship__c"
CODES = {label: code for code, label in LABELS.items()}


@pytest.fixture(scope="module")
def org() -> GeneratedOrg:
    return generate_org(accounts=600, seed=2026, as_of=AS_OF)


def beliefs(org: GeneratedOrg) -> tuple[list, list]:
    return (
        [a[PERCEIVED] for a in org.records["Account"]],
        [s[STATED_FIELD] for s in org.records["Survey_Response__c"]],
    )


def test_the_same_seed_gives_the_same_beliefs_and_another_seed_others(org):
    assert beliefs(generate_org(accounts=600, seed=2026, as_of=AS_OF)) == beliefs(org)
    assert beliefs(generate_org(accounts=600, seed=7, as_of=AS_OF)) != beliefs(org)


def test_reps_judge_a_share_of_accounts_and_overrate_more_often_than_they_underrate(org):
    truth = {label["account_id"]: label["relationship_type"] for label in org.labels}
    views = {a["Id"]: a[PERCEIVED] for a in org.records["Account"]}
    judged = {i: CODES[v] for i, v in views.items() if v is not None}
    assert 0.3 < len(judged) / len(views) < 0.5
    # The label and the org agree on what the rep believes.
    assert {label["account_id"]: label["perceived_type"] for label in org.labels} == {
        i: CODES[v] if v else None for i, v in views.items()
    }

    moves = Counter(
        "over"
        if rung_of(p) > rung_of(truth[i])
        else "under"
        if rung_of(p) < rung_of(truth[i])
        else "right"
        for i, p in judged.items()
    )
    assert moves["right"] > moves["over"] > 1.5 * moves["under"] > 0
    # Prospects leave little to judge; reps judge them less often.
    prospects = [i for i, code in truth.items() if code == "prospect"]
    others = [i for i, code in truth.items() if code != "prospect"]
    share = lambda ids: sum(views[i] is not None for i in ids) / len(ids)  # noqa: E731
    assert share(prospects) < share(others) / 2


def test_some_recent_survey_responses_state_a_relationship(org):
    surveys = org.records["Survey_Response__c"]
    stated = [s for s in surveys if s[STATED_FIELD] is not None]
    assert 0.05 < len(stated) / len(surveys) < 0.5
    assert all((AS_OF - s["Responded_At__c"]).days <= 730 for s in stated)
    assert {s[STATED_FIELD] for s in stated} <= {*STATED.values(), DONT_KNOW}
    assert DONT_KNOW in {s[STATED_FIELD] for s in stated}
    # Customers are sober: most say what the relationship is.
    truth = {label["account_id"]: label["relationship_type"] for label in org.labels}
    said = [
        (truth[s["Account__c"]], s[STATED_FIELD]) for s in stated if s[STATED_FIELD] != DONT_KNOW
    ]
    assert sum(STATED[code] == answer for code, answer in said) / len(said) > 0.6


def test_the_csv_seeding_path_keeps_both_fields_as_picklists(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Account.csv").write_text(
        f"Id,Name,{PERCEIVED}\n"
        f"{account_id(1)},Acme,Married\n"
        f"{account_id(2)},Globex,\n"
        f"{account_id(3)},Initech,Best Friends\n"
    )
    (folder / "Survey_Response__c.csv").write_text(
        f"Id,Account__c,Score__c,{STATED_FIELD},Responded_At__c\n"
        f"a015g0000000001AAA,{account_id(1)},9,We are under contract with you,2026-10-01T09:00:00Z\n"
    )
    store = load_csv_folder(folder)

    perceived = store.spec("Account").fields[PERCEIVED]
    assert perceived.type == "picklist"
    # A value the picklist lacks is the customer's own, kept (the pipeline reads it as no type).
    assert {"Married", "Best Friends"} <= set(perceived.picklist_values)
    assert store.spec("Survey_Response__c").fields[STATED_FIELD].type == "picklist"
    rows = store.query(f"SELECT Id, {PERCEIVED} FROM Account ORDER BY Id").records()
    assert [r[PERCEIVED] for r in rows] == ["Married", None, "Best Friends"]


def test_a_generated_org_exported_and_seeded_again_keeps_the_beliefs(tmp_path):
    generated = generate_org(accounts=30, seed=3, as_of=AS_OF)
    export_csv(generated.records, tmp_path, objects=standard_objects())
    store = load_csv_folder(tmp_path)
    seeded = {
        r["Id"]: r[PERCEIVED] for r in store.query(f"SELECT Id, {PERCEIVED} FROM Account").records()
    }
    assert seeded == {a["Id"]: a[PERCEIVED] for a in generated.records["Account"]}
    assert any(seeded.values())
