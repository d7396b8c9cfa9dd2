"""Values the org accepts but nobody means: reported by the raw gate as warnings, the run goes on.

A negative Amount on a won deal (a refund booked as a deal, a sign typo) is
legal in Salesforce; the models count it as it is, so the gate names the
record and the field for someone to look at instead of stopping the run.
Amounts the org cannot hold at all (1e999, -1e30) are refused before this,
by the CSV load and the org (tests/reliability/test_bad_input.py).
"""

from __future__ import annotations

from expectations.gate import enforce
from expectations.report import gate_markdown
from expectations.runner import run_gates
from tests.factories import opportunity_id

REFUND_BOOKED_AS_A_DEAL = opportunity_id(3)
LOST_DEAL_WITH_A_NEGATIVE_AMOUNT = opportunity_id(4)


def _with_amounts(warehouse) -> None:
    """Give the raw deals an amount and is_won, as the extract lands them."""
    warehouse.execute("alter table {cat}.salesforce.opportunity add column amount double")
    warehouse.execute("alter table {cat}.salesforce.opportunity add column is_won boolean")
    warehouse.execute("update {cat}.salesforce.opportunity set amount = 5000, is_won = is_closed")
    warehouse.execute(
        "update {cat}.salesforce.opportunity set amount = -250000 where id = ?",
        [REFUND_BOOKED_AS_A_DEAL],
    )
    warehouse.execute(
        "update {cat}.salesforce.opportunity set amount = -10, is_won = false where id = ?",
        [LOST_DEAL_WITH_A_NEGATIVE_AMOUNT],
    )


def test_a_negative_amount_on_a_won_deal_is_a_warning_naming_record_and_field(
    warehouse, make_settings
):
    _with_amounts(warehouse)
    report = run_gates(make_settings())

    [negative] = [
        r
        for r in report.results
        if r.suite == "raw_opportunity" and r.check == "won_amount_not_negative"
    ]
    assert not negative.success
    assert negative.severity == "warning"
    assert negative.column == "amount"
    # The won deal only: a lost deal's amount counts nowhere.
    assert negative.sample_ids == [REFUND_BOOKED_AS_A_DEAL]
    assert "1 live rows where is_won with a negative amount (lowest -250000" in (
        negative.observed_value
    )
    assert report.passed
    enforce(report.results)  # a warning does not stop the run
    markdown = gate_markdown(report)
    assert "won_amount_not_negative" in markdown and REFUND_BOOKED_AS_A_DEAL in markdown
    # Kept with the run's other results, for the report and for audit.
    logged = warehouse.rows(
        "select * from {cat}.rapport_audit.validation_results "
        "where suite = 'raw_opportunity' and check_name = 'won_amount_not_negative'"
    )
    assert len(logged) == 1 and REFUND_BOOKED_AS_A_DEAL in repr(logged[0])


def test_no_negative_amount_passes(warehouse, make_settings):
    _with_amounts(warehouse)
    warehouse.execute("update {cat}.salesforce.opportunity set amount = abs(amount)")
    report = run_gates(make_settings())
    [negative] = [r for r in report.results if r.check == "won_amount_not_negative"]
    assert negative.success
    assert "0 live rows where is_won with a negative amount" in negative.observed_value


def test_without_an_is_won_column_the_check_is_skipped_with_a_note(make_settings):
    report = run_gates(make_settings())
    assert not [r for r in report.results if r.check == "won_amount_not_negative"]
    assert any("won_amount_not_negative skipped" in note for note in report.notes)
