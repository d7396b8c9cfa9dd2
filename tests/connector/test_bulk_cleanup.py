"""A Bulk query job is deleted once its results are read, and only best effort.

Salesforce keeps a finished job's results for seven days; deleting the job
once every page is delivered lets the org drop them at once (the local org,
which holds them in memory, ran out of it at L without). The rows are in by
then, so a delete the org refuses must not cost the run anything.
"""

from __future__ import annotations

import logging

from connectors.salesforce.extract import bulk
from local_org.bulk_jobs import QueryJob
from tests.factories.connector import connector_store

OBJECTS = ["Account", "Contact"]


def _deletes(org) -> list[str]:
    return [e.path for e in org.request_log.entries() if e.method == "DELETE"]


def test_each_query_job_is_deleted_once_its_pages_are_read(extraction):
    run = extraction(connector_store())
    run.configure(bulk_threshold_rows=0, bulk_page_rows=200)

    summary = run.run(objects=OBJECTS)

    assert summary.complete and set(summary.transports.values()) == {"bulk"}
    run.assert_raw_equals_org(*OBJECTS)
    assert run.org.state.bulk_jobs.all(QueryJob) == []
    assert len(_deletes(run.org)) == len(OBJECTS)
    assert all("/jobs/query/" in path for path in _deletes(run.org))


def test_a_job_the_org_has_already_dropped_costs_the_run_nothing(extraction, monkeypatch, caplog):
    run = extraction(connector_store())
    run.configure(bulk_threshold_rows=0, bulk_page_rows=200)
    jobs = run.org.state.bulk_jobs
    original = bulk.call_salesforce

    def expired_before_the_delete(url, method, **kwargs):
        if method == "DELETE":  # the org drops the results first: the delete meets a 404
            jobs.remove(url.rsplit("/", 1)[-1])
        return original(url, method, **kwargs)

    monkeypatch.setattr(bulk, "call_salesforce", expired_before_the_delete)
    with caplog.at_level(logging.WARNING, logger=bulk.__name__):
        summary = run.run(objects=OBJECTS)

    assert summary.complete
    run.assert_raw_equals_org(*OBJECTS)
    assert "watermark" in run.resource_state("Account")
    assert "bulk" not in run.resource_state("Account")
    refused = [r for r in caplog.records if "was read but not deleted" in r.getMessage()]
    assert len(refused) == len(OBJECTS)
