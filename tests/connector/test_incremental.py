"""Incremental extraction against the local org: watermarks, overlap, deletes, full refresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus

import duckdb
import pytest

from connectors.salesforce.api.ids import make_id
from connectors.salesforce.api.server_clock import ServerClock
from connectors.salesforce.extract.source import DELETED_SEEN_COLUMN, QUERY_STARTED, soql_datetime
from tests.factories import account_id
from tests.factories.connector import ACCOUNTS, connector_store, stamp

OBJECTS = ("User", "Account", "Contact", "Opportunity", "Survey_Response__c")
TRANSPORTS = {"rest": 1_000_000, "bulk": 0}  # bulk_threshold_rows forcing each transport


def query_started(run, object_name: str) -> datetime:
    """The org's time when the object's last complete read started its query."""
    return datetime.fromisoformat(run.resource_state(object_name)[QUERY_STARTED])


def soql_sent(org, object_name: str) -> list[str]:
    """The SOQL of every REST query the org answered for ``object_name``."""
    queries = []
    for entry in org.request_log.entries():
        text = unquote_plus(entry.query)
        if entry.path.rstrip("/").endswith(("/query", "/queryAll")) and text.startswith("q="):
            soql = text[2:]
            if f" FROM {object_name}" in soql and "COUNT()" not in soql:
                queries.append(soql)
    return queries


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_second_run_reads_only_the_changes_and_ends_equal_to_the_org(extraction, transport):
    run = extraction(connector_store())
    run.configure(bulk_threshold_rows=TRANSPORTS[transport])

    before = datetime.now(UTC).replace(microsecond=0)
    first = run.run()
    assert first.transports["Account"] == transport
    assert first.rows_per_table["account"] == ACCOUNTS + 1  # the deleted one included
    run.assert_raw_equals_org(*OBJECTS)
    assert run.resource_state("Account")["watermark"] == stamp(10 * ACCOUNTS).isoformat()
    # The org's time when the query started, not the newest record's stamp (2025).
    covered = query_started(run, "Account")
    assert before - timedelta(seconds=2) <= covered <= datetime.now(UTC)

    store = run.org.store
    changed = [account_id(n) for n in range(5, ACCOUNTS, ACCOUNTS // 10)]  # 1%
    for n, record_id in enumerate(changed):
        store.update("Account", record_id, {"Name": f"Renamed {n}", "Industry": "Energy"})
    deleted = [account_id(n) for n in (2, 3, 4)]
    for record_id in deleted:
        store.delete("Account", record_id)
    store.delete("Contact", make_id("003", 5))
    new_opportunity = store.create_record(
        "Opportunity",
        {"Name": "Fresh deal", "StageName": "Prospecting", "CloseDate": "2026-01-31"},
    )
    run.org.request_log.clear()

    second = run.run()

    run.assert_raw_equals_org(*OBJECTS)
    # Only the changes came back: the window starts 5 minutes before the first
    # run's query, and every older record was stamped long before that.
    rows = second.rows_per_table
    assert rows["account"] == len({*changed, *deleted})
    assert rows["contact"] == 1  # the delete
    assert rows["opportunity"] == 1  # the new one
    assert rows.get("user", 0) == rows.get("survey_response_c", 0) == 0
    assert run.raw("Opportunity")[new_opportunity]["name"] == "Fresh deal"
    if transport == "rest":
        since = soql_datetime(covered - timedelta(minutes=5))
        [soql] = soql_sent(run.org, "Account")
        assert soql.endswith(
            f"FROM Account WHERE SystemModstamp >= {since} ORDER BY SystemModstamp"
        )


def test_first_run_reads_everything_without_a_filter(extraction):
    run = extraction(connector_store(accounts=30))
    run.configure(bulk_threshold_rows=1_000_000)

    run.run(objects=["Account"])

    [soql] = soql_sent(run.org, "Account")
    assert " WHERE " not in soql
    assert soql.endswith("FROM Account ORDER BY SystemModstamp")
    assert run.org.request_log.count("GET", "/queryAll") >= 1  # deleted rows asked for too


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_record_committed_late_within_the_overlap_is_still_read(extraction, transport):
    run = extraction(connector_store(accounts=50))
    run.configure(bulk_threshold_rows=TRANSPORTS[transport])
    run.run(objects=["Account"])
    covered = query_started(run, "Account")
    overlap = timedelta(seconds=run.settings.extract.overlap_seconds)

    # Committed in Salesforce after the first run's query started, stamped
    # before it (SystemModstamp is the transaction's start): at the very
    # second the query started, and two minutes earlier. One stamped before
    # the whole overlap would be a transaction longer than the overlap allows.
    late = {
        account_id(9001): covered,
        account_id(9002): covered - timedelta(minutes=2),
        account_id(9003): covered - overlap + timedelta(seconds=1),
    }
    run.org.store.insert(
        "Account",
        [{"Id": i, "Name": f"Late {i}", "SystemModstamp": at} for i, at in late.items()],
    )
    second = run.run(objects=["Account"])

    run.assert_raw_equals_org("Account")
    assert second.rows_per_table["account"] == 3  # those three, nothing older
    ids = [row["id"] for row in run.raw_rows("Account")]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_quiet_org_is_not_read_again(extraction, transport):
    """Each run's window starts the overlap before the last one's query, not at the last change."""
    run = extraction(connector_store(accounts=60))
    run.configure(bulk_threshold_rows=TRANSPORTS[transport])
    overlap = timedelta(seconds=run.settings.extract.overlap_seconds)
    run.run(objects=list(OBJECTS))
    first = {name: query_started(run, name) for name in OBJECTS}

    run.org.request_log.clear()
    second = run.run(objects=list(OBJECTS))

    assert sum(second.rows_per_table.values()) == 0  # nothing changed: nothing read
    run.assert_raw_equals_org(*OBJECTS)
    for name in OBJECTS:
        assert query_started(run, name) >= first[name]
        if transport == "rest":
            [soql] = soql_sent(run.org, name)
            assert f"WHERE SystemModstamp >= {soql_datetime(first[name] - overlap)} " in soql

    run.org.store.update("Account", account_id(7), {"Name": "Renamed"})
    third = run.run(objects=list(OBJECTS))

    assert third.rows_per_table == {"account": 1}
    assert run.raw("Account")[account_id(7)]["name"] == "Renamed"
    run.assert_raw_equals_org(*OBJECTS)


def test_deleted_record_overwrites_its_live_row(extraction):
    run = extraction(connector_store(accounts=20))
    run.run(objects=["Account"])
    victim = account_id(7)
    assert run.raw("Account")[victim]["is_deleted"] is False

    before = datetime.now(UTC)
    run.org.store.delete("Account", victim)
    run.run(objects=["Account"])

    rows = [row for row in run.raw_rows("Account") if row["id"] == victim]
    assert len(rows) == 1
    assert rows[0]["is_deleted"] is True
    assert rows[0][DELETED_SEEN_COLUMN] >= before - timedelta(seconds=1)
    # Deleted before the first run: arrives marked too; live rows carry no stamp.
    gone = next(r for r in run.raw_rows("Account") if r["name"] == "Gone Ltd")
    assert gone["is_deleted"] is True and gone[DELETED_SEEN_COLUMN] is not None
    live = [r for r in run.raw_rows("Account") if not r["is_deleted"]]
    assert live and all(r[DELETED_SEEN_COLUMN] is None for r in live)


def test_full_refresh_starts_again_from_scratch(extraction):
    run = extraction(connector_store(accounts=40))
    run.run(objects=["Account", "Contact"])
    with duckdb.connect(str(run.settings.warehouse.path)) as connection:
        connection.execute("delete from salesforce.account where number_of_employees <= 20")
    assert len(run.raw("Account")) < 41

    incremental = run.run(objects=["Account", "Contact"])
    assert incremental.rows_per_table.get("account", 0) == 0  # the window holds: rows stay lost
    assert len(run.raw("Account")) < 41

    refreshed = run.run(objects=["Account", "Contact"], full_refresh=True)

    assert refreshed.rows_per_table["account"] == 41
    run.assert_raw_equals_org("Account", "Contact")
    assert run.resource_state("Account")["watermark"] == stamp(10 * 40).isoformat()


def count_queries(org) -> list[str]:
    return [
        unquote_plus(e.query)
        for e in org.request_log.entries()
        if "COUNT()" in unquote_plus(e.query)
    ]


def test_an_incremental_run_counts_with_its_query_not_a_count_call(extraction):
    """The REST query's first page carries totalSize: a COUNT() before it is a wasted call."""
    run = extraction(connector_store(accounts=40))
    run.configure(bulk_threshold_rows=1_000_000)
    run.run(objects=list(OBJECTS))
    run.org.store.update("Account", account_id(7), {"Name": "Renamed"})
    run.org.request_log.clear()

    second = run.run(objects=list(OBJECTS))

    assert count_queries(run.org) == []
    for object_name in OBJECTS:
        assert len(soql_sent(run.org, object_name)) == 1, object_name
    assert second.transports["Account"] == "rest"
    assert run.raw("Account")[account_id(7)]["name"] == "Renamed"
    run.assert_raw_equals_org(*OBJECTS)


