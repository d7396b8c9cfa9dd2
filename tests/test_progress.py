"""Progress events: plain timestamped lines off a terminal, and the summary they add up to."""

from __future__ import annotations

import io
import re

from rich.console import Console

from rapport import progress
from rapport.progress_display import showing_progress
from rapport.summary import run_summary, summary_renderable

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"


def piped_console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=240, soft_wrap=True), out


def a_run() -> None:
    progress.started("extract", 2, "objects")
    progress.advanced("extract", 0, "Account", rows=1500)
    progress.advanced("extract", 1, "Account")
    progress.advanced("extract", 1, "Survey_Response__c", skipped=1)
    progress.finished("extract", api_used=40, api_limit=1000)
    progress.started("transform", unit="models")
    progress.planned("transform", 2, "models")
    progress.advanced("transform", item="stg_salesforce__account", built=1)
    progress.advanced("transform", item="account_relationship", built=1)
    progress.finished("transform", models_built=2, tests_passed=5, tests_failed=0)
    progress.started("validate", unit="suites")
    progress.planned("validate", 1, "suites")
    progress.advanced("validate", item="raw account", passed=1, checks=4)
    progress.finished("validate", checks=4, errors=0, warnings=0, passed=True)
    progress.started("writeback", unit="records")
    progress.planned("writeback", 3, "records")
    progress.advanced("writeback", 0, api_calls=1)
    progress.advanced("writeback", 3, "Account")
    counts = {"records": 4, "created": 2, "updated": 1, "unchanged": 1, "conflicts": 0}
    progress.finished(
        "writeback",
        dry_run=False,
        objects={"Account": {**counts, "failed": 0}},
        api_calls=1,
        api_used=41,
        api_limit=1000,
    )


def test_without_a_reporter_progress_goes_nowhere():
    a_run()  # the flows call these outside the CLI too: nothing to fail on


def test_off_a_terminal_each_step_is_a_timestamped_line_with_counts():
    console, out = piped_console()
    with showing_progress(console):
        a_run()
    lines = out.getvalue().splitlines()
    assert all(re.match(STAMP, line) for line in lines), lines
    text = out.getvalue()
    assert "Account: 1,500 rows; 1 of 2 objects, 1,500 rows in all" in text
    assert "Survey_Response__c: skipped (not in this org); 2 of 2 objects" in text
    assert "account_relationship: 2 of 2 models built" in text
    assert "raw account: 1 of 1 suites checked, 1 passed" in text
    assert "Account: 3 of 3 records sent, 1 API calls" in text


def test_the_summary_lists_every_object_and_the_write_back_counts():
    console, _ = piped_console()
    with showing_progress(console) as tracker:
        a_run()
    summary = run_summary(tracker)
    assert summary["stages"]["extract"]["objects"] == {
        "Account": {"rows": 1500, "status": "done"},
        "Survey_Response__c": {"rows": 0, "status": "skipped (not in this org)"},
    }
    assert summary["stages"]["writeback"]["totals"]["created"] == 2
    assert summary["stages"]["writeback"]["api_left"] == 959
    assert summary["stages"]["transform"]["models_total"] == 2

    console.print(summary_renderable(summary))
    text = console.file.getvalue()
    for expected in ("Rows extracted", "Survey_Response__c", "created", "conflicts", "959 left"):
        assert expected in text


def test_the_summary_names_what_warned_without_stopping_the_run():
    console, _ = piped_console()
    warning = (
        "[warning] suite raw_opportunity: expect_column_values_to_be_between on amount failed "
        "(check won_amount_not_negative); observed 1 live rows where is_won with a negative "
        "amount (lowest -250000.0); sample ids: 006000000000000AAA"
    )
    with showing_progress(console) as tracker:
        progress.started("extract", 1, "objects")
        progress.advanced("extract", 1, "Account", rows=3)
        progress.finished("extract", vanished_fields=["Account.Wallet__c"])
        progress.started("validate", unit="suites")
        progress.finished("validate", checks=9, errors=0, warnings=3, warning_details=[warning])
    console.print(summary_renderable(run_summary(tracker)))
    text = console.file.getvalue()
    assert "Warnings (the run went on):" in text
    assert "- Account.Wallet__c is no longer in the org's describe" in text
    assert f"- {warning}" in text  # printed as text: "[warning]" is not read as markup
    assert "- and 2 more in rapport_audit.validation_results" in text


def test_a_stage_started_again_counts_its_attempt_only():
    console, _ = piped_console()
    with showing_progress(console) as tracker:
        progress.started("extract", 1, "objects")
        progress.advanced("extract", 1, "Account", rows=10)
        progress.started("extract", 1, "objects")  # a retried task
        progress.advanced("extract", 1, "Account", rows=10)
    assert tracker.stages["extract"].counts["rows"] == 10
    assert tracker.stages["extract"].done == 1


def test_a_failing_reporter_does_not_fail_the_stage():
    class Broken:
        def handle(self, event):
            raise RuntimeError("display gone")

    with progress.reporting_to(Broken()):
        progress.advanced("extract", 1, "Account")
