"""SOQL subset: what it accepts, what it returns, and every refusal Salesforce makes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from local_org.schema import standard_objects
from local_org.soql import SoqlError, compile_soql
from local_org.store import OrgStore
from tests.factories import account_id, contact_id
from tests.factories.local_org import build_store


@pytest.fixture(scope="module")
def store() -> OrgStore:
    """These tests only read, so one store serves the module."""
    return build_store()


def names(store: OrgStore, soql: str, **kwargs) -> list[str]:
    return [r["Name"] for r in store.query(soql, **kwargs).records()]


def error_of(soql: str) -> SoqlError:
    with pytest.raises(SoqlError) as caught:
        compile_soql(soql, standard_objects())
    return caught.value


# --------------------------------------------------------------------------- select


def test_field_and_object_names_are_case_insensitive_and_come_back_canonical(store):
    result = store.query("select id, NAME, industry, annualrevenue from ACCOUNT order by name")
    assert result.object_name == "Account"
    assert result.fields == ("Id", "Name", "Industry", "AnnualRevenue")
    first = result.records()[0]
    assert list(first) == ["Id", "Name", "Industry", "AnnualRevenue"]
    assert first == {
        "Id": account_id(4),
        "Name": "100%_Pure",
        "Industry": "Energy",
        "AnnualRevenue": None,
    }


def test_values_keep_their_python_types(store):
    [opp] = store.query(
        "SELECT Amount, Probability, CloseDate, IsWon, CreatedDate FROM Opportunity "
        "WHERE Name = 'Acme renewal'"
    ).records()
    assert opp["Amount"] == 125_000.5
    assert opp["CloseDate"] == date(2025, 3, 1)
    assert opp["IsWon"] is True
    assert isinstance(opp["CreatedDate"], datetime) and opp["CreatedDate"].tzinfo is not None


def test_count_returns_only_a_total(store):
    result = store.query("SELECT COUNT() FROM Account WHERE Industry = 'Banking'")
    assert result.total_size == 1  # the deleted Banking account is not counted
    assert result.records() == []
    assert store.query("SELECT count() FROM Account LIMIT 2").total_size == 2


def test_compound_address_is_built_from_its_components(store):
    rows = store.query("SELECT Name, BillingAddress FROM Account ORDER BY Name").records()
    by_name = {r["Name"]: r["BillingAddress"] for r in rows}
    assert by_name["Acme"]["city"] == "Paris"
    assert by_name["Acme"]["country"] == "France"
    assert by_name["Acme"]["street"] is None
    assert by_name["globex"] is None


def test_deleted_rows_only_with_include_deleted(store):
    assert "Deleted Ltd" not in names(store, "SELECT Name FROM Account")
    assert "Deleted Ltd" in names(store, "SELECT Name FROM Account", include_deleted=True)
    deleted = store.query(
        "SELECT Name FROM Account WHERE IsDeleted = true", include_deleted=True
    ).records()
    assert deleted == [{"Name": "Deleted Ltd"}]


# --------------------------------------------------------------------------- where


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Name = 'acme'", ["Acme"]),  # text comparison ignores case
        ("Name = 'O\\'Brien & Sons'", ["O'Brien & Sons"]),
        ("Industry != 'Banking'", ["100%_Pure", "globex", "O'Brien & Sons"]),  # nulls included
        ("Industry = null", ["globex"]),
        ("Industry != null", ["100%_Pure", "Acme", "O'Brien & Sons"]),
        ("NumberOfEmployees > 12", ["Acme"]),
        ("NumberOfEmployees >= 12", ["Acme", "O'Brien & Sons"]),
        ("NumberOfEmployees < 12", ["100%_Pure"]),
        ("NumberOfEmployees <= 12", ["100%_Pure", "O'Brien & Sons"]),
        ("AnnualRevenue > 1000000.5", ["Acme"]),
        ("Industry IN ('banking', 'Retail')", ["Acme", "O'Brien & Sons"]),
        ("Industry NOT IN ('Banking')", ["100%_Pure", "globex", "O'Brien & Sons"]),
        ("Name LIKE 'o\\'b%'", ["O'Brien & Sons"]),
        ("Name LIKE '100\\%\\_%'", ["100%_Pure"]),
        ("Name LIKE '%e'", ["100%_Pure", "Acme"]),
        ("Industry = 'Banking' AND NumberOfEmployees > 100", ["Acme"]),
        ("Industry = 'Energy' OR Industry = 'Retail'", ["100%_Pure", "O'Brien & Sons"]),
        (
            "(Industry = 'Energy' OR Industry = 'Retail') AND NumberOfEmployees > 10",
            ["O'Brien & Sons"],
        ),
        ("NOT Industry = 'Banking'", ["100%_Pure", "globex", "O'Brien & Sons"]),
        ("NOT (Industry = 'Banking' OR Industry = 'Retail')", ["100%_Pure", "globex"]),
        ("CreatedDate = 2025-03-01T09:30:00.000Z", ["Acme"]),
        ("CreatedDate = 2025-03-01T09:30:00Z", ["Acme"]),
        ("CreatedDate = 2025-03-01T10:30:00.000+01:00", ["Acme"]),
        ("CreatedDate = 2025-03-01T09:30:00+0000", ["Acme"]),
        ("CreatedDate > 2025-03-01T00:00:00Z", ["Acme", "O'Brien & Sons"]),
        ("OwnerId = '0055g0000000001'", ["Acme"]),  # 15-character Ids are accepted
        ("Id IN ('" + account_id(3) + "')", ["globex"]),
    ],
)
def test_where(store, where, expected):
    assert sorted(names(store, f"SELECT Name FROM Account WHERE {where}")) == sorted(expected)


def test_date_fields_compare_with_date_literals(store):
    query = "SELECT Name FROM Opportunity WHERE CloseDate >= 2025-04-01 ORDER BY CloseDate"
    assert names(store, query) == ["Acme expansion", "O'Brien upsell"]


def test_booleans(store):
    assert names(store, "SELECT Name FROM Opportunity WHERE IsWon = TRUE") == ["Acme renewal"]
    assert len(names(store, "SELECT Name FROM Opportunity WHERE IsWon != true")) == 2


@pytest.mark.parametrize(
    ("literal", "today", "expected"),
    [
        ("CreatedDate = TODAY", date(2025, 3, 1), ["Acme"]),
        ("CreatedDate = YESTERDAY", date(2025, 3, 2), ["Acme"]),
        ("CreatedDate < TODAY", date(2025, 3, 1), ["100%_Pure", "globex"]),
        ("CreatedDate > TODAY", date(2025, 3, 1), ["O'Brien & Sons"]),
        # LAST_N_DAYS:n is today and the n days before it.
        ("CreatedDate = LAST_N_DAYS:2", date(2025, 3, 2), ["Acme", "O'Brien & Sons"]),
        ("CreatedDate = LAST_N_DAYS:3", date(2025, 3, 2), ["Acme", "globex", "O'Brien & Sons"]),
        ("CreatedDate = THIS_MONTH", date(2025, 3, 20), ["Acme", "O'Brien & Sons"]),
        ("CreatedDate = LAST_MONTH", date(2025, 3, 20), ["globex"]),
    ],
)
def test_date_literals_denote_ranges(store, literal, today, expected):
    found = names(store, f"SELECT Name FROM Account WHERE {literal}", today=today)
    assert sorted(found) == sorted(expected)


def test_date_literal_on_a_date_field(store):
    found = names(
        store, "SELECT Name FROM Opportunity WHERE CloseDate = THIS_MONTH", today=date(2025, 3, 9)
    )
    assert found == ["Acme renewal"]


def test_literals_are_bound_as_parameters_never_spliced():
    compiled = compile_soql(
        "SELECT Id FROM Account WHERE Name = 'x\\' OR Name != \\'y' AND Industry = 'Banking'",
        standard_objects(),
    )
    assert "x' OR" not in compiled.sql and "Banking" not in compiled.sql.lower()
    assert compiled.params == ("x' or name != 'y", "banking")


def test_an_injection_attempt_is_just_a_string(store):
    assert names(store, "SELECT Name FROM Account WHERE Name = 'x\\' OR Name != \\'y'") == []


# --------------------------------------------------------------------------- order, limit


def test_order_by_several_fields_with_directions(store):
    query = "SELECT Name FROM Account ORDER BY Industry DESC, Name ASC"
    # DESC puts nulls last; text sorts ignoring case.
    assert names(store, query) == ["O'Brien & Sons", "100%_Pure", "Acme", "globex"]


def test_order_by_nulls_first_and_last(store):
    ascending = names(store, "SELECT Name FROM Account ORDER BY NumberOfEmployees")
    assert ascending[0] == "globex"  # ASC puts nulls first, as in Salesforce
    last = names(store, "SELECT Name FROM Account ORDER BY NumberOfEmployees ASC NULLS LAST")
    assert last == ["100%_Pure", "O'Brien & Sons", "Acme", "globex"]
    first = names(store, "SELECT Name FROM Account ORDER BY NumberOfEmployees DESC NULLS FIRST")
    assert first == ["globex", "Acme", "O'Brien & Sons", "100%_Pure"]


def test_text_order_ignores_case(store):
    assert names(store, "SELECT Name FROM Account ORDER BY Name") == [
        "100%_Pure",
        "Acme",
        "globex",
        "O'Brien & Sons",
    ]


def test_limit_and_offset(store):
    query = "SELECT Name FROM Account ORDER BY Name LIMIT 2"
    assert names(store, query) == ["100%_Pure", "Acme"]
    assert names(store, query + " OFFSET 2") == ["globex", "O'Brien & Sons"]


def test_contact_filter_on_reference_field(store):
    query = f"SELECT LastName FROM Contact WHERE AccountId = '{account_id(2)}'"
    assert store.query(query).records() == [{"LastName": "O'Brien"}]
    assert store.get("Contact", contact_id(1))["FirstName"] == "Grace"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("soql", "code", "detail"),
    [
        ("SELECT Id Account", "MALFORMED_QUERY", "unexpected token: 'Account'"),
        ("SELECT FROM Account", "MALFORMED_QUERY", "unexpected token: 'FROM'"),
        ("SELECT Id, FROM Account", "MALFORMED_QUERY", "unexpected token: 'FROM'"),
        ("Id FROM Account", "MALFORMED_QUERY", "unexpected token: 'Id'"),
        ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY", "unexpected token: '<EOF>'"),
        ("SELECT Id FROM Account WHERE Name", "MALFORMED_QUERY", "'<EOF>'"),
        ("SELECT Id FROM Account WHERE Name = ", "MALFORMED_QUERY", "'<EOF>'"),
        ("SELECT Id FROM Account LIMIT 5 extra", "MALFORMED_QUERY", "unexpected token: 'extra'"),
        ("SELECT Id FROM Account LIMIT ten", "MALFORMED_QUERY", "unexpected token: 'ten'"),
        ("SELECT Id FROM Account LIMIT 1.5", "MALFORMED_QUERY", "unexpected token: '1.5'"),
        ("SELECT Id FROM Account ORDER Name", "MALFORMED_QUERY", "unexpected token: 'Name'"),
        ("SELECT Id FROM Account ORDER BY Name NULLS", "MALFORMED_QUERY", "'<EOF>'"),
        (
            "SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'",
            "MALFORMED_QUERY",
            "unexpected token: 'OR'",
        ),
        ("SELECT Id FROM Account WHERE (Name = 'a'", "MALFORMED_QUERY", "'<EOF>'"),
        ("SELECT Id FROM Account WHERE Name = 'open", "MALFORMED_QUERY", "unterminated string"),
        ("SELECT Id FROM Account WHERE Name = 'a\\qb'", "MALFORMED_QUERY", "Illegal character"),
        ("SELECT Id FROM Account WHERE Name IN ()", "MALFORMED_QUERY", "unexpected token: ')'"),
        ("SELECT Id FROM Account WHERE Name = SOMEDAY", "MALFORMED_QUERY", "'SOMEDAY'"),
        ("SELECT Id FROM Account WHERE Name # 'a'", "MALFORMED_QUERY", "unexpected token: '#'"),
        (
            "SELECT Id FROM Account WHERE CreatedDate > 2025-03-01T09:30:00",
            "MALFORMED_QUERY",
            "time zone",
        ),
        ("SELECT Id FROM Account WHERE CloseDate > 2025-13-01", "MALFORMED_QUERY", "invalid date"),
        ("SELECT COUNT(Id) FROM Account", "MALFORMED_QUERY", "only COUNT()"),
        ("SELECT MAX(Name) FROM Account", "MALFORMED_QUERY", "not supported"),
        ("SELECT Id, Name, name FROM Account", "MALFORMED_QUERY", "duplicate field selected: Name"),
        (
            "SELECT Foo FROM Account",
            "INVALID_FIELD",
            "No such column 'Foo' on entity 'Account'. If you are attempting to use a custom "
            "field, be sure to append the '__c' after the custom field name.",
        ),
        ("SELECT Id FROM Account WHERE Foo__c = 1", "INVALID_FIELD", "No such column 'Foo__c'"),
        ("SELECT Id FROM Account ORDER BY Bar", "INVALID_FIELD", "No such column 'Bar'"),
        (
            "SELECT Owner.Name FROM Account",
            "INVALID_FIELD",
            "Didn't understand relationship 'Owner'",
        ),
        (
            "SELECT Id FROM Opportunity WHERE CloseDate > '2025-01-01'",
            "INVALID_FIELD",
            "value of filter criterion for field 'CloseDate' must be of type date and should "
            "not be enclosed in quotes",
        ),
        (
            "SELECT Id FROM Account WHERE CreatedDate > '2025-01-01T00:00:00Z'",
            "INVALID_FIELD",
            "must be of type dateTime",
        ),
        (
            "SELECT Id FROM Account WHERE CreatedDate > 2025-01-01",
            "INVALID_FIELD",
            "must be of type dateTime",
        ),
        (
            "SELECT Id FROM Opportunity WHERE CloseDate > 2025-01-01T00:00:00Z",
            "INVALID_FIELD",
            "must be of type date",
        ),
        (
            "SELECT Id FROM Account WHERE Name = 5",
            "INVALID_FIELD",
            "must be of type string and should be enclosed in quotes",
        ),
        ("SELECT Id FROM Account WHERE NumberOfEmployees = '5'", "INVALID_FIELD", "type integer"),
        ("SELECT Id FROM Account WHERE AnnualRevenue = true", "INVALID_FIELD", "type double"),
        ("SELECT Id FROM Opportunity WHERE IsWon = 'true'", "INVALID_FIELD", "type boolean"),
        ("SELECT Id FROM Account WHERE Name = TODAY", "INVALID_FIELD", "type string"),
        (
            "SELECT Id FROM Account WHERE BillingAddress = null",
            "INVALID_FIELD",
            "can not be filtered",
        ),
        ("SELECT Id FROM Account ORDER BY BillingAddress", "INVALID_FIELD", "can not be sorted"),
        (
            "SELECT Id FROM Foo",
            "INVALID_TYPE",
            "sObject type 'Foo' is not supported. If you are attempting to use a custom "
            "object, be sure to append the '__c' after the entity name.",
        ),
        ("SELECT Foo FROM Bar__c", "INVALID_TYPE", "sObject type 'Bar__c' is not supported"),
        (
            "SELECT Id FROM Account WHERE Id = 'abc'",
            "INVALID_QUERY_FILTER_OPERATOR",
            "invalid ID field: abc",
        ),
        (
            "SELECT Id FROM Account WHERE NumberOfEmployees LIKE '5%'",
            "INVALID_QUERY_FILTER_OPERATOR",
            "LIKE",
        ),
        (
            "SELECT Id FROM Opportunity WHERE IsWon > false",
            "INVALID_QUERY_FILTER_OPERATOR",
            "boolean",
        ),
        ("SELECT Id FROM Account WHERE Name > null", "INVALID_QUERY_FILTER_OPERATOR", "null"),
    ],
)
def test_refusals(soql, code, detail):
    error = error_of(soql)
    assert error.error_code == code
    assert detail in error.message


def test_error_message_points_at_the_offending_token():
    error = error_of("SELECT Id, Nmae FROM Account")
    assert error.message.startswith("\nSELECT Id, Nmae FROM Account\n           ^\n")
    assert "ERROR at Row:1:Column:12\n" in error.message
    multi_line = error_of("SELECT Id\nFROM Account\nWHERE Bogus = 1")
    assert "ERROR at Row:3:Column:7" in multi_line.message
    assert multi_line.message.startswith("\nWHERE Bogus = 1\n      ^")


def test_unknown_object_wins_over_unknown_field():
    assert error_of("SELECT Nope FROM Nothing").error_code == "INVALID_TYPE"


def test_store_raises_the_same_errors(store):
    with pytest.raises(SoqlError) as caught:
        store.query("SELECT Id FROM Account WHERE CloseDate = 2025-01-01")
    assert caught.value.error_code == "INVALID_FIELD"


def test_datetime_params_are_utc():
    compiled = compile_soql(
        "SELECT Id FROM Account WHERE CreatedDate >= 2025-03-01T10:30:00+01:00", standard_objects()
    )
    assert compiled.params == (datetime(2025, 3, 1, 9, 30, tzinfo=UTC),)
