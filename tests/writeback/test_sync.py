"""Diff-based write-back against a local org over HTTPS: what is sent, and what is not."""

from __future__ import annotations

import sys

import pytest

from connectors.salesforce.writeback.mapping import load_mapping
from connectors.salesforce.writeback.send import WritebackAborted
from connectors.salesforce.writeback.state import (
    ALREADY_IN_CRM,
    CONFLICT,
    FAILED,
    INVALID,
    MISSING,
    NOT_SENT,
    SUCCESS,
)
from rapport.config import WritebackSettings
from tests.factories import account_id, contact_id
from tests.factories.writeback import account_row


def sent_ids(env, run_id: str, status: str = SUCCESS) -> set[str]:
    return {row["record_id"] for row in env.ledger_rows(run_id) if row["status"] == status}


def test_first_sync_writes_every_account_and_contact_and_the_second_writes_nothing(env):
    first = env.sync()

    for row in env.marts.accounts:
        record = env.org.store.get("Account", row["account_id"])
        assert record["Relationship_Type__c"] == row["relationship_type_label"]
        assert record["Relationship_Strength__c"] == row["strength_score"]
        assert record["Relationship_Trend__c"] == row["trend"].title()
        assert record["Relationship_Commitment__c"] == row["commitment_state"].title()
        assert record["Relationship_Hostage__c"] is row["is_hostage"]
        assert record["Relationship_Next_Step__c"] == row["next_step"]
        assert record["Relationship_Reasons__c"] == row["type_reasons"]
        assert record["Relationship_Updated_At__c"] is not None
    for row in env.marts.contacts:
        record = env.org.store.get("Contact", row["contact_id"])
        assert record["Relationship_Strength__c"] == row["strength_score"]
        assert record["Buying_Influence__c"] == row["buying_influence"].title()
    assert first.object("Account").created == len(env.marts.accounts)
    assert first.object("Contact").created == len(env.marts.contacts)
    assert first.total("failed") == 0

    second, calls = env.sync_counting()

    assert env.write_calls() == 0
    assert calls == []  # planned from the ledger and the recorded binding alone
    assert second.total("unchanged") == len(env.marts.accounts) + len(env.marts.contacts)
    assert second.total("sent") == 0


def test_after_one_percent_of_rows_change_only_those_are_sent(make_env):
    env = make_env(accounts=400, contacts=0)
    env.sync()
    changed = [3, 150, 399, 7]  # 1% of 400
    env.marts.change_accounts(changed, strength_score=99.5)
    stamps_before = {
        account_id(n): env.crm("Account", account_id(n), "Relationship_Updated_At__c")
        for n in (0, 3)
    }

    report, _ = env.sync_counting()

    assert sent_ids(env, report.run_id) == {account_id(n) for n in changed}
    assert env.org.request_log.count("PATCH", "composite") == 1
    for n in changed:
        assert env.crm("Account", account_id(n), "Relationship_Strength__c") == 99.5
    # Only the changed field (and the stamp) was sent; the stamp moved only where it changed.
    sent = [row for row in env.ledger_rows(report.run_id) if row["status"] == SUCCESS]
    assert all('"Relationship_Strength__c": 99.5' in row["fields_sent"] for row in sent)
    assert all("Relationship_Type__c" not in row["fields_sent"] for row in sent)
    assert (
        env.crm("Account", account_id(0), "Relationship_Updated_At__c")
        == stamps_before[account_id(0)]
    )
    assert (
        env.crm("Account", account_id(3), "Relationship_Updated_At__c")
        > stamps_before[account_id(3)]
    )


def test_150_changed_accounts_go_in_one_composite_call(make_env):
    env = make_env(accounts=150, contacts=0)

    report, _ = env.sync_counting()

    assert report.object("Account").transport == "composite"
    assert env.org.request_log.count("PATCH", "composite/sobjects") == 1
    assert env.org.request_log.count(None, "jobs/ingest") == 0
    assert report.object("Account").succeeded == 150


