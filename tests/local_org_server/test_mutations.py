"""Records changing as users change them: REST create/delete, getDeleted, queryAll, new fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from local_org.schema import FieldSpec, standard_objects
from local_org.store import OrgStore, RecordError
from tests.factories import account_id, contact_id
from tests.factories.local_org import build_store, client, raw

DATA = "/services/data/v62.0"


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def test_rest_create_stamps_the_record(write_org):
    sf = client(write_org)
    created = sf.Account.create({"Name": "Initech", "Industry": "Technology"})
    assert created["success"] is True and created["errors"] == []
    record = sf.Account.get(created["id"])
    assert record["Name"] == "Initech"
    assert record["IsDeleted"] is False
    assert record["CreatedDate"] == record["SystemModstamp"] == record["LastModifiedDate"]
    assert write_org.store.count("Account") == 5


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"Industry": "Retail"}, "REQUIRED_FIELD_MISSING"),
        ({"Name": "X", "Nope__c": 1}, "INVALID_FIELD"),
        ({"Name": "X", "Industry": "Bogus"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        ({"Name": "X", "CreatedDate": "2025-01-01T00:00:00Z"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"Name": "X", "Id": account_id(99)}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ],
)
def test_rest_create_refuses_bad_records(read_org, values, code):
    before = read_org.store.count("Account")
    with pytest.raises(SalesforceMalformedRequest) as caught:
        client(read_org).Account.create(values)
    assert caught.value.content[0]["errorCode"] == code
    assert read_org.store.count("Account") == before


def test_rest_delete_keeps_the_row_with_is_deleted_and_a_new_modstamp(write_org):
    sf = client(write_org)
    before = write_org.store.get("Account", account_id(2))
    assert sf.Account.delete(account_id(2)) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.get(account_id(2))
    rows = sf.query_all(
        f"SELECT Id, IsDeleted, SystemModstamp FROM Account WHERE Id = '{account_id(2)}'",
        include_deleted=True,
    )["records"]
    assert rows[0]["IsDeleted"] is True
    stored = write_org.store.get("Account", account_id(2), include_deleted=True)
    assert stored["SystemModstamp"] > before["SystemModstamp"]
    again = raw(write_org, "DELETE", f"{DATA}/sobjects/Account/{account_id(2)}")
    assert again.status_code == 404
    assert again.json()[0]["errorCode"] == "ENTITY_IS_DELETED"
    missing = raw(write_org, "DELETE", f"{DATA}/sobjects/Account/{account_id(77)}")
    assert missing.status_code == 404


def test_query_all_finds_records_deleted_since_a_date(write_org):
    since = datetime.now(UTC) - timedelta(seconds=1)
    write_org.store.delete("Account", account_id(3))
    soql = (
        "SELECT Id FROM Account WHERE IsDeleted = true AND "
        f"SystemModstamp > {since.strftime('%Y-%m-%dT%H:%M:%SZ')}"
    )
    records = client(write_org).query_all(soql, include_deleted=True)["records"]
    assert [r["Id"] for r in records] == [account_id(3)]  # not account 5, deleted long ago


def test_get_deleted_lists_deletions_in_the_window(write_org):
    write_org.store.delete("Account", account_id(1))
    deleted_at = write_org.store.get("Account", account_id(1), include_deleted=True)[
        "SystemModstamp"
    ]
    start = datetime.now(UTC) - timedelta(minutes=5)
    end = datetime.now(UTC) + timedelta(minutes=2)
    body = client(write_org).Account.deleted(start, end)
    assert body["deletedRecords"] == [
        {
            "id": account_id(1),
            "deletedDate": deleted_at.strftime("%Y-%m-%dT%H:%M:%S.")
            + f"{deleted_at.microsecond // 1000:03d}+0000",
        }
    ]
    now_minute = datetime.now(UTC).replace(second=0, microsecond=0)
    assert body["latestDateCovered"] <= now_minute.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    assert body["earliestDateAvailable"] <= body["latestDateCovered"]
    earlier = raw(
        write_org,
        "GET",
        f"{DATA}/sobjects/Account/deleted/",
        params={"start": iso(start - timedelta(days=1)), "end": iso(start)},
    ).json()
    assert earlier["deletedRecords"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2025-03-02T00:00:00+00:00", "end": "2025-03-01T00:00:00+00:00"},
        {"start": "yesterday", "end": "2025-03-01T00:00:00+00:00"},
        {"end": "2025-03-01T00:00:00+00:00"},
    ],
)
def test_get_deleted_refuses_bad_windows(read_org, params):
    response = raw(read_org, "GET", f"{DATA}/sobjects/Account/deleted/", params=params)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] in ("INVALID_REPLICATION_DATE", "MISSING_ARGUMENT")


def test_store_mutations_as_a_user_makes_them(store):
    new_id = store.create_record("Account", {"Name": "Umbrella", "NumberOfEmployees": "40"})
    assert store.get("Account", new_id)["NumberOfEmployees"] == 40
    results = store.create_many("Account", [{"Name": "Ok"}, {"Name": "Bad", "Industry": "Nope"}])
    assert isinstance(results[0], str) and isinstance(results[1], RecordError)
    assert store.delete_many("Account", [new_id, account_id(77)])[0] is None
    store.undelete("Account", new_id)
    assert store.get("Account", new_id)["IsDeleted"] is False
    with pytest.raises(RecordError, match="UNDELETE_FAILED"):
        store.undelete("Account", new_id)


def test_delete_many_answers_each_id_as_deleting_one_by_one_would(store):
    """Deleted in one UPDATE, but each id gets the answer a lone delete would give it."""
    ids = [
        account_id(1),
        account_id(2),
        account_id(1),  # again in the same call: already in the bin
        account_id(5),  # in the bin before the call
        account_id(99),  # no such record
        "001notanid",
        contact_id(1),  # not an Account Id
    ]
    batched = store.delete_many("Account", ids)
    twin = build_store()
    one_by_one: list[str | None] = []
    for record_id in ids:
        try:
            twin.delete("Account", record_id)
            one_by_one.append(None)
        except RecordError as error:
            one_by_one.append(error.status_code)
    assert [e and e.status_code for e in batched] == one_by_one
    assert one_by_one[:2] == [None, None] and None not in one_by_one[2:]
    deleted = "SELECT Id, IsDeleted FROM Account ORDER BY Id"
    assert (
        store.query(deleted, include_deleted=True).records()
        == twin.query(deleted, include_deleted=True).records()
    )
    stamps = {store.get("Account", i, include_deleted=True)["SystemModstamp"] for i in ids[:2]}
    assert len(stamps) == 1 and stamps.pop() > datetime(2025, 6, 1, tzinfo=UTC)
    with pytest.raises(RecordError, match="INVALID_OPERATION"):
        store.delete("User", "005000000000001AAA")


def test_insert_refuses_a_taken_id_however_the_batch_is_made(tmp_path):
    """Batches above every stored Id skip the scan for taken Ids; no other batch does."""
    path = tmp_path / "org.duckdb"
    store = OrgStore.create(standard_objects(), path)
    store.insert(
        "Account", [{"Id": account_id(5), "Name": "a"}, {"Id": account_id(9), "Name": "b"}]
    )
    store.insert("Account", [{"Id": account_id(20), "Name": "above"}])
    for batch in (
        [{"Id": account_id(30), "Name": "new"}, {"Id": account_id(9), "Name": "taken"}],
        [{"Id": account_id(40), "Name": "x"}, {"Id": account_id(40), "Name": "twice"}],
    ):
        with pytest.raises(ValueError, match="duplicate Id"):
            store.insert("Account", batch)
    store.close()
    reopened = OrgStore.open(path)  # the highest Id is read from the file
    with pytest.raises(ValueError, match=f"duplicate Id {account_id(20)}"):
        reopened.insert("Account", [{"Id": account_id(20), "Name": "again"}])
    reopened.insert("Account", [{"Id": account_id(21), "Name": "next"}])
    assert reopened.count("Account") == 4


def test_a_new_checkbox_reads_false_and_a_new_text_field_null(store):
    store.add_field("Account", FieldSpec("VIP__c", "boolean", "VIP", custom=True, nillable=False))
    store.add_field("Account", FieldSpec("Nickname__c", "string", "Nickname", 40, custom=True))
    record = store.get("Account", account_id(1))
    assert record["VIP__c"] is False
    assert record["Nickname__c"] is None


def test_an_org_built_in_memory_can_be_saved_and_reopened(store, tmp_path):
    store.add_field("Account", FieldSpec("Nickname__c", "string", "Nickname", 40, custom=True))
    store.update("Account", account_id(1), {"Nickname__c": "Roadrunner"})
    target = tmp_path / "org.duckdb"
    store.save_as(target)
    reopened = OrgStore.open(target)
    assert reopened.count("Account", include_deleted=True) == 5
    assert reopened.get("Account", account_id(1))["Nickname__c"] == "Roadrunner"
    assert reopened.spec("Account").fields["Nickname__c"].length == 40
    with pytest.raises(FileExistsError):
        store.save_as(target)
