"""The perception gap in dbt: the ladder seed against the typology, and the mart on a generated org.

The gap logic itself is a dbt unit test (models/intermediate/_int_account_perception.yml);
here the built mart is checked against the raw records, read independently.
"""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.typology import relationship_types
from tests.factories.dbt import mart, write_raw_tables
from tests.factories.orgs import AS_OF

LADDER_TEST = "perception_ladder_covers_the_typology"
CODES = {t.label.lower(): t.code for t in relationship_types()} | {
    t.code: t.code for t in relationship_types()
}


@pytest.mark.slow
def test_the_ladder_must_place_every_type_below_its_next_level(tmp_path, dbt_build):
    warehouse = tmp_path / "rapport.duckdb"
    dbt_build(warehouse, command="seed --select relationship_ladder")
    dbt_build(warehouse, command=f"test --select {LADDER_TEST}")

    # dating's next level made prospect (a rung below it): the test must catch it.
    with pytest.raises(AssertionError, match=LADDER_TEST):
        dbt_build(
            warehouse,
            vars={"next_level": {"dating": "prospect"}},
            command=f"test --select {LADDER_TEST}",
        )


@pytest.mark.slow
def test_the_mart_holds_the_reps_view_else_the_newest_stated_answer(
    tmp_path, dbt_build, generated_records
):
    records, _ = generated_records
    warehouse = tmp_path / "rapport.duckdb"
    write_raw_tables(warehouse, records)
    dbt_build(warehouse)
    rows = mart(warehouse).set_index("account_id")

    as_of = dt.date.fromisoformat(AS_OF)
    answers = _stated_answers()
    rep = {
        a["Id"]: CODES.get((a["Relationship_Perceived_Type__c"] or "").strip().lower())
        for a in records["Account"]
    }
    newest: dict[str, tuple[tuple, str]] = {}
    for survey in records["Survey_Response__c"]:
        stated = answers.get((survey["Stated_Relationship__c"] or "").strip().lower())
        at = survey["Responded_At__c"] or survey["CreatedDate"]
        if stated and as_of - dt.timedelta(days=730) < at.date() <= as_of:
            key = (at, survey["Id"])  # newest first, then the highest Id, as the model orders them
            if survey["Account__c"] not in newest or key > newest[survey["Account__c"]][0]:
                newest[survey["Account__c"]] = (key, stated)

    expected = {}
    for account in rows.index:
        if rep.get(account):
            expected[account] = (rep[account], "rep")
        elif account in newest:
            expected[account] = (newest[account][1], "survey")
        else:
            expected[account] = (None, "none")
    actual = {
        account: (
            row.perceived_type if isinstance(row.perceived_type, str) else None,
            row.perception_source,
        )
        for account, row in rows.iterrows()
    }
    assert actual == expected
    sources = {source for _, source in actual.values()}
    assert sources == {"rep", "survey", "none"}
    # No view, no gap; a view always has one.
    assert (rows["perception_gap"].isna() == (rows["perception_source"] == "none")).all()
    # The generator's reps are optimists, and it shows.
    by_rep = rows[rows["perception_source"] == "rep"]["perception_gap"].value_counts()
    assert by_rep["overestimated"] > by_rep["underestimated"]


def _stated_answers() -> dict[str, str]:
    from rapport.warehouse import DBT_PROJECT_DIR

    lines = (DBT_PROJECT_DIR / "seeds" / "stated_relationships.csv").read_text().splitlines()[1:]
    return {
        answer.strip().lower(): code for answer, code in (line.rsplit(",", 1) for line in lines)
    }


def test_the_seed_names_every_answer_the_survey_offers():
    """Every Stated_Relationship__c value of the local org but "Don't know" states a type."""
    from local_org.schema import standard_objects

    offered = standard_objects()["Survey_Response__c"].fields["Stated_Relationship__c"]
    assert set(_stated_answers()) == {
        v.lower() for v in offered.picklist_values if v != "Don't know"
    }
    # ... and every type can be stated.
    assert set(_stated_answers().values()) == set(CODES.values())