def crm_holds_the_marts(env, object_name: str = "Account") -> None:
    """Every mapped field of every record in the CRM equals the mart's value, translated."""
    body = load_mapping().objects[object_name]
    rows = {r[body.id_column]: r for r in getattr(env.marts, f"{object_name.lower()}s")}
    table = env.org.store.query(f"SELECT Id, {', '.join(body.fields)} FROM {object_name}").table
    assert table.num_rows == len(rows)
    for record in table.to_pylist():
        row = rows[record["Id"]]
        for name, entry in body.fields.items():
            value = row[entry.column]
            expected = entry.values[value] if entry.values and value is not None else value
            assert record[name] == expected, (record["Id"], name)


@pytest.mark.slow
def test_10000_changed_accounts_go_by_bulk_api_within_15_calls(make_env):
    env = make_env(accounts=10_000, contacts=0)
    sign_in, _ = env.signing_in()  # signing in counts too
    for version in (0, 1):  # first writes, then an update of every record
        env.marts.accounts = [account_row(n, version) for n in range(10_000)]
        env.marts.write()
        env.org.request_log.clear()

        report = env.sync(org=sign_in)

        calls = env.org.request_log.entries()
        summary = report.object("Account")
        assert summary.transport == "bulk"
        assert len(calls) <= 15, [(c.method, c.path) for c in calls]
        assert env.org.request_log.count("PATCH", "composite") == 0
        assert env.org.request_log.count("POST", "jobs/ingest") == 1
        assert summary.succeeded == 10_000
        assert (summary.created, summary.updated) == ((10_000, 0) if version == 0 else (0, 10_000))
        crm_holds_the_marts(env)
        assert len(env.last_pushed("Account")) == 10_000


def test_a_record_refused_for_a_locked_row_is_sent_again_within_the_run(make_env):
    env = make_env(accounts=60, contacts=0)
    env.org.faults.configure(lock_row_rate=0.2, seed=7)

    first = env.sync()

    assert env.org.faults.injected["lock_row"] >= 5
    assert first.object("Account").failed == 0
    statuses = {row["status"] for row in env.ledger_rows(first.run_id)}
    assert FAILED not in statuses  # only final outcomes are logged
    for n, row in enumerate(env.marts.accounts):
        assert (
            env.crm("Account", account_id(n), "Relationship_Type__c")
            == row["relationship_type_label"]
        )


def test_records_the_crm_refuses_are_logged_and_retried_alone_next_run(make_env):
    env = make_env(accounts=60, contacts=0)
    # Refused on every attempt of the run for about a fifth of the records (0.6³).
    env.org.faults.configure(lock_row_rate=0.6, seed=7)

    first = env.sync()

    refused = {
        row["record_id"]: row for row in env.ledger_rows(first.run_id) if row["status"] == FAILED
    }
    assert refused, "the fault injection refused no record; raise the rate"
    assert {row["error_code"] for row in refused.values()} == {"UNABLE_TO_LOCK_ROW"}
    pushed = env.last_pushed("Account")
    for record_id in refused:  # none of the values sent is recorded as pushed
        assert "Relationship_Type__c" not in pushed.get(record_id, {})
    assert first.object("Account").failed == len(refused)
    assert {f.record_id for f in first.failures} == set(refused)
    for record_id in refused:
        assert env.crm("Account", record_id, "Relationship_Type__c") is None

    env.org.faults.disable()
    second = env.sync()

    assert sent_ids(env, second.run_id) == set(refused)
    assert second.object("Account").sent == len(refused)
    for n, row in enumerate(env.marts.accounts):
        assert (
            env.crm("Account", account_id(n), "Relationship_Type__c")
            == row["relationship_type_label"]
        )


def test_a_hand_edit_is_kept_under_skip_and_overwritten_under_overwrite(env):
    env.sync()
    edited = account_id(2)
    env.org.store.update("Account", edited, {"Relationship_Type__c": "Partner"})
    env.marts.change_accounts([2, 5], relationship_type_label="Married")

    kept = env.sync()

    assert env.crm("Account", edited, "Relationship_Type__c") == "Partner"
    assert env.crm("Account", account_id(5), "Relationship_Type__c") == "Married"
    assert [(c.record_id, c.field, c.crm_value, c.new_value) for c in kept.conflicts] == [
        (edited, "Relationship_Type__c", "Partner", "Married")
    ]
    assert kept.object("Account").conflicts == 1
    conflict_rows = [r for r in env.ledger_rows(kept.run_id) if r["status"] == CONFLICT]
    assert [r["record_id"] for r in conflict_rows] == [edited]
    assert "Relationship_Type__c" in conflict_rows[0]["message"]
    assert "Conflicts" in kept.to_markdown()

    overwritten = env.sync(mapping=load_mapping().with_policy("overwrite"))

    assert env.crm("Account", edited, "Relationship_Type__c") == "Married"
    assert [c.policy for c in overwritten.conflicts] == ["overwrite"]
    assert sent_ids(env, overwritten.run_id) == {edited}


