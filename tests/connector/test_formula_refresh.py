"""Formula fields change without a SystemModstamp bump: the periodic full re-read catches them."""

from __future__ import annotations

import pytest

from connectors.salesforce.extract.load import open_client
from local_org.schema import FieldSpec, standard_objects
from tests.factories import account_id
from tests.factories.connector import connector_store, settings_for

TRANSPORTS = {"rest": 1_000_000, "bulk": 0}  # bulk_threshold_rows forcing each transport
FORMULA = "Health_Formula__c"


def formula_store(accounts: int = 12):
    objects = standard_objects()
    objects["Account"].add_field(
        FieldSpec(FORMULA, "double", "Health", custom=True, updateable=False, calculated=True)
    )
    store = connector_store(accounts, objects)
    for n in range(1, accounts + 1):
        store.recalculate("Account", account_id(n), {FORMULA: float(n)})
    return store


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_formula_change_is_seen_once_the_cadence_passes(extraction, transport):
    store = formula_store()
    run = extraction(store)
    run.configure(bulk_threshold_rows=TRANSPORTS[transport])
    run.run(objects=["Account", "User"])
    target = account_id(3)
    assert run.raw("Account")[target]["health_formula_c"] == 3.0
    first_read = run.resource_state("Account")["calculated_read_at"]
    before = run.raw("Account")

    store.recalculate("Account", target, {FORMULA: 42.0})  # no SystemModstamp bump

    run.run(objects=["Account", "User"])  # within the 24 h cadence: incremental only
    assert run.raw("Account")[target]["health_formula_c"] == 3.0
    assert run.resource_state("Account")["calculated_read_at"] == first_read
    assert run.raw("Account") == before

    run.configure(calculated_refresh_hours=0)  # the cadence has passed
    summary = run.run(objects=["Account", "User"])
    assert summary.transports["Account"] == transport
    assert run.raw("Account")[target]["health_formula_c"] == 42.0
    # The whole row came back, not just Id and the formula: nothing nulled.
    run.assert_raw_equals_org("Account")
    assert run.resource_state("Account")["calculated_read_at"] > first_read
    # Objects without formulas keep their incremental reads and no marker.
    assert "calculated_read_at" not in run.resource_state("User")


def test_describe_reports_formula_fields_as_calculated_and_read_only(start_org, tmp_path):
    client = open_client(settings_for(start_org(formula_store(2)), tmp_path))
    fields = {f["name"]: f for f in client.describe("Account")["fields"]}
    assert fields[FORMULA]["calculated"] is True
    assert fields[FORMULA]["updateable"] is False
    assert fields["Name"]["calculated"] is False
