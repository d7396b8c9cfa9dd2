"""The API budget: read from every response, stop cleanly, resume on the next run without gaps."""

from __future__ import annotations

import pytest
import requests

from connectors.salesforce.api.budget import ApiBudget, ApiBudgetReached
from tests.connector.test_incremental import soql_sent
from tests.factories.connector import ACCOUNTS, connector_store


def _response(header: str | None) -> requests.Response:
    response = requests.Response()
    if header is not None:
        response.headers["Sforce-Limit-Info"] = header
    return response


def test_usage_is_read_from_the_limit_header_not_the_per_app_one():
    budget = ApiBudget(share=0.8)
    budget.observe_response(_response("api-usage=790/1000; per-app-api-usage=5/250(appName=x)"))
    assert (budget.used, budget.limit, budget.stop_at, budget.reached) == (790, 1000, 800, False)
    budget.observe_response(_response(None))  # an answer without the header changes nothing
    budget.observe_response(_response("per-app-api-usage=999/1000(appName=x)"))
    assert budget.used == 790
    budget.observe_response(_response("api-usage=800/1000"))
    with pytest.raises(ApiBudgetReached, match="800 of 1000"):
        budget.check()


def test_usage_is_read_from_limits():
    budget = ApiBudget(share=0.5)
    budget.observe_limits({"DailyApiRequests": {"Max": 15000, "Remaining": 7600}})
    assert (budget.used, budget.limit, budget.reached) == (7400, 15000, False)
    budget.observe_limits({"DailyApiRequests": {"Max": 15000, "Remaining": 7500}})
    assert budget.reached


def test_share_must_be_a_fraction():
    with pytest.raises(ValueError, match="share"):
        ApiBudget(share=1.5)


def test_rest_extraction_stopped_by_the_budget_resumes_from_its_watermark(extraction):
    run = extraction(connector_store(), daily_api_requests=100)
    run.configure(api_budget_share=0.06, rest_batch_size=200, bulk_threshold_rows=1_000_000)

    first = run.run(objects=["Account", "Contact"])

    assert first.incomplete_objects == ["Account", "Contact"]
    assert "budget stops at 6%" in (first.budget_stop or "")
    assert run.org.state.api_usage.used <= 6  # never past the budget
    loaded = len(run.raw("Account"))
    assert 0 < loaded < ACCOUNTS + 1
    watermark = run.resource_state("Account")["watermark"]
    assert run.resource_state("Contact") == {}

    run.org.state.api_usage.daily_limit = 100_000  # a new day
    run.org.request_log.clear()
    second = run.run(objects=["Account", "Contact"])

    assert second.complete
    run.assert_raw_equals_org("Account", "Contact")
    [soql] = soql_sent(run.org, "Account")
    assert " WHERE SystemModstamp >= " in soql  # resumed, not started over
    assert second.rows_per_table["account"] < ACCOUNTS + 1
    assert run.resource_state("Account")["watermark"] > watermark


def test_bulk_job_stopped_by_the_budget_is_resumed_at_its_locator(extraction):
    run = extraction(connector_store(), daily_api_requests=100)
    run.configure(api_budget_share=0.09, bulk_threshold_rows=0, bulk_page_rows=200)

    first = run.run(objects=["Account"])

    assert first.incomplete_objects == ["Account"]
    loaded = len(run.raw("Account"))
    assert 0 <= loaded < ACCOUNTS + 1
    pending = run.resource_state("Account")["bulk"]
    assert "watermark" not in run.resource_state("Account")  # unordered: not moved yet

    run.org.state.api_usage.daily_limit = 100_000
    run.org.request_log.clear()
    second = run.run(objects=["Account"])

    assert second.complete
    run.assert_raw_equals_org("Account")
    log = run.org.request_log.entries()
    assert not [e for e in log if e.path.endswith("/jobs/query")], "a new job was started"
    pages = [e for e in log if e.path.endswith(f"/jobs/query/{pending['job_id']}/results")]
    if pending["locator"]:
        assert f"locator={pending['locator']}" in pages[0].query
    assert len(pages) == (ACCOUNTS + 1 - loaded + 199) // 200  # only the pages not yet read
    assert "bulk" not in run.resource_state("Account")
    assert run.resource_state("Account")["watermark"]


def test_budget_already_spent_reads_nothing(extraction):
    run = extraction(connector_store(accounts=10), daily_api_requests=10)
    run.configure(api_budget_share=0.1)

    summary = run.run(objects=["Account", "Contact"])

    assert summary.incomplete_objects == ["Account", "Contact"]
    assert summary.rows_per_table == {}
    assert [e.path for e in run.org.request_log.entries() if "/services/data/" in e.path] == [
        "/services/data/v59.0/limits/"
    ]


def test_a_kept_bulk_job_the_org_no_longer_has_is_started_again(extraction):
    run = extraction(connector_store(), daily_api_requests=100)
    run.configure(api_budget_share=0.09, bulk_threshold_rows=0, bulk_page_rows=200)
    run.run(objects=["Account"])
    pending = run.resource_state("Account")["bulk"]

    run.org.state.bulk_jobs.remove(pending["job_id"])  # results expire on Salesforce too
    run.org.state.api_usage.daily_limit = 100_000
    run.org.request_log.clear()
    second = run.run(objects=["Account"])

    assert second.complete
    run.assert_raw_equals_org("Account")
    created = [e for e in run.org.request_log.entries() if e.path.endswith("/jobs/query")]
    assert len(created) == 1
    assert "bulk" not in run.resource_state("Account")
