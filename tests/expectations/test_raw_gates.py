"""Raw suites: what a broken extract looks like, and that it stops the run.

GX costs tens of milliseconds per expectation, so the independent defects
share one broken warehouse and one gate run; each test reads its own defect
from that run's report.
"""

from __future__ import annotations

import pytest

from expectations.gate import GateFailed, enforce
from expectations.runner import run_gates
from tests.factories import account_id, contact_id, opportunity_id
from tests.factories.gates import AS_OF, build_warehouse, settings_for

FAR = AS_OF.replace(year=AS_OF.year + 3)
DUPLICATED_CONTACT = contact_id(3)
CONTACT_OF_NO_ACCOUNT = contact_id(5)
DEAL_WITHOUT_ACCOUNT = opportunity_id(4)
OPEN_DEAL_CLOSING_LATER = opportunity_id(2)
CLOSED_DEAL_IN_THE_FUTURE = opportunity_id(3)
ACCOUNT_CREATED_IN_THE_FUTURE = account_id(1)
ACCOUNT_WITH_A_BAD_DATE = account_id(2)


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """One warehouse with one defect of each kind, on distinct rows, and its gate report."""
    folder = tmp_path_factory.mktemp("broken-raw")
    warehouse = build_warehouse(folder / "rapport.duckdb")
    warehouse.execute(
        "insert into {cat}.salesforce.contact select * from {cat}.salesforce.contact where id = ?",
        [DUPLICATED_CONTACT],
    )
    warehouse.execute(
        "update {cat}.salesforce.contact set account_id = ? where id = ?",
        [account_id(999), CONTACT_OF_NO_ACCOUNT],
    )
    warehouse.execute(
        "update {cat}.salesforce.opportunity set account_id = null where id = ?",
        [DEAL_WITHOUT_ACCOUNT],
    )
    # An open deal closing in three years is a plan; a closed one is a typo.
    for deal in (OPEN_DEAL_CLOSING_LATER, CLOSED_DEAL_IN_THE_FUTURE):
        warehouse.execute(
            "update {cat}.salesforce.opportunity set close_date = ? where id = ?", [FAR, deal]
        )
    warehouse.execute(
        "update {cat}.salesforce.account set created_date = ? where id = ?",
        [FAR, ACCOUNT_CREATED_IN_THE_FUTURE],
    )
    # A date column that arrived as text (a CSV export, a schema change).
    warehouse.execute("alter table {cat}.salesforce.account alter last_modified_date type varchar")
    warehouse.execute(
        "update {cat}.salesforce.account set last_modified_date = 'next Tuesday' where id = ?",
        [ACCOUNT_WITH_A_BAD_DATE],
    )
    warehouse.execute("drop table {cat}.rapport.contact_relationship")
    return run_gates(settings_for(warehouse, folder / "state"))


def failed(report, suite: str, check: str):
    return [r for r in report.results if r.suite == suite and r.check == check and not r.success]


def test_a_clean_warehouse_passes(make_settings):
    report = run_gates(make_settings())

    assert report.passed, [r.describe() for r in report.errors]
    assert {r.suite for r in report.results} >= {
        "raw_account",
        "raw_contact",
        "raw_opportunity",
        "account_relationship",
        "contact_relationship",
    }
    enforce(report.results)


def test_duplicate_ids_stop_the_gate_naming_object_check_and_ids(broken):
    [duplicate] = failed(broken, "raw_contact", "id_unique")
    assert duplicate.severity == "error"
    assert duplicate.sample_ids == [DUPLICATED_CONTACT]
    with pytest.raises(GateFailed) as failure:
        enforce(broken.results)
    message = str(failure.value)
    assert "suite raw_contact" in message
    assert "expect_column_values_to_be_unique on id" in message
    assert DUPLICATED_CONTACT in message
    assert "1 duplicate id values among 21 rows" in message


def test_a_deal_without_account_is_counted_as_a_warning_and_a_dangling_key_too(broken):
    # Salesforce allows opportunities without an account: reported, not fatal.
    [missing] = failed(broken, "raw_opportunity", "account_id_present")
    assert missing.severity == "warning"
    assert missing.sample_ids == [DEAL_WITHOUT_ACCOUNT]
    assert "1 live rows without account_id" in missing.observed_value
    [share] = [
        r
        for r in broken.results
        if r.suite == "raw_opportunity" and r.check == "account_id_attributable"
    ]
    assert share.success
    assert "1 of 10 live rows (10.0%) without account_id" in share.observed_value
    [unresolved] = failed(broken, "raw_contact", "account_id_resolves")
    assert unresolved.severity == "warning"
    assert unresolved.sample_ids == [CONTACT_OF_NO_ACCOUNT]


