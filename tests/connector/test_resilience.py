"""An extraction against an org that fails: 5xx, busy, locked rows, expiring sessions, slow answers."""

from __future__ import annotations

import time

import pytest

from connectors.salesforce.api.budget import ApiBudgetReached
from connectors.salesforce.api.client import SalesforceApiError
from connectors.salesforce.extract.load import open_client
from local_org.faults import FaultConfig
from tests.factories.connector import connector_store

OBJECTS = ("User", "Account", "Contact", "Opportunity", "Survey_Response__c")


def test_full_extraction_with_faults_on_every_endpoint_ends_equal_to_the_org(extraction):
    faults = FaultConfig(
        seed=11,
        server_error_rate=0.1,
        concurrent_limit_rate=0.1,
        session_expires_after_calls=25,
        include_sign_in=True,
    )
    run = extraction(connector_store(), faults=faults)
    run.configure(bulk_threshold_rows=500, bulk_page_rows=300, rest_batch_size=200)
    run.configure_salesforce(max_attempts=8)

    summary = run.run()

    assert summary.transports["Account"] == "bulk"
    assert summary.transports["Contact"] == "rest"
    run.assert_raw_equals_org(*OBJECTS)
    injected = run.org.faults.injected
    assert injected["server_error"] >= 5
    assert injected["concurrent_limit"] >= 5
    assert injected["session_expired"] >= 1
    assert run.clients[0].sign_ins >= 2


def test_session_expiring_in_the_middle_of_a_bulk_job_is_survived(extraction):
    run = extraction(connector_store(), faults=FaultConfig(session_expires_after_calls=4))
    run.configure(bulk_threshold_rows=0, bulk_page_rows=200)

    summary = run.run(objects=["Account"])

    assert summary.transports["Account"] == "bulk"
    run.assert_raw_equals_org("Account")
    log = run.org.request_log.entries()
    assert sum(1 for e in log if e.method == "POST" and e.path.endswith("/jobs/query")) == 1
    results = [e for e in log if e.path.endswith("/results")]
    expired = [i for i, e in enumerate(results) if e.status == 401]
    assert expired, "no session expired while pages were being read"
    for index in expired:
        # Signed in again and asked for the very same page.
        retry = results[index + 1]
        assert retry.status == 200 and retry.query == results[index].query
    assert run.clients[0].sign_ins >= 3


def test_daily_limit_spent_by_someone_else_stops_without_retrying(extraction):
    run = extraction(connector_store(accounts=20), daily_api_requests=12)
    run.configure(api_budget_share=1.0)
    client = open_client(run.settings)
    client.limits()
    assert client.budget.used == 1
    other_integration = run.org.session()
    headers = {"Authorization": f"Bearer {run.org.info.access_token}"}
    for _ in range(11):  # another integration spends the rest of the day's requests
        other_integration.get(
            f"{run.org.info.instance_url}/services/data/v59.0/limits", headers=headers
        )
    run.org.request_log.clear()

    with pytest.raises(ApiBudgetReached, match="daily API request limit is spent"):
        client.describe("Account")

    assert [e.status for e in run.org.request_log.entries()] == [403]
    assert client.budget.reached


def test_slow_org_ends_in_a_timeout_error_not_a_hang(extraction):
    run = extraction(connector_store(accounts=5), faults=FaultConfig(latency_ms=1500))
    run.configure_salesforce(timeout_seconds=0.3, max_attempts=2)

    started = time.monotonic()
    with pytest.raises(SalesforceApiError, match="Timeout"):
        run.run(objects=["Account"])
    assert time.monotonic() - started < 20
