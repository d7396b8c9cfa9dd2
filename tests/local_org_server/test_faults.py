"""Fault injection: the org fails the way a busy Salesforce org fails, reproducibly."""

from __future__ import annotations

import time

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceExpiredSession

from connectors.salesforce.api.local_routing import local_org_session
from local_org.faults import FaultConfig, FaultInjector
from tests.factories import account_id
from tests.factories.local_org import client, fresh_org, raw

DATA = "/services/data/v62.0"


def statuses(org, calls: int) -> list[int]:
    return [raw(org, "GET", f"{DATA}/limits").status_code for _ in range(calls)]


def soap_sign_in(org) -> Salesforce:
    info = org.info
    return Salesforce(
        username=info.username,
        password=info.password,
        security_token=info.security_token,
        session=local_org_session(info.instance_url, info.ca_cert),
    )


def composite(org, records: list[dict], all_or_none: bool = False):
    body = {"allOrNone": all_or_none, "records": records}
    return raw(org, "PATCH", f"{DATA}/composite/sobjects", json=body)


def named(n: int, name: str) -> dict:
    return {"attributes": {"type": "Account"}, "id": account_id(n), "Name": name}


def test_server_errors_are_salesforce_shaped_and_spare_sign_in(write_org):
    write_org.faults.configure(server_error_rate=1.0)
    seen = {}
    for _ in range(12):
        response = raw(write_org, "GET", f"{DATA}/limits")
        seen[response.status_code] = response.json()[0]["errorCode"]
    assert seen == {500: "UNKNOWN_EXCEPTION", 503: "SERVER_UNAVAILABLE"}
    assert soap_sign_in(write_org).session_id  # sign-in is not a data endpoint
    assert raw(write_org, "GET", "/services/data").status_code == 200  # needs no session
    write_org.faults.configure(include_sign_in=True)
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        soap_sign_in(write_org)
    assert caught.value.code in ("UNKNOWN_EXCEPTION", "SERVER_UNAVAILABLE")  # a SOAP fault


def test_the_same_seed_gives_the_same_faults(write_org):
    write_org.faults.configure(seed=7, server_error_rate=0.5)
    first = statuses(write_org, 20)
    write_org.faults.configure(seed=7, server_error_rate=0.5)
    second = statuses(write_org, 20)
    assert first == second
    assert 200 in first and {500, 503} & set(first)
    write_org.faults.configure(seed=8, server_error_rate=0.5)
    assert statuses(write_org, 20) != first