def test_an_incremental_run_with_many_changes_still_goes_to_bulk(extraction):
    run = extraction(connector_store(accounts=40))
    run.configure(bulk_threshold_rows=5)
    run.run(objects=["Account"])
    for n in range(10, 20):
        run.org.store.update("Account", account_id(n), {"Name": f"Renamed {n}"})

    second = run.run(objects=["Account"])

    assert second.transports["Account"] == "bulk"
    run.assert_raw_equals_org("Account")


def test_without_the_org_clock_the_window_starts_at_the_watermark(extraction, monkeypatch):
    """An org (or proxy) that sends no Date header: the newest SystemModstamp read is the mark."""
    monkeypatch.setattr(ServerClock, "observe_response", lambda self, response, *a, **k: None)
    run = extraction(connector_store(accounts=40))
    run.configure(bulk_threshold_rows=1_000_000)
    run.run(objects=["Account"])
    state = run.resource_state("Account")
    assert QUERY_STARTED not in state
    run.org.store.update("Account", account_id(7), {"Name": "Renamed"})
    run.org.request_log.clear()

    second = run.run(objects=["Account"])

    since = soql_datetime(datetime.fromisoformat(state["watermark"]) - timedelta(minutes=5))
    [soql] = soql_sent(run.org, "Account")
    assert f"WHERE SystemModstamp >= {since} " in soql
    assert second.rows_per_table == {"account": 1}
    run.assert_raw_equals_org("Account")