def test_far_future_dates_are_stopped_but_open_deals_may_close_later(broken):
    [close] = failed(broken, "raw_opportunity", "close_date_not_far_future")
    assert close.sample_ids == [CLOSED_DEAL_IN_THE_FUTURE]
    assert f"(latest {FAR})" in close.observed_value
    [created] = [
        r
        for r in failed(broken, "raw_account", "system_dates_not_far_future")
        if r.column == "created_date"
    ]
    assert created.sample_ids == [ACCOUNT_CREATED_IN_THE_FUTURE]
    assert "after 2027-11-23" in created.observed_value


def test_text_dates_that_do_not_parse_are_stopped(broken):
    [unparsed] = failed(broken, "raw_account", "dates_parse")
    assert unparsed.column == "last_modified_date"
    assert unparsed.severity == "error"
    assert unparsed.sample_ids == [ACCOUNT_WITH_A_BAD_DATE]


def test_exactly_the_injected_defects_fail(broken):
    assert sorted((r.suite, r.check, r.column or "") for r in broken.errors) == [
        ("contact_relationship", "table_exists", ""),
        ("raw_account", "dates_parse", "last_modified_date"),
        ("raw_account", "system_dates_not_far_future", "created_date"),
        ("raw_contact", "id_unique", "id"),
        ("raw_opportunity", "close_date_not_far_future", "close_date"),
    ]


def test_a_missing_mart_is_an_error(broken):
    [missing] = failed(broken, "contact_relationship", "table_exists")
    assert "no table rapport.contact_relationship" in missing.observed_value


def test_an_absent_object_is_skipped_with_a_note(broken):
    assert "raw_case skipped: no table salesforce.case." in broken.notes
    assert not [r for r in broken.results if r.suite == "raw_case"]


def keep_contacts(warehouse, count: int) -> None:
    """Truncate the raw contacts (as a cut-short extract would) and the mart with them."""
    warehouse.execute(
        "delete from {cat}.salesforce.contact where id not in "
        f"(select id from {{cat}}.salesforce.contact order by id limit {count})"
    )
    warehouse.execute(
        "delete from {cat}.rapport.contact_relationship where contact_id not in "
        "(select id from {cat}.salesforce.contact)"
    )


def test_an_extract_that_shrank_by_60_percent_is_stopped_and_is_not_the_next_baseline(
    make_settings, warehouse
):
    settings = make_settings(max_row_count_drop=0.5)
    assert run_gates(settings, run_id="baseline").passed  # 20 contacts
    keep_contacts(warehouse, 15)
    within = run_gates(settings, run_id="within")
    assert within.passed, [r.describe() for r in within.errors]
    [drop] = [r for r in within.results if r.suite == "raw_contact" and r.check == "row_count_drop"]
    assert "15 rows against 20 at run baseline: 25% fewer" in drop.observed_value

    keep_contacts(warehouse, 6)  # 60% fewer than the accepted 15
    report = run_gates(settings, run_id="truncated")

    [drop] = failed(report, "raw_contact", "row_count_drop")
    assert drop.severity == "error"
    assert "6 rows against 15 at run within: 60% fewer (limit 50%)" in drop.observed_value
    assert [r.check for r in report.errors] == ["row_count_drop"]
    with pytest.raises(GateFailed, match="suite raw_contact: expect_table_row_count_not_to_drop"):
        enforce(report.results)
    # The stopped run's count is kept but not accepted: it is never the next yardstick.
    assert warehouse.rows(
        "select run_id, row_count, accepted from {cat}.rapport_audit.raw_row_counts "
        "where table_name = 'contact' order by counted_at"
    ) == [("baseline", 20, True), ("within", 15, True), ("truncated", 6, False)]


def test_orphans_stop_the_run_only_above_the_configured_share(make_settings, warehouse):
    # Six of ten deals without an account: more than the default 50%.
    warehouse.execute(
        "update {cat}.salesforce.opportunity set account_id = null where id in (?, ?, ?, ?, ?, ?)",
        [opportunity_id(n) for n in range(1, 7)],
    )
    stopped = run_gates(make_settings())
    [share] = failed(stopped, "raw_opportunity", "account_id_attributable")
    assert share.severity == "error"
    assert "6 of 10 live rows (60.0%) without account_id" in share.observed_value
    assert len(share.sample_ids) == 5
    with pytest.raises(GateFailed):
        enforce(stopped.results)
    tolerant = run_gates(make_settings(max_unattributed_share=0.7))
    assert not failed(tolerant, "raw_opportunity", "account_id_attributable")
    assert failed(tolerant, "raw_opportunity", "account_id_present")[0].severity == "warning"