def test_concurrent_limit_is_told_apart_from_the_daily_limit(state_dir):
    with fresh_org(state_dir, faults=FaultConfig(concurrent_limit_rate=1.0)) as org:
        response = raw(org, "GET", f"{DATA}/limits")
        assert response.status_code == 403
        error = response.json()[0]
        assert error["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
        assert "ConcurrentPerOrgLongTxn" in error["message"]
        assert "TotalRequests" not in error["message"]
        assert org.faults.injected["concurrent_limit"] == 1
    with fresh_org(state_dir, daily_api_requests=1) as org:
        assert raw(org, "GET", f"{DATA}/limits").json()["DailyApiRequests"] == {
            "Max": 1,
            "Remaining": 0,
        }
        spent = raw(org, "GET", f"{DATA}/limits")
        assert spent.status_code == 403
        assert spent.json()[0] == {
            "message": "TotalRequests Limit exceeded.",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
        }


def test_sessions_expire_after_n_calls_and_a_new_sign_in_works(write_org):
    write_org.faults.configure(session_expires_after_calls=3)
    sf = client(write_org)
    for _ in range(3):
        sf.query("SELECT COUNT() FROM Account")
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT COUNT() FROM Account")
    with pytest.raises(SalesforceExpiredSession):  # and it stays expired
        sf.query("SELECT COUNT() FROM Account")
    fresh = soap_sign_in(write_org)
    assert fresh.session_id != sf.session_id
    assert fresh.query("SELECT COUNT() FROM Account")["totalSize"] == 4


def test_locked_rows_fail_per_record_in_composite(write_org):
    write_org.faults.configure(seed=3, lock_row_rate=0.5)
    results = composite(write_org, [named(n, f"Renamed {n}") for n in (1, 2, 3, 4)]).json()
    locked = [r for r in results if not r["success"]]
    saved = [r for r in results if r["success"]]
    assert locked and saved
    assert {r["errors"][0]["statusCode"] for r in locked} == {"UNABLE_TO_LOCK_ROW"}
    for result in results:
        name = write_org.store.get("Account", result["id"])["Name"]
        assert name.startswith("Renamed") == result["success"]


def test_single_record_writes_can_be_locked(write_org):
    write_org.faults.configure(lock_row_rate=1.0)
    path = f"{DATA}/sobjects/Account"
    for method, url, body in [
        ("PATCH", f"{path}/{account_id(1)}", {"Name": "B"}),
        ("POST", path, {"Name": "New"}),
        ("DELETE", f"{path}/{account_id(1)}", None),
    ]:
        response = raw(write_org, method, url, json=body)
        assert (response.status_code, response.json()[0]["errorCode"]) == (
            400,
            "UNABLE_TO_LOCK_ROW",
        )
    assert write_org.store.get("Account", account_id(1))["Name"] == "Acme"
    assert write_org.store.count("Account") == 4


def test_a_locked_row_rolls_back_an_all_or_none_request(write_org):
    write_org.faults.configure(lock_row_rate=1.0)
    results = composite(write_org, [named(1, "A"), named(2, "B")], all_or_none=True).json()
    assert [r["errors"][0]["statusCode"] for r in results] == ["UNABLE_TO_LOCK_ROW"] * 2
    assert write_org.store.get("Account", account_id(1))["Name"] == "Acme"


def test_whole_request_locks_refuse_writes_but_not_reads(write_org):
    write_org.faults.configure(lock_row_rate=1.0, lock_whole_request=True)
    response = composite(write_org, [named(1, "A")])
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"
    single = raw(write_org, "PATCH", f"{DATA}/sobjects/Account/{account_id(1)}", json={"Name": "B"})
    assert single.json()[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"
    assert raw(write_org, "GET", f"{DATA}/limits").status_code == 200
    job = {"operation": "query", "query": "SELECT Id FROM Account"}
    assert raw(write_org, "POST", f"{DATA}/jobs/query", json=job).status_code == 200
    assert write_org.store.get("Account", account_id(1))["Name"] == "Acme"


def test_locked_rows_fail_in_bulk_ingest_too(write_org):
    write_org.faults.configure(lock_row_rate=1.0)
    sf = client(write_org)
    outcome = sf.bulk2.Account.update(records=[{"Id": account_id(1), "Name": "X"}], wait=0)
    assert outcome[0]["numberRecordsFailed"] == 1
    failed = sf.bulk2.Account.get_failed_records(outcome[0]["job_id"])
    assert "UNABLE_TO_LOCK_ROW:" in failed
    assert write_org.store.get("Account", account_id(1))["Name"] == "Acme"


def test_faults_reach_bulk_endpoints(write_org):
    write_org.faults.configure(server_error_rate=1.0)
    response = raw(
        write_org,
        "POST",
        f"{DATA}/jobs/query",
        json={"operation": "query", "query": "SELECT Id FROM Account"},
    )
    assert response.status_code in (500, 503)
    assert write_org.state.bulk_jobs.all(object) == []


def test_added_latency(write_org):
    started = time.perf_counter()
    raw(write_org, "GET", f"{DATA}/limits")
    baseline = time.perf_counter() - started
    write_org.faults.configure(latency_ms=300)
    started = time.perf_counter()
    assert raw(write_org, "GET", f"{DATA}/limits").status_code == 200
    assert time.perf_counter() - started >= 0.3
    assert baseline < 5  # the fixture itself was not what made the call slow


def test_fault_config_is_checked():
    with pytest.raises(ValueError, match="server_error_rate"):
        FaultConfig(server_error_rate=1.5)
    with pytest.raises(ValueError, match="session_expires_after_calls"):
        FaultInjector().configure(session_expires_after_calls=0)
