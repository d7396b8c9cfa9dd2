"""Text longer than the field's describe ``length`` is refused, as a real org refuses it.

The connector sizes what it writes back from describe; if the local org took
longer text than it advertised, a write that fails on Salesforce would pass
in every test. Each way in (REST create, REST update, Bulk ingest) must give
Salesforce's STRING_TOO_LONG in that API's error shape.
"""

from __future__ import annotations

import csv
import io
import time

from local_org.schema import FieldSpec
from local_org.server import LocalOrg
from tests.factories import account_id
from tests.factories.local_org import raw

DATA = "/services/data/v62.0"


def _describe_length(org: LocalOrg, field: str) -> int:
    described = raw(org, "GET", f"{DATA}/sobjects/Account/describe").json()
    return next(f["length"] for f in described["fields"] if f["name"] == field)


def _refused_as_too_long(response, field: str) -> None:
    assert response.status_code == 400
    [error] = response.json()
    assert error["errorCode"] == "STRING_TOO_LONG"
    assert error["fields"] == [field]
    assert f"max length={_MAX[field]}" in error["message"]


_MAX = {"Name": 255, "Nickname__c": 255}


def test_rest_create_refuses_text_over_the_described_length(write_org):
    limit = _describe_length(write_org, "Name")
    assert limit == 255
    too_long = raw(write_org, "POST", f"{DATA}/sobjects/Account", json={"Name": "x" * 256})
    _refused_as_too_long(too_long, "Name")
    just_fits = raw(write_org, "POST", f"{DATA}/sobjects/Account", json={"Name": "x" * limit})
    assert just_fits.status_code == 201


def test_rest_update_refuses_text_over_the_described_length(write_org):
    path = f"{DATA}/sobjects/Account/{account_id(1)}"
    _refused_as_too_long(raw(write_org, "PATCH", path, json={"Name": "y" * 256}), "Name")
    assert write_org.store.get("Account", account_id(1))["Name"] == "Acme"


def test_a_text_field_without_a_length_is_held_to_the_255_describe_gives(write_org):
    field = FieldSpec("Nickname__c", "string", "Nickname", custom=True)
    write_org.store.add_field("Account", field)
    assert _describe_length(write_org, "Nickname__c") == 255
    path = f"{DATA}/sobjects/Account/{account_id(1)}"
    _refused_as_too_long(
        raw(write_org, "PATCH", path, json={"Nickname__c": "z" * 256}), "Nickname__c"
    )
    created = raw(
        write_org, "POST", f"{DATA}/sobjects/Account", json={"Name": "N", "Nickname__c": "z" * 300}
    )
    _refused_as_too_long(created, "Nickname__c")
    fits = raw(write_org, "PATCH", path, json={"Nickname__c": "z" * 255})
    assert fits.status_code == 204


def _ingest(org: LocalOrg, operation: str, data: str) -> dict[str, list[dict[str, str]]]:
    created = raw(
        org, "POST", f"{DATA}/jobs/ingest", json={"object": "Account", "operation": operation}
    ).json()
    job = f"{DATA}/jobs/ingest/{created['id']}"
    raw(org, "PUT", f"{job}/batches", data=data.encode(), headers={"Content-Type": "text/csv"})
    raw(org, "PATCH", job, json={"state": "UploadComplete"})
    deadline = time.monotonic() + 10
    while raw(org, "GET", job).json()["state"] != "JobComplete":
        assert time.monotonic() < deadline, "the ingest job did not complete"
        time.sleep(0.01)
    return {
        kind: list(csv.DictReader(io.StringIO(raw(org, "GET", f"{job}/{kind}/").text)))
        for kind in ("successfulResults", "failedResults")
    }


def test_bulk_insert_and_update_refuse_text_over_the_described_length(write_org):
    inserted = _ingest(write_org, "insert", f"Name\n{'a' * 256}\nFits\n")
    assert [r["Name"] for r in inserted["successfulResults"]] == ["Fits"]
    [failed] = inserted["failedResults"]
    assert failed["sf__Error"].startswith("STRING_TOO_LONG:")
    assert failed["sf__Error"].endswith(":Name --")
    updated = _ingest(write_org, "update", f"Id,Name\n{account_id(1)},{'b' * 256}\n")
    assert updated["successfulResults"] == []
    assert updated["failedResults"][0]["sf__Error"].startswith("STRING_TOO_LONG:")
    assert write_org.store.get("Account", account_id(1))["Name"] == "Acme"
