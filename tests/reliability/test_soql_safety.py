"""SOQL is built only from names that are API names and from escaped literals, whatever describe says.

The local org's own SOQL lexer is the oracle: a statement must tokenize to
exactly the names and literals that went in, so no input can add a clause.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.salesforce.api.soql import UnsafeSoqlError, identifier, string_literal
from connectors.salesforce.extract.fields import ExtractField
from connectors.salesforce.extract.source import build_soql, count_soql
from connectors.salesforce.writeback.crm_read import read_current_values
from connectors.salesforce.writeback.crm_schema import CrmField
from local_org.soql import SoqlError
from local_org.soql_lexer import tokenize

API_NAME = st.from_regex(r"\A[A-Za-z][A-Za-z0-9_]{0,40}\Z")
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "Account WHERE Name != ''",
            "Id FROM User --",
            "Name, (SELECT Id FROM Contacts)",
            "Account\n",
            "Name'",
            "",
            "1Field",
            "Id,Name",
            "Amount__c) OR (Id",
        ]
    ),
)
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fail(code, message, pos):
    return SoqlError(code, message)


def idents(soql: str) -> list[str]:
    return [t.text for t in tokenize(soql, fail) if t.kind == "ident"]


def is_api_name(name: str) -> bool:
    try:
        identifier(name)
    except UnsafeSoqlError:
        return False
    return True


@SETTINGS
@given(value=st.text(max_size=60))
def test_a_string_literal_reads_back_as_exactly_its_value(value):
    [token, eof] = tokenize(string_literal(value), fail)
    assert token.kind == "string" and token.value == value and eof.kind == "eof"


@SETTINGS
@given(
    object_name=st.one_of(API_NAME, HOSTILE),
    field_names=st.lists(st.one_of(API_NAME, HOSTILE), min_size=1, max_size=4),
    since=st.none() | st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1)),
)
def test_the_extraction_query_holds_only_checked_names(object_name, field_names, since):
    fields = [ExtractField(name, "string", "") for name in field_names]
    if not all(map(is_api_name, [object_name, *field_names])):
        with pytest.raises(UnsafeSoqlError):
            build_soql(object_name, fields, since)
        return
    where = ["WHERE", "SystemModstamp"] if since is not None else []
    soql = build_soql(object_name, fields, since)
    expected = [
        "SELECT",
        *field_names,
        "FROM",
        object_name,
        *where,
        "ORDER",
        "BY",
        "SystemModstamp",
    ]
    assert idents(soql) == expected
    assert idents(count_soql(object_name, since)) == [
        "SELECT",
        "COUNT",
        "FROM",
        object_name,
        *where,
    ]


class RecordingSalesforce:
    def __init__(self) -> None:
        self.queries: list[str] = []

    def query_all_iter(self, soql: str):
        self.queries.append(soql)
        return iter(())


@SETTINGS
@given(
    object_name=st.one_of(st.just("Account"), HOSTILE),
    field_name=st.one_of(st.just("Relationship_Type__c"), HOSTILE),
    ids=st.lists(st.one_of(st.from_regex(r"\A001[A-Za-z0-9]{12}\Z"), HOSTILE), max_size=5),
)
def test_the_write_back_read_holds_only_checked_names_and_ids(object_name, field_name, ids):
    sf = RecordingSalesforce()
    field = CrmField(object_name, field_name, "string", updateable=True, length=255)
    try:
        read_current_values(sf, object_name, [field], ids, object_size=10**6, ids_per_query=2)
    except ValueError:  # UnsafeSoqlError, or InvalidSalesforceId for a malformed Id
        assert not all(map(is_api_name, [object_name, field_name])) or not all(
            len(i) in (15, 18) and i.isalnum() and i.isascii() for i in ids
        )
        return
    for soql in sf.queries:
        tokens = tokenize(soql, fail)
        assert [t.text for t in tokens if t.kind == "ident"][:5] == [
            "SELECT",
            "Id",
            field_name,
            "FROM",
            object_name,
        ]
        assert all(t.value.isalnum() and len(t.value) == 18 for t in tokens if t.kind == "string")
