"""Bad-input case "a field that disappears between two runs", through `rapport run`.

Run 1 extracts Account.Estimated_Annual_Wallet__c; then the admin deletes it
(or field-level security hides it from the integration user). Run 2 must
complete (exit 0, no traceback) with a warning naming Object.Field, and the
models must read the now-empty column as no evidence: no share of wallet for
any account, rather than last run's wallets on some accounts and none on
others. The connector-level detail is in tests/connector/test_field_set_changes.py.
"""

from __future__ import annotations

import duckdb
import pytest

from local_org.server import LocalOrg
from rapport.demo import install_rapport_fields, local_org_env
from tests.reliability.corpus import AS_OF
from tests.reliability.helpers import generated_org_store, run_cli

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

FIELD = "Account.Estimated_Annual_Wallet__c"


def _wallets(warehouse) -> tuple[int, int, int]:
    """(live raw accounts with a wallet, accounts with a share of wallet, mart rows)."""
    with duckdb.connect(str(warehouse)) as connection:
        return connection.execute(
            "select (select count(estimated_annual_wallet_c) from rapport.salesforce.account "
            "where not coalesce(is_deleted, false)), "
            "(select count(share_of_wallet) "
            "from rapport.rapport_intermediate.int_account_signals), "
            "(select count(*) from rapport.rapport.account_relationship)"
        ).fetchone()


def test_a_field_deleted_between_two_runs_ends_in_a_warning_and_no_evidence(
    tmp_path, monkeypatch, capfd
):
    store = generated_org_store(accounts=10)
    install_rapport_fields(store)
    warehouse = tmp_path / "warehouse" / "rapport.duckdb"
    with LocalOrg.start(store, state_dir=tmp_path / "org") as org:
        for key, value in local_org_env(org.info, warehouse, tmp_path / "state").items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("RAPPORT_CONFIG", str(tmp_path / "absent.yml"))
        monkeypatch.setenv("RAPPORT_AS_OF_DATE", AS_OF.date().isoformat())
        # Losing the wallet may retype an account or two of ten; that shift
        # is the point of the case, not a broken extract.
        monkeypatch.setenv("RAPPORT_GATES__MAX_TYPE_SHIFT", "1")

        assert run_cli("run") == 0
        wallets, shares, accounts = _wallets(warehouse)
        assert wallets > 0 and shares > 0

        store.remove_field(*FIELD.split("."))
        capfd.readouterr()
        assert run_cli("run") == 0

    output = capfd.readouterr()
    printed = " ".join(output.out.split())
    assert f"- {FIELD} is no longer in the org's describe" in printed
    assert "Traceback" not in output.out + output.err
    assert _wallets(warehouse) == (0, 0, accounts)