def test_dry_run_counts_and_samples_without_writing_anything(env):
    env.sync()
    env.marts.change_accounts([1], strength_score=42.0)
    env.marts.change_accounts([2], next_step="x" * 300)  # longer than the field's 255
    env.org.store.update("Account", account_id(3), {"Relationship_Trend__c": "Stable"})
    env.marts.change_accounts([3], trend="falling")
    log_before = env.ledger_rows()

    report, calls = env.sync_counting(dry_run=True)

    assert env.write_calls() == 0
    assert {c.method for c in calls} == {"GET"}
    assert env.ledger_rows() == log_before
    account = report.object("Account")
    assert (account.created, account.updated, account.conflicts, account.invalid) == (0, 1, 1, 1)
    assert account.unchanged == len(env.marts.accounts) - 3
    # The plan names the transport it would use, and none for an object with nothing to send.
    assert account.transport == "composite"
    assert account.transport_estimate.startswith("composite for 1 records")
    assert report.object("Contact").transport is None
    assert account.sent == 0
    assert [(s.record_id, s.field, s.after) for s in report.sample] == [
        (account_id(1), "Relationship_Strength__c", 42.0)
    ]
    assert report.sample[0].before == account_row(1)["strength_score"]
    assert "holds at most 255 characters" in report.invalid[0].message
    markdown = report.to_markdown()
    assert "dry run" in markdown
    assert account_id(1) in markdown


def test_invalid_rows_are_refused_with_the_field_named_and_the_rest_still_goes(env):
    env.marts.change_accounts([4], next_step="y" * 300)
    env.marts.accounts[6]["account_id"] = "not-an-id"
    env.marts.write()

    report = env.sync()

    invalid = {r["record_id"]: r for r in env.ledger_rows(report.run_id) if r["status"] == INVALID}
    assert set(invalid) == {account_id(4), "not-an-id"}
    assert "Account.Relationship_Next_Step__c" in invalid[account_id(4)]["message"]
    assert "account_id" in invalid["not-an-id"]["message"]
    assert env.crm("Account", account_id(4), "Relationship_Next_Step__c") is None
    assert report.object("Account").succeeded == len(env.marts.accounts) - 2
    # Not recorded as pushed, so it is tried again once the mart is fixed.
    env.marts.change_accounts([4], next_step="Shorter")
    again = env.sync()
    assert sent_ids(env, again.run_id) == {account_id(4)}


def test_a_record_deleted_in_the_crm_is_reported_missing_and_not_sent(env):
    env.org.store.delete("Account", account_id(0))

    report = env.sync()

    missing = [r for r in env.ledger_rows(report.run_id) if r["status"] == MISSING]
    assert [r["record_id"] for r in missing] == [account_id(0)]
    assert report.object("Account").missing == 1
    assert account_id(0) not in sent_ids(env, report.run_id)


def test_values_the_crm_already_holds_are_recorded_without_a_write(env):
    for n, row in enumerate(env.marts.contacts):
        env.org.store.update(
            "Contact",
            contact_id(n),
            {
                "Relationship_Strength__c": row["strength_score"],
                "Buying_Influence__c": row["buying_influence"].title(),
            },
        )

    report = env.sync()

    assert report.object("Contact").sent == 0
    assert sent_ids(env, report.run_id, ALREADY_IN_CRM) >= {
        contact_id(n) for n in range(len(env.marts.contacts))
    }
    assert len(env.last_pushed("Contact")) == len(env.marts.contacts)


