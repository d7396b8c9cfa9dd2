"""The calls write-back makes, as the local org counts them: none when nothing is to be sent.

A run first binds each object from its last binding to the org and compares
the marts with the ledger; only an object with something to send, a changed
mapping or no recorded binding makes the run sign in, describe and read.
These tests check that the shortcut keeps every guarantee of the full path.
"""

from __future__ import annotations

import pytest

from connectors.salesforce.writeback.crm_read import read_current_values
from connectors.salesforce.writeback.crm_schema import describe_object_fields
from connectors.salesforce.writeback.mapping import MappingError, load_mapping
from connectors.salesforce.writeback.state import CONFLICT, INVALID, SUCCESS
from rapport.config import WritebackSettings
from tests.factories import account_id
from tests.factories.writeback import account_row

GAP = "Relationship_Perception_Gap__c"


def statuses(env, run_id: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for row in env.ledger_rows(run_id):
        found.setdefault(row["status"], set()).add(row["record_id"])
    return found


def without_gap():
    """The shipped mapping less the Account perception gap field."""
    mapping = load_mapping()
    account = mapping.objects["Account"]
    fields = {name: entry for name, entry in account.fields.items() if name != GAP}
    return mapping.model_copy(
        update={
            "objects": {**mapping.objects, "Account": account.model_copy(update={"fields": fields})}
        }
    )


def test_a_run_after_nothing_changed_makes_no_request_not_even_a_sign_in(env):
    env.marts.change_accounts([4], next_step="y" * 300)  # invalid: logged on every run
    env.sync()
    sign_in, signed_in = env.signing_in()
    env.org.request_log.clear()

    second = env.sync(org=sign_in)
    dry = env.sync(org=sign_in, dry_run=True)

    assert env.org.request_log.entries() == []
    assert signed_in == []
    for report in (second, dry):
        assert report.total("unchanged") == len(env.marts.accounts) - 1 + len(env.marts.contacts)
        assert report.total("invalid") == 1
        assert report.total("sent") == 0
        assert [o.object_name for o in report.objects] == ["Account", "Contact"]
    # The invalid record is still logged, as a run that asks the org logs it.
    assert statuses(env, second.run_id) == {INVALID: {account_id(4)}}
    assert env.ledger_rows(dry.run_id) == []


def test_a_change_after_a_quiet_run_signs_in_reads_and_still_sees_a_hand_edit(env):
    env.sync()
    sign_in, signed_in = env.signing_in()
    env.sync(org=sign_in)
    assert signed_in == []
    env.org.store.update("Account", account_id(2), {"Relationship_Type__c": "Partner"})
    env.marts.change_accounts([2, 5], relationship_type_label="Married")
    env.org.request_log.clear()

    report = env.sync(org=sign_in)

    assert len(signed_in) == 1
    paths = [e.path for e in env.org.request_log.entries()]
    assert not any("Contact" in path for path in paths)  # nothing of Contact changed
    assert sum("/query" in path for path in paths) == 1  # the changed accounts' values
    assert [(c.record_id, c.crm_value, c.new_value) for c in report.conflicts] == [
        (account_id(2), "Partner", "Married")
    ]
    assert env.crm("Account", account_id(2), "Relationship_Type__c") == "Partner"
    assert env.crm("Account", account_id(5), "Relationship_Type__c") == "Married"
    assert statuses(env, report.run_id) == {CONFLICT: {account_id(2)}, SUCCESS: {account_id(5)}}


def test_a_record_never_pushed_is_written_though_every_other_is_unchanged(env):
    newcomer = env.marts.accounts.pop()
    env.marts.write()
    env.sync()
    env.marts.accounts.append(newcomer)
    env.marts.write()
    env.org.request_log.clear()

    report = env.sync()

    # Its null perception gap is already what the CRM holds: logged so, not sent.
    assert {row["record_id"] for row in env.ledger_rows(report.run_id)} == {newcomer["account_id"]}
    assert statuses(env, report.run_id)[SUCCESS] == {newcomer["account_id"]}
    assert env.org.request_log.count("PATCH", "composite/sobjects") == 1
    assert (
        env.crm("Account", newcomer["account_id"], "Relationship_Type__c")
        == newcomer["relationship_type_label"]
    )


def test_a_field_added_to_the_mapping_after_a_push_is_installed_and_filled(make_env):
    env = make_env(installed=lambda d: d.full_name != f"Account.{GAP}")
    env.sync(mapping=without_gap())
    env.org.request_log.clear()

    report = env.sync()

    assert report.fields_installed == [f"Account.{GAP}"]
    assert env.org.request_log.count("POST", "tooling/sobjects/CustomField") == 1
    # Described to bind, then once more to see the new field: not again to install it.
    assert env.org.request_log.count("GET", "sobjects/Account/describe") == 2
    translate = load_mapping().objects["Account"].fields[GAP].values
    for n, row in enumerate(env.marts.accounts):
        gap = row["perception_gap"]
        assert env.crm("Account", account_id(n), GAP) == (translate[gap] if gap else None)
    assert report.object("Account").sent == sum(
        1 for r in env.marts.accounts if r["perception_gap"]
    )
    env.org.request_log.clear()
    env.sync()
    assert env.org.request_log.entries() == []


def test_a_mapping_change_alone_binds_again_once_and_sends_nothing(env):
    env.sync()
    overwrite = load_mapping().with_policy("overwrite")
    env.org.request_log.clear()

    changed = env.sync(mapping=overwrite)
    calls = env.org.request_log.entries()
    env.org.request_log.clear()
    again = env.sync(mapping=overwrite)

    # Both objects described again (their entries changed), nothing read or written.
    assert sorted(e.path.rsplit("/", 2)[-2] for e in calls) == ["Account", "Contact"]
    assert changed.total("sent") == again.total("sent") == 0
    assert env.org.request_log.entries() == []


def test_a_field_deleted_from_the_org_is_noticed_as_soon_as_something_is_to_be_sent(env):
    env.sync()
    env.org.store.remove_field("Account", "Relationship_Next_Step__c")
    env.org.request_log.clear()

    env.sync()  # nothing to send: the org is not asked, so nothing notices

    assert env.org.request_log.entries() == []
    env.marts.change_accounts([1], strength_score=12.5)
    dry = env.sync(dry_run=True)
    # Installing it again would leave it empty: every account's next step goes again.
    assert dry.fields_to_install == ["Account.Relationship_Next_Step__c"]
    assert dry.object("Account").updated == len(env.marts.accounts)
    env.org.request_log.clear()
    with pytest.raises(MappingError, match=r"Account\.Relationship_Next_Step__c does not exist"):
        env.sync(options=WritebackSettings(install_missing_fields=False))
    assert env.write_calls() == 0
    assert (
        env.crm("Account", account_id(1), "Relationship_Strength__c")
        == account_row(1)["strength_score"]
    )


def test_a_bulk_query_read_gives_the_values_a_rest_read_gives(env):
    env.marts.change_accounts([3], next_step=None, strength_score=0.0)
    env.sync()
    awkward = 'A "quoted", two-line\nstep, with commas'
    env.org.store.update("Account", account_id(5), {"Relationship_Next_Step__c": awkward})
    described = describe_object_fields(env.sf, "Account")
    fields = [described.get(name) for name in load_mapping().objects["Account"].fields]
    ids = [row["account_id"] for row in env.marts.accounts]
    env.org.request_log.clear()

    rest = read_current_values(env.sf, "Account", fields, ids, object_size=len(ids))
    assert env.org.request_log.count(None, "jobs/query") == 0
    # One Id per query and a huge object: a Bulk query job is the fewest calls.
    bulk = read_current_values(env.sf, "Account", fields, ids, object_size=10**6, ids_per_query=1)

    assert env.org.request_log.count("POST", "jobs/query") == 1
    assert bulk == rest
    assert len(bulk) == len(ids)
    assert bulk[account_id(5)]["Relationship_Next_Step__c"] == awkward
    assert bulk[account_id(3)]["Relationship_Next_Step__c"] is None
    assert bulk[account_id(3)]["Relationship_Strength__c"] == 0.0
    assert {values["Relationship_Hostage__c"] for values in bulk.values()} == {True, False}
