"""The local org over real HTTPS, driven by simple-salesforce as Rapport drives Salesforce."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import requests
from cryptography import x509
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

from connectors.salesforce.api.ids import make_id
from connectors.salesforce.api.local_routing import is_salesforce_host, local_org_session
from local_org.csv_seed import CsvSeedError, export_csv, load_csv_folder
from local_org.schema import FieldSpec, standard_objects
from local_org.server import LocalOrg
from local_org.store import OrgStore, RecordError
from local_org.tls import ensure_certificate
from tests.factories import account_id, contact_id, opportunity_id
from tests.factories.local_org import PAGED_ACCOUNTS, build_store, sample_records

REPO_ROOT = Path(__file__).resolve().parents[2]


def direct(org: LocalOrg, token: str | None = None) -> Salesforce:
    info = org.info
    return Salesforce(
        instance_url=info.instance_url,
        session_id=token or info.access_token,
        session=local_org_session(info.instance_url, info.ca_cert),
    )


def raw_get(org: LocalOrg, path: str, token: str | None = None, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {token or org.info.access_token}"}
    headers.update(kwargs.pop("headers", {}))
    session = local_org_session(org.info.instance_url, org.info.ca_cert)
    return session.get(org.info.instance_url + path, headers=headers, **kwargs)


def composite(sf: Salesforce, records: list[dict], all_or_none: bool) -> list[dict]:
    body = {"allOrNone": all_or_none, "records": records}
    return sf.restful("composite/sobjects", method="PATCH", json=body)


def account(record_id: str, **fields) -> dict:
    return {"attributes": {"type": "Account"}, "id": record_id, **fields}


# --------------------------------------------------------------------------- sign-in


def test_soap_login_with_password_and_security_token(read_org):
    info = read_org.info
    sf = Salesforce(
        username=info.username,
        password=info.password,
        security_token=info.security_token,
        session=local_org_session(info.instance_url, info.ca_cert),
    )
    assert f"https://{sf.sf_instance}" == info.instance_url
    assert sf.session_id != info.access_token
    assert sf.query("SELECT Name FROM Account WHERE Name = 'Acme'")["totalSize"] == 1
    login_calls = [e for e in read_org.request_log.entries() if e.path.startswith("/services/Soap")]
    assert login_calls[-1].status == 200


def test_soap_login_refuses_a_bad_password(read_org):
    info = read_org.info
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        Salesforce(
            username=info.username,
            password="wrong",
            security_token=info.security_token,
            session=local_org_session(info.instance_url, info.ca_cert),
        )
    assert caught.value.code == "INVALID_LOGIN"
    assert "Invalid username, password, security token" in caught.value.auth_message


def test_client_credentials_login_through_a_my_domain(read_org):
    info = read_org.info
    sf = Salesforce(
        consumer_key=info.consumer_key,
        consumer_secret=info.consumer_secret,
        domain="rapport-local.my",
        session=local_org_session(info.instance_url, info.ca_cert),
    )
    assert sf.auth_type == "client-credentials"
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 2


def test_client_credentials_refuses_a_bad_secret(read_org):
    info = read_org.info
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        Salesforce(
            consumer_key=info.consumer_key,
            consumer_secret="not-the-secret",
            domain="rapport-local.my",
            session=local_org_session(info.instance_url, info.ca_cert),
        )
    assert caught.value.code == "invalid_client"


def test_oauth_password_grant(read_org):
    info = read_org.info
    session = local_org_session(info.instance_url, info.ca_cert)
    sf = Salesforce(
        username=info.username,
        password=info.password + info.security_token,
        consumer_key=info.consumer_key,
        consumer_secret=info.consumer_secret,
        session=session,
    )
    assert sf.query("SELECT COUNT() FROM Opportunity")["totalSize"] == 3
    refused = session.post(
        "https://login.salesforce.com/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": info.consumer_key,
            "client_secret": info.consumer_secret,
            "username": info.username,
            "password": "wrong",
        },
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "invalid_grant",
        "error_description": "authentication failure",
    }


def test_token_response_shape(read_org):
    info = read_org.info
    session = local_org_session(info.instance_url, info.ca_cert)
    response = session.post(
        "https://test.salesforce.com/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(info.consumer_key, info.consumer_secret),
    )
    body = response.json()
    assert set(body) == {
        "access_token",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
    }
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == info.instance_url
    assert raw_get(read_org, "/services/data/v60.0/sobjects", token=body["access_token"]).ok


def test_direct_session_id(read_org):
    sf = direct(read_org)
    assert sf.auth_type == "direct"
    assert sf.Account.get(account_id(1))["Name"] == "Acme"


def test_a_bad_bearer_token_is_refused(read_org):
    with pytest.raises(SalesforceExpiredSession) as caught:
        direct(read_org, token="00Dbogus!token").query("SELECT Id FROM Account")
    assert caught.value.status == 401
    assert caught.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    assert raw_get(read_org, "/services/data/v59.0/sobjects", token="nope").status_code == 401
    session = local_org_session(read_org.info.instance_url, read_org.info.ca_cert)
    missing = session.get(read_org.info.instance_url + "/services/data/v59.0/sobjects")
    assert missing.status_code == 401
    assert missing.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_oauth_prefix_is_accepted_too(read_org):
    response = raw_get(
        read_org,
        "/services/data/v59.0/sobjects",
        headers={"Authorization": f"OAuth {read_org.info.access_token}"},
    )
    assert response.status_code == 200


def test_routing_only_rewrites_salesforce_hosts():
    assert is_salesforce_host("login.salesforce.com")
    assert is_salesforce_host("rapport-local.my.salesforce.com")
    assert not is_salesforce_host("salesforce.com.example.org")
    assert not is_salesforce_host("127.0.0.1")


# --------------------------------------------------------------------------- query


def test_query_all_pages_through_more_than_two_thousand_records(read_org):
    sf = direct(read_org)
    read_org.request_log.clear()
    result = sf.query_all("SELECT Id, Name FROM Account WHERE Name LIKE 'Paged%' ORDER BY Name")
    assert result["totalSize"] == PAGED_ACCOUNTS
    names = [r["Name"] for r in result["records"]]
    assert names == [f"Paged {n:05d}" for n in range(PAGED_ACCOUNTS)]
    assert len({r["Id"] for r in result["records"]}) == PAGED_ACCOUNTS
    query_calls = read_org.request_log.count("GET", "/query")
    assert query_calls == 3  # 2,000 + 2,000 + 500


def test_query_all_iter_streams_the_same_records(read_org):
    sf = direct(read_org)
    streamed = list(sf.query_all_iter("SELECT Id FROM Account"))
    assert len(streamed) == PAGED_ACCOUNTS + 4  # the sample accounts, less the deleted one
    assert streamed[0]["attributes"]["type"] == "Account"


def test_first_page_shape_and_next_records_url(read_org):
    body = raw_get(
        read_org, "/services/data/v59.0/query", params={"q": "SELECT Id FROM Account"}
    ).json()
    assert list(body) == ["totalSize", "done", "nextRecordsUrl", "records"]
    assert body["done"] is False
    assert len(body["records"]) == 2000
    locator, offset = body["nextRecordsUrl"].rsplit("-", 1)
    assert locator.startswith("/services/data/v59.0/query/01g")
    assert offset == "2000"
    second = raw_get(read_org, body["nextRecordsUrl"]).json()
    assert second["nextRecordsUrl"].endswith("-4000")
    assert not {r["Id"] for r in second["records"]} & {r["Id"] for r in body["records"]}
    last = raw_get(read_org, second["nextRecordsUrl"]).json()
    assert last["done"] is True and "nextRecordsUrl" not in last
    assert len(last["records"]) == PAGED_ACCOUNTS + 4 - 4000


def test_batch_size_header_is_honoured(read_org):
    body = raw_get(
        read_org,
        "/services/data/v59.0/query",
        params={"q": "SELECT Id FROM Account"},
        headers={"Sforce-Query-Options": "batchSize=500"},
    ).json()
    assert len(body["records"]) == 500


def test_an_unknown_query_locator_is_refused(read_org):
    response = raw_get(read_org, "/services/data/v59.0/query/01gLO0000000999AAA-2000")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_values_are_formatted_as_salesforce_does(read_org):
    sf = direct(read_org)
    [opp] = sf.query(
        "SELECT Id, Name, Amount, Probability, CloseDate, IsWon, CreatedDate, AccountId "
        f"FROM Opportunity WHERE Id = '{opportunity_id(1)}'"
    )["records"]
    assert opp["attributes"] == {
        "type": "Opportunity",
        "url": f"/services/data/v59.0/sobjects/Opportunity/{opportunity_id(1)}",
    }
    assert opp["Amount"] == 125_000.5
    assert opp["Probability"] == 100.0
    assert opp["CloseDate"] == "2025-03-01"
    assert opp["IsWon"] is True
    assert opp["AccountId"] == account_id(1)
    [acme] = sf.query(
        "SELECT CreatedDate, NumberOfEmployees, Type, BillingAddress FROM Account "
        "WHERE Name = 'Acme'"
    )["records"]
    assert acme["CreatedDate"] == "2025-03-01T09:30:00.000+0000"
    assert acme["NumberOfEmployees"] == 120 and isinstance(acme["NumberOfEmployees"], int)
    assert acme["BillingAddress"]["city"] == "Paris"
    [globex] = sf.query("SELECT Industry FROM Account WHERE Name = 'globex'")["records"]
    assert globex["Industry"] is None


def test_count_query_shape(read_org):
    body = direct(read_org).query("SELECT COUNT() FROM Account WHERE Industry = 'Banking'")
    assert body == {"totalSize": 1, "done": True, "records": []}


def test_query_all_includes_deleted_records(read_org):
    sf = direct(read_org)
    soql = "SELECT Name, IsDeleted FROM Account WHERE Industry = 'Banking'"
    assert [r["Name"] for r in sf.query(soql)["records"]] == ["Acme"]
    everything = sf.query_all(soql, include_deleted=True)["records"]
    assert {(r["Name"], r["IsDeleted"]) for r in everything} == {
        ("Acme", False),
        ("Deleted Ltd", True),
    }


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FRM Account", "MALFORMED_QUERY"),
        ("SELECT Bogus FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Bogus", "INVALID_TYPE"),
    ],
)
def test_query_errors_come_back_as_salesforce_errors(read_org, soql, code):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        direct(read_org).query(soql)
    assert caught.value.status == 400
    [error] = caught.value.content
    assert error["errorCode"] == code
    assert "ERROR at Row:1" in error["message"]


def test_any_api_version_is_accepted(read_org):
    path = "/services/data/v45.0/query"
    assert (
        raw_get(read_org, path, params={"q": "SELECT COUNT() FROM User"}).json()["totalSize"] == 1
    )
    assert raw_get(read_org, "/services/data/vX/sobjects").status_code == 404


# --------------------------------------------------------------------------- describe


def test_versions_need_no_session(read_org):
    session = local_org_session(read_org.info.instance_url, read_org.info.ca_cert)
    versions = session.get(read_org.info.instance_url + "/services/data/").json()
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions
    assert [v["version"] for v in versions][-1] == "62.0"


def test_describe_global_shape(read_org):
    body = direct(read_org).describe()
    assert body["encoding"] == "UTF-8"
    assert body["maxBatchSize"] == 200
    by_name = {s["name"]: s for s in body["sobjects"]}
    assert set(by_name) == set(standard_objects())
    account_entry = by_name["Account"]
    assert account_entry["keyPrefix"] == "001"
    assert account_entry["queryable"] is True
    assert account_entry["custom"] is False
    assert account_entry["urls"]["describe"] == "/services/data/v59.0/sobjects/Account/describe"
    assert by_name["Survey_Response__c"]["custom"] is True
    assert by_name["User"]["deletable"] is False


def test_describe_object_shape(read_org):
    described = direct(read_org).Account.describe()
    assert described["name"] == "Account"
    assert described["keyPrefix"] == "001"
    assert described["queryable"] is True and described["updateable"] is True
    assert described["urls"]["sobject"] == "/services/data/v59.0/sobjects/Account"
    fields = {f["name"]: f for f in described["fields"]}
    assert list(fields)[:2] == ["Id", "IsDeleted"]
    industry = fields["Industry"]
    assert industry["type"] == "picklist"
    assert industry["soapType"] == "xsd:string"
    assert industry["picklistValues"][0] == {
        "active": True,
        "defaultValue": False,
        "label": "Agriculture",
        "validFor": None,
        "value": "Agriculture",
    }
    assert fields["BillingCity"]["compoundFieldName"] == "BillingAddress"
    assert fields["BillingAddress"]["type"] == "address"
    assert fields["OwnerId"]["referenceTo"] == ["User"]
    assert fields["OwnerId"]["relationshipName"] == "Owner"
    assert fields["Name"]["length"] == 255 and fields["Name"]["nillable"] is False
    assert fields["Name"]["nameField"] is True
    assert fields["Id"]["updateable"] is False and fields["Id"]["type"] == "id"
    assert fields["CreatedDate"]["soapType"] == "xsd:dateTime"
    assert fields["Relationship_Strength__c"]["custom"] is True
    assert fields["Relationship_Strength__c"]["precision"] == 5
    assert fields["Relationship_Strength__c"]["scale"] == 2
    children = {(c["childSObject"], c["field"]): c for c in described["childRelationships"]}
    assert children[("Contact", "AccountId")]["relationshipName"] == "Contacts"
    assert (
        children[("Survey_Response__c", "Account__c")]["relationshipName"] == "Survey_Responses__r"
    )


def test_contact_name_parts_point_at_name(read_org):
    fields = {f["name"]: f for f in direct(read_org).Contact.describe()["fields"]}
    assert fields["FirstName"]["compoundFieldName"] == "Name"
    assert fields["AccountId"]["relationshipName"] == "Account"


def test_describe_of_an_unknown_object_is_not_found(read_org):
    with pytest.raises(SalesforceResourceNotFound) as caught:
        direct(read_org).Nothing__c.describe()
    assert caught.value.content == [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
    ]


def test_a_new_field_shows_in_describe_and_queries(write_org):
    write_org.store.add_field(
        "Account", FieldSpec(name="Health__c", type="double", label="Health", precision=3)
    )
    sf = direct(write_org)
    assert "Health__c" in {f["name"] for f in sf.Account.describe()["fields"]}
    sf.Account.update(account_id(1), {"Health__c": 42})
    assert (
        sf.query("SELECT Health__c FROM Account WHERE Id = '" + account_id(1) + "'")["records"][0][
            "Health__c"
        ]
        == 42.0
    )


# --------------------------------------------------------------------------- writes


def test_composite_partial_failure_saves_the_valid_records(write_org):
    sf = direct(write_org)
    write_org.request_log.clear()
    results = composite(
        sf,
        [
            account(account_id(1), Relationship_Type__c="Married", Relationship_Strength__c=88.5),
            account(account_id(2), Relationship_Type__c="Situationship"),
            account(account_id(3)[:15], Relationship_Type__c="Dating"),
        ],
        all_or_none=False,
    )
    assert [r["success"] for r in results] == [True, False, True]
    assert results[0] == {"id": account_id(1), "success": True, "errors": []}
    assert results[2]["id"] == account_id(3)  # 15-character Ids come back as 18
    assert results[1]["errors"] == [
        {
            "statusCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "message": "Relationship Type: bad value for restricted picklist field: Situationship",
            "fields": ["Relationship_Type__c"],
        }
    ]
    saved = sf.query(
        "SELECT Id, Relationship_Type__c, Relationship_Strength__c FROM Account "
        "WHERE Relationship_Type__c != null ORDER BY Name"
    )["records"]
    assert [(r["Id"], r["Relationship_Type__c"]) for r in saved] == [
        (account_id(1), "Married"),
        (account_id(3), "Dating"),
    ]
    assert saved[0]["Relationship_Strength__c"] == 88.5
    assert write_org.request_log.count("PATCH", "/composite/sobjects") == 1


def test_composite_all_or_none_rolls_everything_back(write_org):
    sf = direct(write_org)
    results = composite(
        sf,
        [
            account(account_id(1), Relationship_Type__c="Married"),
            account(account_id(2), Relationship_Strength__c=1_000.0),  # precision 5, scale 2
            account(account_id(3), Relationship_Type__c="Dating"),
        ],
        all_or_none=True,
    )
    assert [r["success"] for r in results] == [False, False, False]
    codes = [r["errors"][0]["statusCode"] for r in results]
    assert codes == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "NUMBER_OUTSIDE_VALID_RANGE",
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    ]
    untouched = sf.query("SELECT COUNT() FROM Account WHERE Relationship_Type__c != null")
    assert untouched["totalSize"] == 0


def test_composite_all_or_none_saves_when_everything_is_valid(write_org):
    sf = direct(write_org)
    before = sf.Account.get(account_id(1))["SystemModstamp"]
    results = composite(
        sf,
        [
            account(account_id(1), Relationship_Strength__c=12.345),
            account(account_id(2), Name="Renamed"),
        ],
        all_or_none=True,
    )
    assert all(r["success"] for r in results)
    acme = sf.Account.get(account_id(1))
    assert acme["Relationship_Strength__c"] == 12.35  # rounded to the field's scale
    assert acme["SystemModstamp"] > before
    assert acme["LastModifiedDate"] == acme["SystemModstamp"]
    assert sf.Account.get(account_id(2))["Name"] == "Renamed"


@pytest.mark.parametrize(
    ("record", "status_code", "fields"),
    [
        (account(account_id(1), Bogus__c=1), "INVALID_FIELD", ["Bogus__c"]),
        (
            account(account_id(1), CreatedDate="2025-01-01T00:00:00Z"),
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            ["CreatedDate"],
        ),
        (
            account(account_id(1), BillingAddress={"city": "Rome"}),
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            ["BillingAddress"],
        ),
        (account(account_id(1), Name="x" * 256), "STRING_TOO_LONG", ["Name"]),
        (account(account_id(1), Name=None), "REQUIRED_FIELD_MISSING", ["Name"]),
        (
            account(account_id(1), NumberOfEmployees="many"),
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
            ["NumberOfEmployees"],
        ),
        (
            account(account_id(1), NumberOfEmployees=2**40),
            "NUMBER_OUTSIDE_VALID_RANGE",
            ["NumberOfEmployees"],
        ),
        (account(account_id(1), OwnerId="nope"), "MALFORMED_ID", ["OwnerId"]),
        (account(account_id(5), Name="Back"), "ENTITY_IS_DELETED", ["Id"]),
        (account(account_id(999)), "INVALID_CROSS_REFERENCE_KEY", ["Id"]),
        (account(contact_id(1)), "MALFORMED_ID", ["Id"]),
        (account("not-an-id"), "MALFORMED_ID", ["Id"]),
        ({"attributes": {"type": "Account"}, "Name": "No id"}, "MISSING_ARGUMENT", ["Id"]),
        ({"id": account_id(1), "Name": "No type"}, "INVALID_TYPE", []),
        ({"attributes": {"type": "Nothing__c"}, "id": account_id(1)}, "INVALID_TYPE", []),
    ],
)
def test_composite_record_errors(read_org, record, status_code, fields):
    # Every record here fails, so the shared read-only org stays unchanged.
    [result] = composite(direct(read_org), [record], all_or_none=False)
    assert result["success"] is False
    [error] = result["errors"]
    assert error["statusCode"] == status_code
    assert error["fields"] == fields
    assert error["message"]


def test_composite_refuses_more_than_two_hundred_records(write_org):
    records = [account(account_id(1), Name="x")] * 201
    with pytest.raises(SalesforceMalformedRequest) as caught:
        composite(direct(write_org), records, all_or_none=False)
    assert caught.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    assert "cannot submit more than 200 records" in caught.value.content[0]["message"]


def test_composite_refuses_a_body_that_is_not_json(write_org):
    session = local_org_session(write_org.info.instance_url, write_org.info.ca_cert)
    response = session.patch(
        write_org.info.instance_url + "/services/data/v59.0/composite/sobjects",
        data="{not json",
        headers={"Authorization": f"Bearer {write_org.info.access_token}"},
    )
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_single_record_update_and_get(write_org):
    sf = direct(write_org)
    assert sf.Contact.update(contact_id(1), {"Title": "Rear Admiral"}) == 204
    contact = sf.Contact.get(contact_id(1))
    assert contact["Title"] == "Rear Admiral"
    assert contact["attributes"]["type"] == "Contact"
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Contact.update(contact_id(1), {"LeadSource": "Carrier pigeon"})
    assert caught.value.content[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.get(make_id("003", 999))
    assert set(sf.Contact.get(contact_id(1), params={"fields": "title,lastname"})) == {
        "attributes",
        "Title",
        "LastName",
    }


def test_the_request_log_records_every_call(write_org):
    sf = direct(write_org)
    write_org.request_log.clear()
    sf.Account.update(account_id(1), {"Name": "Acme 2"})
    sf.query("SELECT Id FROM Account")
    entries = write_org.request_log.entries()
    assert [(e.method, e.status) for e in entries] == [("PATCH", 204), ("GET", 200)]
    assert entries[0].path == f"/services/data/v59.0/sobjects/Account/{account_id(1)}"
    assert entries[0].timestamp.tzinfo is not None


# --------------------------------------------------------------------------- store


def test_store_soft_delete_and_reopen(tmp_path):
    path = tmp_path / "org.duckdb"
    store = OrgStore.create(standard_objects(), path)
    store.insert(
        "Account", [{"Id": account_id(1), "Name": "Keep"}, {"Id": account_id(2), "Name": "Bin"}]
    )
    store.add_field("Account", FieldSpec(name="Tier__c", type="string", label="Tier", length=10))
    store.delete("Account", account_id(2))
    store.close()
    reopened = OrgStore.open(path)
    assert reopened.count("Account") == 1
    assert reopened.count("Account", include_deleted=True) == 2
    assert "Tier__c" in reopened.objects["Account"].fields
    assert reopened.get("Account", account_id(2)) is None
    assert reopened.get("Account", account_id(2), include_deleted=True)["IsDeleted"] is True
    with pytest.raises(RecordError) as caught:
        reopened.update("Account", account_id(2), {"Name": "Back"})
    assert caught.value.status_code == "ENTITY_IS_DELETED"
    with pytest.raises(FileExistsError):
        OrgStore.create(standard_objects(), path)


def test_store_insert_names_the_bad_record_and_field(store):
    with pytest.raises(
        ValueError, match=rf"Account record 1 \(Id {account_id(7)}\), field CreatedDate"
    ):
        store.insert(
            "Account",
            [{"Name": "ok"}, {"Id": account_id(7), "Name": "bad", "CreatedDate": "yesterday"}],
        )
    with pytest.raises(ValueError, match="unknown field 'Colour'"):
        store.insert("Account", [{"Name": "x", "Colour": "blue"}])
    with pytest.raises(ValueError, match="no time zone"):
        store.insert("Account", [{"Name": "x", "CreatedDate": datetime(2025, 1, 1)}])
    with pytest.raises(ValueError, match="duplicate Id"):
        store.insert("Account", [{"Id": account_id(1), "Name": "again"}])


def test_store_fills_system_fields(store):
    store.insert("Account", [{"Name": "Fresh", "CreatedDate": datetime(2024, 5, 1, tzinfo=UTC)}])
    [fresh] = store.query(
        "SELECT Id, IsDeleted, CreatedDate, LastModifiedDate, SystemModstamp FROM Account "
        "WHERE Name = 'Fresh'"
    ).records()
    assert fresh["Id"].startswith("001") and len(fresh["Id"]) == 18
    assert fresh["IsDeleted"] is False
    assert fresh["LastModifiedDate"] == fresh["SystemModstamp"] == fresh["CreatedDate"]


def test_store_accepts_an_arrow_table(store):
    import pyarrow as pa

    table = pa.table(
        {
            "id": [account_id(50)[:15], account_id(51)],
            "NAME": ["Arrow one", "Arrow two"],
            "NumberOfEmployees": [1, None],
        }
    )
    assert store.insert("Account", table) == 2
    assert store.get("Account", account_id(50))["Name"] == "Arrow one"


# --------------------------------------------------------------------------- CSV seed


def test_csv_round_trip_with_upper_case_headers_and_15_character_ids(tmp_path, store):
    folder = tmp_path / "export"
    export_csv(store, folder, upper_case_headers=True, id_length=15)
    (folder / "Account.csv").rename(folder / "account.csv")  # file names match in any case
    header = (folder / "account.csv").read_text().splitlines()[0]
    assert header.startswith("ID,ISDELETED,CREATEDDATE")
    first_contact = (folder / "Contact.csv").read_text().splitlines()[1]
    assert first_contact.startswith(contact_id(1)[:15] + ",")

    loaded = load_csv_folder(folder)
    assert set(loaded.objects) == set(store.objects)
    for object_name in ("Account", "Contact", "Opportunity", "User"):
        fields = [f.name for f in store.objects[object_name].fields.values() if not f.is_compound]
        soql = f"SELECT {', '.join(fields)} FROM {object_name} ORDER BY Id"
        assert (
            loaded.query(soql, include_deleted=True).records()
            == store.query(soql, include_deleted=True).records()
        )
    [contact] = loaded.query(
        f"SELECT AccountId FROM Contact WHERE Id = '{contact_id(1)}'"
    ).records()
    assert contact["AccountId"] == account_id(1)  # reference fields come back as 18 characters


def test_csv_seed_keeps_only_what_the_folder_has(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "ACCOUNT.csv").write_text(
        "ID,NAME,INDUSTRY,BILLINGCITY,Tier__c,Churn_Risk__c,Renewal__c,Parent_Ref__c,Zip__c\n"
        f"{account_id(1)[:15]},Acme,Banking,Paris,Gold,0.25,2025-09-01,{account_id(2)[:15]},07001\n"
        f'{account_id(2)[:15]},"Comma, Inc",,,,,,,\n'
    )
    (folder / "Widget__c.csv").write_text(
        "Id,Name,Active__c,Seen_At__c\na0X5g0000000001,Sprocket,true,2025-03-01T09:30:00.000Z\n"
    )
    loaded = load_csv_folder(folder)
    assert set(loaded.objects) == {"Account", "Widget__c"}
    account_fields = loaded.objects["Account"].fields
    assert "AnnualRevenue" not in account_fields and "Type" not in account_fields
    assert "BillingAddress" in account_fields  # its component BillingCity is present
    assert {"Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp"} <= set(
        account_fields
    )
    assert account_fields["Tier__c"].type == "string"
    assert account_fields["Churn_Risk__c"].type == "double"
    assert account_fields["Renewal__c"].type == "date"
    assert account_fields["Parent_Ref__c"].reference_to == ("Account",)
    assert account_fields["Zip__c"].type == "string"  # a leading zero is kept
    widget = loaded.objects["Widget__c"]
    assert widget.key_prefix == "a0X" and widget.custom
    assert widget.fields["Active__c"].type == "boolean"
    assert widget.fields["Seen_At__c"].type == "datetime"
    [acme, comma] = loaded.query(
        "SELECT Name, Churn_Risk__c, Renewal__c, IsDeleted, CreatedDate FROM Account ORDER BY Name"
    ).records()
    assert acme["Churn_Risk__c"] == 0.25 and acme["Renewal__c"] == date(2025, 9, 1)
    assert comma["Name"] == "Comma, Inc" and comma["Churn_Risk__c"] is None
    assert acme["IsDeleted"] is False and acme["CreatedDate"] is not None

    with LocalOrg.start(loaded, state_dir=tmp_path / "state") as org:
        sf = direct(org)
        assert {s["name"] for s in sf.describe()["sobjects"]} == {"Account", "Widget__c"}
        names = {f["name"] for f in sf.Account.describe()["fields"]}
        assert "AnnualRevenue" not in names and "Churn_Risk__c" in names
        with pytest.raises(SalesforceMalformedRequest):
            sf.query("SELECT AnnualRevenue FROM Account")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "Id,Name,CreatedDate\n0015g0000000001,Acme,01/03/2025\n",
            "Account.csv line 2, field CreatedDate",
        ),
        (
            "Id,Name,NumberOfEmployees\n0015g0000000001,Acme,12\n0015g0000000002,B,lots\n",
            "line 3, field NumberOfEmployees",
        ),
        (
            "Id,Name,OwnerId\n0015g0000000001,Acme,bob\n",
            "field OwnerId: 'bob' is not a valid Salesforce Id",
        ),
        ("Name\nAcme\n", "no Id column"),
        ("Id,Name\n0015g0000000001,Acme,extra\n", "line 2: 3 values but the header has 2 columns"),
        ("Id,Name,name\n0015g0000000001,Acme,Acme\n", "column name appears twice"),
    ],
)
def test_csv_seed_errors_name_file_line_and_field(tmp_path, content, message):
    (tmp_path / "Account.csv").write_text(content)
    with pytest.raises(CsvSeedError) as caught:
        load_csv_folder(tmp_path)
    assert message in str(caught.value)


def test_export_of_generator_style_records(tmp_path):
    written = export_csv(sample_records(), tmp_path)
    assert {p.name for p in written} == {
        "User.csv",
        "Account.csv",
        "Contact.csv",
        "Opportunity.csv",
    }
    lines = (tmp_path / "Opportunity.csv").read_text().splitlines()
    assert lines[0].startswith("Id,")
    assert "2025-03-01" in lines[1] and "true" in lines[1]
    assert load_csv_folder(tmp_path).count("Opportunity") == 3


# --------------------------------------------------------------------------- server, TLS


def test_certificate_is_cached_and_names_localhost(state_dir):
    first = ensure_certificate(state_dir)
    again = ensure_certificate(state_dir)
    assert first.cert_file.read_bytes() == again.cert_file.read_bytes()
    cert = x509.load_pem_x509_certificate(first.cert_file.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert str(names.get_values_for_type(x509.IPAddress)[0]) == "127.0.0.1"
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert oct(first.key_file.stat().st_mode)[-3:] == "600"


def test_plain_requests_without_the_ca_are_refused(read_org):
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(read_org.info.instance_url + "/services/data/", timeout=5)


def test_a_chosen_port_and_clean_stop(state_dir):
    with LocalOrg.start(OrgStore.create(standard_objects()), port=0, state_dir=state_dir) as org:
        port = int(org.info.instance_url.rsplit(":", 1)[1])
    # The port is free again once the org stopped.
    with LocalOrg.start(
        OrgStore.create(standard_objects()), port=port, state_dir=state_dir
    ) as again:
        assert again.info.instance_url.endswith(f":{port}")
        assert direct(again).query("SELECT COUNT() FROM Account")["totalSize"] == 0


def test_serve_forever_prints_its_info_first(tmp_path):
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from local_org.schema import standard_objects\n"
        "from local_org.store import OrgStore\n"
        "from local_org.server import serve_forever\n"
        "serve_forever(OrgStore.create(standard_objects()), state_dir=Path(sys.argv[1]))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        assert {
            "instance_url",
            "username",
            "password",
            "security_token",
            "access_token",
            "ca_cert",
        } <= set(info)
        session = local_org_session(info["instance_url"], info["ca_cert"])
        response = session.get(
            info["instance_url"] + "/services/data/v59.0/sobjects",
            headers={"Authorization": f"Bearer {info['access_token']}"},
            timeout=10,
        )
        assert response.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


# --------------------------------------------------------------------------- API usage


def test_every_authenticated_call_is_counted_in_the_limit_header(write_org):
    sf = direct(write_org)
    sf.query("SELECT Id FROM Account")
    first = sf.api_usage["api-usage"]
    assert first.total == 100_000
    sf.Account.describe()
    sf.Account.update(account_id(1), {"Name": "Counted"})
    sf.query("SELECT Id FROM Account")
    assert sf.api_usage["api-usage"].used == first.used + 3
    limits = sf.limits()
    assert limits["DailyApiRequests"]["Max"] == 100_000
    # /limits is itself a call, and its answer includes it.
    assert limits["DailyApiRequests"]["Remaining"] == 100_000 - (first.used + 4)


def test_unauthenticated_calls_are_not_counted(write_org):
    before = write_org.state.api_usage.used
    raw_get(write_org, "/services/data/v59.0/sobjects", token="bogus")
    raw_get(write_org, "/services/data/")
    assert write_org.state.api_usage.used == before


def test_a_spent_allowance_is_refused(state_dir):
    with LocalOrg.start(build_store(), state_dir=state_dir, daily_api_requests=2) as org:
        sf = direct(org)
        sf.query("SELECT Id FROM Account")
        sf.query("SELECT Id FROM Account")
        response = raw_get(org, "/services/data/v59.0/query", params={"q": "SELECT Id FROM User"})
        assert response.status_code == 403
        assert response.json() == [
            {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
        ]
        assert response.headers["Sforce-Limit-Info"] == "api-usage=2/2"