def test_a_run_stopped_by_the_daily_limit_records_only_confirmed_writes(make_env):
    env = make_env(accounts=500, contacts=0)
    env.options = WritebackSettings(batch_size=100)
    # Account's describe (the contact mart is empty: no call for it) + one
    # query + two composite calls, then the allowance is spent.
    env.org.state.api_usage.daily_limit = env.org.state.api_usage.used + 4

    with pytest.raises(WritebackAborted, match=r"REQUEST_LIMIT_EXCEEDED|TotalRequests"):
        env.sync()

    pushed = {
        r for r, fields in env.last_pushed("Account").items() if "Relationship_Type__c" in fields
    }
    assert len(pushed) == 200
    for n in range(500):
        written = env.crm("Account", account_id(n), "Relationship_Type__c") is not None
        assert written == (account_id(n) in pushed)
    not_sent = [r for r in env.ledger_rows() if r["status"] == NOT_SENT]
    assert len(not_sent) == 300

    env.org.state.api_usage.daily_limit = 100_000  # a new day
    report = env.sync()

    assert report.object("Account").sent == 300
    assert all("Relationship_Type__c" in f for f in env.last_pushed("Account").values())
    assert len(env.last_pushed("Account")) == 500


def test_records_a_bulk_job_refuses_are_logged_with_their_error_and_retried(make_env):
    env = make_env(accounts=40, contacts=0)
    env.options = WritebackSettings(bulk_threshold_records=1, bulk_poll_seconds=0.1)
    env.org.faults.configure(lock_row_rate=0.25, seed=3)

    first = env.sync()

    assert first.object("Account").transport == "bulk"
    refused = {r["record_id"]: r for r in env.ledger_rows(first.run_id) if r["status"] == FAILED}
    assert refused, "the fault injection refused no record; raise the rate"
    assert {r["error_code"] for r in refused.values()} == {"UNABLE_TO_LOCK_ROW"}
    assert all("exclusive access" in r["message"] for r in refused.values())
    assert first.object("Account").succeeded == 40 - len(refused)
    assert env.org.request_log.count("GET", "failedResults") == 1

    env.org.faults.disable()
    second = env.sync()

    assert sent_ids(env, second.run_id) == set(refused)
    for n, row in enumerate(env.marts.accounts):
        assert env.crm("Account", account_id(n), "Relationship_Next_Step__c") == row["next_step"]


def test_a_warehouse_file_named_like_the_marts_schema_works(make_env):
    # rapport.duckdb makes a catalog named "rapport", like the marts schema.
    env = make_env(accounts=5, contacts=2, warehouse_name="rapport.duckdb")

    first = env.sync()
    second = env.sync()

    assert first.total("succeeded") == 7
    assert second.total("sent") == 0


def test_the_payload_check_sees_every_payload_before_the_first_write(env):
    seen: list[tuple[str, int, int]] = []

    def refuse(object_name, updates, describe, allowed):
        seen.append((object_name, len(updates), env.write_calls()))
        assert describe["name"] == object_name
        assert {name for u in updates for name in u.values} <= set(allowed)
        if object_name == "Contact":
            raise RuntimeError("payload refused")

    with pytest.raises(RuntimeError, match="payload refused"):
        env.sync(payload_check=refuse)

    assert seen == [("Account", 20, 0), ("Contact", 10, 0)]
    assert env.write_calls() == 0
    assert not any("Relationship_Type__c" in f for f in env.last_pushed("Account").values())


def test_the_flow_puts_the_payload_quality_gate_in_front_of_the_writes(env, monkeypatch):
    # A stand-in for expectations.payload: importing Great Expectations takes
    # half a minute, and the gate itself is tested with the gates.
    import types

    from flows.writeback import payload_gate
    from rapport.config import Settings

    calls = []
    fake = types.ModuleType("expectations.payload")
    fake.payload_frame = lambda updates: list(updates)
    fake.gate_payload = lambda *args: calls.append((*args, env.write_calls()))
    monkeypatch.setitem(sys.modules, "expectations.payload", fake)
    settings = Settings(warehouse=env.warehouse)

    report = env.sync(payload_check=payload_gate(settings, "gate-run"), run_id="gate-run")

    assert report.total("succeeded") == 30
    assert [(c[0], c[2], len(c[1]), c[5], c[6]) for c in calls] == [
        (settings, "Account", 20, "gate-run", 0),
        (settings, "Contact", 10, "gate-run", 0),
    ]
    account_describe, account_allowed = calls[0][3], calls[0][4]
    assert account_describe["name"] == "Account"
    assert "Relationship_Updated_At__c" in account_allowed
    assert "Name" not in account_allowed
