"""The mapping is the allow-list: bad mappings stop before anything is written."""

from __future__ import annotations

import pytest

from connectors.salesforce.writeback.mapping import (
    DEFAULT_MAPPING_FILE,
    MappingError,
    NotAllowedError,
    PayloadBuilder,
    allowed_fields,
    load_mapping,
    parse_mapping,
)
from connectors.salesforce.writeback.rapport_fields import rapport_fields
from rapport.config import WritebackSettings


def mapping_with(account_fields: dict, **account: object) -> object:
    raw = {
        "objects": {
            "Account": {
                "mart": "account_relationship",
                "id_column": "account_id",
                "fields": account_fields,
                **account,
            }
        }
    }
    return parse_mapping(raw)


def test_the_shipped_mapping_writes_only_rapport_fields_and_covers_them_all():
    mapping = load_mapping()

    assert {name.lower() for name in mapping.field_names()} == allowed_fields()
    assert {d.full_name for d in rapport_fields() if not d.rep_owned} == set(mapping.field_names())


def test_the_reps_perceived_type_is_never_allowed_even_when_listed_as_extra(env):
    """Rapport ships the field but the view in it is the rep's: no mapping may write it."""
    assert "account.relationship_perceived_type__c" not in allowed_fields(
        ["Account.Relationship_Perceived_Type__c"]
    )
    mapping = mapping_with(
        {"Relationship_Perceived_Type__c": {"column": "relationship_type_label"}}
    )
    env.org.request_log.clear()

    with pytest.raises(MappingError, match="Relationship_Perceived_Type__c"):
        env.sync(
            mapping=mapping,
            options=WritebackSettings(
                extra_allowed_fields=["Account.Relationship_Perceived_Type__c"]
            ),
        )
    assert env.org.request_log.entries() == []


def test_a_mapping_file_that_does_not_parse_names_the_problem(tmp_path):
    path = tmp_path / "mapping.yml"
    path.write_text(
        DEFAULT_MAPPING_FILE.read_text().replace("column: strength_score", "colum: strength_score")
    )

    with pytest.raises(MappingError, match=r"Relationship_Strength__c\.colum"):
        load_mapping(path)


@pytest.mark.parametrize(
    ("field", "why"),
    [("Name", "Account.Name"), ("Relationship_Typo__c", "Account.Relationship_Typo__c")],
)
def test_a_field_outside_the_allow_list_is_refused_before_any_call(env, field, why):
    mapping = mapping_with({field: {"column": "next_step"}})
    env.org.request_log.clear()

    with pytest.raises(MappingError, match=why) as refused:
        env.sync(mapping=mapping)

    assert "not allowed" in str(refused.value)
    assert env.org.request_log.entries() == []


def test_an_allowed_field_the_org_lacks_is_refused_before_any_write(env):
    options = WritebackSettings(extra_allowed_fields=["Account.Churn_Risk__c"])
    mapping = mapping_with({"Churn_Risk__c": {"column": "strength_score"}})
    env.org.request_log.clear()

    with pytest.raises(MappingError, match=r"Account\.Churn_Risk__c does not exist"):
        env.sync(mapping=mapping, options=options)

    assert env.write_calls() == 0
    assert {e.method for e in env.org.request_log.entries()} == {"GET"}


@pytest.mark.parametrize(
    ("fields", "extra", "message"),
    [
        (
            {"Relationship_Strength__c": {"column": "next_step"}},
            [],
            r"Account\.Relationship_Strength__c is a double field but column "
            r"account_relationship\.next_step holds text values",
        ),
        (
            {"Relationship_Hostage__c": {"column": "trend"}},
            [],
            r"Account\.Relationship_Hostage__c is a boolean field",
        ),
        (
            {"Relationship_Trend__c": {"column": "trend"}},
            [],
            r"Account\.Relationship_Trend__c: the picklist lacks 'falling', 'rising', 'stable'",
        ),
        (
            {
                "Relationship_Trend__c": {
                    "column": "trend",
                    "values": {"rising": "Up", "stable": "Stable", "falling": "Falling"},
                }
            },
            [],
            r"the picklist lacks 'Up'",
        ),
        (
            {"Relationship_Trend__c": {"column": "trend", "values": {"rising": "Rising"}}},
            [],
            r"values without a translation in the mapping: falling, stable",
        ),
        (
            {"Relationship_Next_Step__c": {"column": "no_such_column"}},
            [],
            r"mart account_relationship has no column no_such_column",
        ),
        ({"IsDeleted": {"column": "is_hostage"}}, ["Account.IsDeleted"], r"read-only"),
    ],
)
def test_a_mapping_that_does_not_fit_the_org_names_the_field(env, fields, extra, message):
    options = WritebackSettings(extra_allowed_fields=extra)

    with pytest.raises(MappingError, match=message):
        env.sync(mapping=mapping_with(fields), options=options)

    assert env.write_calls() == 0


def test_every_problem_is_reported_at_once(env):
    mapping = mapping_with(
        {
            "Relationship_Strength__c": {"column": "next_step"},
            "Relationship_Hostage__c": {"column": "trend"},
        }
    )

    with pytest.raises(MappingError) as refused:
        env.sync(mapping=mapping)

    assert "Relationship_Strength__c" in str(refused.value)
    assert "Relationship_Hostage__c" in str(refused.value)


def test_the_payload_builder_refuses_a_field_the_mapping_does_not_name(env):
    from connectors.salesforce.writeback.crm_schema import describe_object_fields
    from connectors.salesforce.writeback.mapping import bind_mapping
    from connectors.salesforce.writeback.mart_reader import read_mart
    from rapport.warehouse import open_warehouse

    mapping = mapping_with({"Relationship_Strength__c": {"column": "strength_score"}})
    with open_warehouse(env.warehouse) as sql:
        mart = read_mart(sql, "rapport", "account_relationship", ["account_id", "strength_score"])
    (bound,) = bind_mapping(
        mapping,
        {"Account": describe_object_fields(env.sf, "Account")},
        {"account_relationship": mart},
    )
    builder = PayloadBuilder(bound)

    update = builder.build("0015g0000000001AAA", {"Relationship_Strength__c": 12.5})
    assert update.values == {"Relationship_Strength__c": 12.5}
    with pytest.raises(NotAllowedError, match="Relationship_Type__c"):
        builder.build("0015g0000000001AAA", {"Relationship_Type__c": "Ex"})
