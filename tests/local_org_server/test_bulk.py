"""Bulk API 2.0 against the local org, through simple-salesforce's bulk2 client and raw HTTP."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
from simple_salesforce.exceptions import SalesforceOperationError

from local_org.server import LocalOrg
from tests.factories import account_id, contact_id, opportunity_id
from tests.factories.local_org import PAGED_ACCOUNTS, client, raw

JOBS = "/services/data/v62.0/jobs"


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def wait_until_done(org: LocalOrg, kind: str, job_id: str) -> dict:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        info = raw(org, "GET", f"{JOBS}/{kind}/{job_id}").json()
        if info["state"] in ("JobComplete", "Failed", "Aborted"):
            return info
        time.sleep(0.01)
    raise AssertionError(f"job {job_id} did not finish: {info}")


def query_job(org: LocalOrg, soql: str, operation: str = "query") -> dict:
    response = raw(org, "POST", f"{JOBS}/query", json={"operation": operation, "query": soql})
    assert response.status_code == 200, response.text
    return wait_until_done(org, "query", response.json()["id"])


# --------------------------------------------------------------------------- query jobs


def test_simple_salesforce_bulk2_query_pages_through_every_record(read_org):
    sf = client(read_org)
    pages = list(sf.bulk2.Account.query("SELECT Id, Name FROM Account", max_records=2_000, wait=0))
    records = [record for page in pages for record in rows(page)]
    assert len(pages) == 3  # 4,504 live accounts in pages of 2,000
    assert len(records) == PAGED_ACCOUNTS + 4
    assert len({r["Id"] for r in records}) == len(records)
    assert "Deleted Ltd" not in {r["Name"] for r in records}


def test_bulk2_download_writes_one_file_per_page(read_org, tmp_path: Path):
    sf = client(read_org)
    results = sf.bulk2.Account.download(
        "SELECT Id FROM Account", path=str(tmp_path), max_records=3_000, wait=0
    )
    assert [r["number_of_records"] for r in results] == [3_000, PAGED_ACCOUNTS + 4 - 3_000]
    total = sum(len(rows(Path(r["file"]).read_text())) for r in results)
    assert total == PAGED_ACCOUNTS + 4


def test_query_job_info_shapes(read_org):
    created = raw(
        read_org,
        "POST",
        f"{JOBS}/query",
        json={"operation": "query", "query": "SELECT Id FROM Contact"},
    )
    body = created.json()
    assert body["id"].startswith("750")
    assert body["state"] in ("UploadComplete", "InProgress", "JobComplete")
    assert body["operation"] == "query"
    assert body["object"] == "Contact"
    assert body["contentType"] == "CSV"
    assert body["lineEnding"] == "LF"
    assert body["columnDelimiter"] == "COMMA"
    done = wait_until_done(read_org, "query", body["id"])
    assert done["state"] == "JobComplete"
    assert done["jobType"] == "V2Query"
    assert done["numberRecordsProcessed"] == 2
    listed = raw(read_org, "GET", f"{JOBS}/query").json()
    assert body["id"] in {job["id"] for job in listed["records"]}


def test_results_headers_and_locators(read_org):
    job = query_job(read_org, "SELECT Id FROM Account ORDER BY Id")
    results = f"{JOBS}/query/{job['id']}/results"
    first = raw(read_org, "GET", results, params={"maxRecords": 4_000})
    assert first.headers["Sforce-NumberOfRecords"] == "4000"
    assert first.headers["Sforce-Locator"] not in ("", "null")
    assert first.headers["Content-Type"].startswith("text/csv")
    last = raw(
        read_org,
        "GET",
        results,
        params={"maxRecords": 4_000, "locator": first.headers["Sforce-Locator"]},
    )
    assert last.headers["Sforce-NumberOfRecords"] == str(PAGED_ACCOUNTS + 4 - 4_000)
    assert last.headers["Sforce-Locator"] == "null"
    ids = [r["Id"] for r in rows(first.text) + rows(last.text)]
    assert ids == sorted(ids) and len(set(ids)) == PAGED_ACCOUNTS + 4
    again = raw(read_org, "GET", results, params={"maxRecords": 4_000})
    assert again.text == first.text  # a locator (and the first page) can be read again


def test_csv_values_are_formatted_as_salesforce_writes_them(read_org):
    job = query_job(
        read_org,
        "SELECT Id, Name, CloseDate, IsWon, Amount, Probability FROM Opportunity ORDER BY Name",
    )
    text = raw(read_org, "GET", f"{JOBS}/query/{job['id']}/results").text
    assert text.splitlines() == [
        '"Id","Name","CloseDate","IsWon","Amount","Probability"',
        f'"{opportunity_id(3)}","Acme expansion","2025-04-15","false","40000","70"',
        f'"{opportunity_id(1)}","Acme renewal","2025-03-01","true","125000.5","100"',
        f'"{opportunity_id(2)}","O\'Brien upsell","2025-06-30","false",,"10"',
    ]
    job = query_job(read_org, f"SELECT Name, CreatedDate FROM Account WHERE Id = '{account_id(2)}'")
    text = raw(read_org, "GET", f"{JOBS}/query/{job['id']}/results").text
    assert text.splitlines()[1] == '"O\'Brien & Sons","2025-03-02T08:00:00.000Z"'


def test_quotes_commas_and_newlines_survive_a_round_trip(write_org):
    tricky = 'Say "hi", then\nleave'
    write_org.store.update("Account", account_id(1), {"Name": tricky})
    job = query_job(write_org, f"SELECT Name FROM Account WHERE Id = '{account_id(1)}'")
    text = raw(write_org, "GET", f"{JOBS}/query/{job['id']}/results").text
    assert rows(text) == [{"Name": tricky}]


def test_query_all_job_includes_deleted_records(read_org):
    job = query_job(
        read_org, "SELECT Id, IsDeleted FROM Account WHERE IsDeleted = true", "queryAll"
    )
    text = raw(read_org, "GET", f"{JOBS}/query/{job['id']}/results").text
    assert rows(text) == [{"Id": account_id(5), "IsDeleted": "true"}]


def test_the_result_is_a_snapshot(write_org):
    job = query_job(write_org, f"SELECT Name FROM Account WHERE Id = '{account_id(1)}'")
    write_org.store.update("Account", account_id(1), {"Name": "Renamed"})
    text = raw(write_org, "GET", f"{JOBS}/query/{job['id']}/results").text
    assert rows(text) == [{"Name": "Acme"}]


def test_crlf_and_pipe_settings_are_honoured(read_org):
    created = raw(
        read_org,
        "POST",
        f"{JOBS}/query",
        json={
            "operation": "query",
            "query": "SELECT Id, Name FROM Contact ORDER BY LastName",
            "lineEnding": "CRLF",
            "columnDelimiter": "PIPE",
        },
    ).json()
    wait_until_done(read_org, "query", created["id"])
    content = raw(read_org, "GET", f"{JOBS}/query/{created['id']}/results").content
    assert content.startswith(b'"Id"|"Name"\r\n')
    assert content.count(b"\r\n") == 3


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"operation": "query", "query": "SELECT Nope FROM Account"}, "INVALID_FIELD"),
        ({"operation": "query", "query": "SELECT Id FROM Nope"}, "INVALID_TYPE"),
        ({"operation": "query", "query": "SELECT COUNT() FROM Account"}, "API_ERROR"),
        ({"operation": "query", "query": "SELECT BillingAddress FROM Account"}, "API_ERROR"),
        ({"operation": "insert", "query": "SELECT Id FROM Account"}, "INVALIDJOB"),
        ({"operation": "query"}, "INVALIDJOB"),
        (
            {"operation": "query", "query": "SELECT Id FROM Account", "lineEnding": "CR"},
            "INVALIDJOB",
        ),
    ],
)
def test_bad_query_jobs_are_refused_at_once(read_org, body, code):
    response = raw(read_org, "POST", f"{JOBS}/query", json=body)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code


def test_bad_locators_and_page_sizes_are_refused(read_org):
    job = query_job(read_org, "SELECT Id FROM Contact")
    results = f"{JOBS}/query/{job['id']}/results"
    assert raw(read_org, "GET", results, params={"locator": "!!"}).status_code == 400
    assert raw(read_org, "GET", results, params={"maxRecords": "0"}).status_code == 400
    assert raw(read_org, "GET", f"{JOBS}/query/750LO0000000999AAA/results").status_code == 404


def test_a_finished_job_cannot_be_aborted_but_can_be_deleted(read_org):
    job = query_job(read_org, "SELECT Id FROM Contact")
    path = f"{JOBS}/query/{job['id']}"
    aborted = raw(read_org, "PATCH", path, json={"state": "Aborted"})
    assert aborted.status_code == 400
    assert aborted.json()[0]["errorCode"] == "INVALIDJOBSTATE"
    assert raw(read_org, "DELETE", path).status_code == 204
    assert raw(read_org, "GET", path).status_code == 404


def test_an_unfinished_job_refuses_results_and_can_be_aborted(write_org):
    jobs = write_org.state.bulk_jobs
    jobs.pause()
    try:
        created = raw(
            write_org,
            "POST",
            f"{JOBS}/query",
            json={"operation": "query", "query": "SELECT Id FROM Account"},
        ).json()
        path = f"{JOBS}/query/{created['id']}"
        assert raw(write_org, "GET", path).json()["state"] == "UploadComplete"
        response = raw(write_org, "GET", f"{path}/results")
        assert response.status_code == 412
        assert response.json()[0]["errorCode"] == "JOB_NOT_COMPLETE"
        aborted = raw(write_org, "PATCH", path, json={"state": "Aborted"})
        assert aborted.json()["state"] == "Aborted"
    finally:
        jobs.resume()
    assert wait_until_done(write_org, "query", created["id"])["state"] == "Aborted"


# --------------------------------------------------------------------------- ingest jobs


def test_bulk2_update_reports_success_and_failure_per_record(write_org):
    sf = client(write_org)
    before = write_org.store.get("Account", account_id(1))
    outcome = sf.bulk2.Account.update(
        records=[
            {"Id": account_id(1), "Relationship_Type__c": "Married"},
            {"Id": account_id(2), "Relationship_Type__c": "Bogus"},
        ],
        wait=0,
    )
    assert outcome[0]["numberRecordsProcessed"] == 2
    assert outcome[0]["numberRecordsFailed"] == 1
    job_id = outcome[0]["job_id"]
    failed = rows(sf.bulk2.Account.get_failed_records(job_id))
    assert failed == [
        {
            "sf__Id": account_id(2),
            "sf__Error": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Relationship Type: bad value "
            "for restricted picklist field: Bogus:Relationship_Type__c --",
            "Id": account_id(2),
            "Relationship_Type__c": "Bogus",
        }
    ]
    succeeded = rows(sf.bulk2.Account.get_successful_records(job_id))
    assert [(r["sf__Id"], r["sf__Created"]) for r in succeeded] == [(account_id(1), "false")]
    after = write_org.store.get("Account", account_id(1))
    assert after["Relationship_Type__c"] == "Married"
    assert after["SystemModstamp"] > before["SystemModstamp"]
    assert write_org.store.get("Account", account_id(2))["Relationship_Type__c"] is None


def test_empty_values_are_left_alone_and_na_clears(write_org, tmp_path: Path):
    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text(f"Id,Industry,NumberOfEmployees\n{account_id(1)},,#N/A\n")
    outcome = client(write_org).bulk2.Account.update(csv_file=str(csv_file), wait=0)
    assert outcome[0]["numberRecordsFailed"] == 0
    record = write_org.store.get("Account", account_id(1))
    assert record["Industry"] == "Banking"  # empty: unchanged
    assert record["NumberOfEmployees"] is None  # #N/A: cleared


def test_bulk2_insert_creates_records_and_reports_new_ids(write_org):
    sf = client(write_org)
    outcome = sf.bulk2.Account.insert(
        records=[{"Name": "Initech", "Industry": "Technology"}, {"Industry": "Retail"}], wait=0
    )
    assert outcome[0]["numberRecordsFailed"] == 1
    job_id = outcome[0]["job_id"]
    created = rows(sf.bulk2.Account.get_successful_records(job_id))
    assert created[0]["sf__Created"] == "true"
    stored = write_org.store.get("Account", created[0]["sf__Id"])
    assert stored["Name"] == "Initech"
    assert stored["CreatedDate"] == stored["SystemModstamp"]
    failed = rows(sf.bulk2.Account.get_failed_records(job_id))
    assert failed[0]["sf__Error"].startswith("REQUIRED_FIELD_MISSING:")


def test_bulk2_delete_and_upsert(write_org):
    sf = client(write_org)
    sf.bulk2.Contact.delete(records=[{"Id": contact_id(2)}], wait=0)
    assert write_org.store.get("Contact", contact_id(2)) is None
    assert write_org.store.get("Contact", contact_id(2), include_deleted=True)["IsDeleted"]
    outcome = sf.bulk2.Contact.upsert(
        records=[
            {"Id": contact_id(1), "LastName": "Hopper-Murray"},
            {"Id": "", "LastName": "Lovelace"},
        ],
        external_id_field="Id",
        wait=0,
    )
    assert outcome[0]["numberRecordsFailed"] == 0
    results = rows(sf.bulk2.Contact.get_successful_records(outcome[0]["job_id"]))
    assert sorted(r["sf__Created"] for r in results) == ["false", "true"]
    assert write_org.store.get("Contact", contact_id(1))["LastName"] == "Hopper-Murray"
    assert write_org.store.count("Contact") == 2


def test_an_unknown_column_fails_the_job(write_org):
    sf = client(write_org)
    with pytest.raises(SalesforceOperationError, match="Field name not found : Nope"):
        sf.bulk2.Account.update(records=[{"Id": account_id(1), "Nope": "x"}], wait=0)
    assert write_org.store.get("Account", account_id(1))["Name"] == "Acme"


def test_raw_ingest_lifecycle_and_abort(write_org):
    created = raw(
        write_org, "POST", f"{JOBS}/ingest", json={"object": "Account", "operation": "update"}
    ).json()
    assert created["state"] == "Open"
    assert created["contentUrl"] == f"services/data/v62.0/jobs/ingest/{created['id']}/batches"
    job = f"{JOBS}/ingest/{created['id']}"
    data = f"Id,Name\n{account_id(1)},Never saved\n".encode()
    upload = raw(
        write_org, "PUT", f"{job}/batches", data=data, headers={"Content-Type": "text/csv"}
    )
    assert upload.status_code == 201
    second = raw(write_org, "PUT", f"{job}/batches", data=data)
    assert second.status_code == 409
    results_early = raw(write_org, "GET", f"{job}/successfulResults/")
    assert results_early.status_code == 412
    aborted = raw(write_org, "PATCH", job, json={"state": "Aborted"})
    assert aborted.json()["state"] == "Aborted"
    unprocessed = raw(write_org, "GET", f"{job}/unprocessedrecords/").text
    assert rows(unprocessed) == [{"Id": account_id(1), "Name": "Never saved"}]
    assert write_org.store.get("Account", account_id(1))["Name"] == "Acme"


def test_lf_job_refuses_crlf_data(write_org):
    created = raw(
        write_org, "POST", f"{JOBS}/ingest", json={"object": "Account", "operation": "update"}
    ).json()
    job = f"{JOBS}/ingest/{created['id']}"
    raw(write_org, "PUT", f"{job}/batches", data=f"Id,Name\r\n{account_id(1)},X\r\n".encode())
    raw(write_org, "PATCH", job, json={"state": "UploadComplete"})
    info = wait_until_done(write_org, "ingest", created["id"])
    assert info["state"] == "Failed"
    assert "LineEnding is invalid" in info["errorMessage"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"object": "Nope", "operation": "update"}, "INVALIDJOB"),
        ({"object": "Account", "operation": "merge"}, "INVALIDJOB"),
        ({"object": "Account", "operation": "hardDelete"}, "FEATURENOTENABLED"),
        (
            {"object": "Account", "operation": "upsert", "externalIdFieldName": "Ext__c"},
            "INVALIDJOB",
        ),
        ({"object": "Account", "operation": "update", "contentType": "JSON"}, "INVALIDJOB"),
    ],
)
def test_bad_ingest_jobs_are_refused(write_org, body, code):
    response = raw(write_org, "POST", f"{JOBS}/ingest", json=body)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code
