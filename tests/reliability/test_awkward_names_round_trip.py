"""After a full run, write-back included, awkward names read back from the CRM unchanged.

Emoji (with a skin-tone modifier), right-to-left scripts with their marks,
quotes, backslashes and SQL/SOQL metacharacters travel org → warehouse →
marts → write-back payload; write-back must not touch Name, and nothing on
the way may re-encode, trim or escape it. The same org holds a won deal
with a negative Amount (legal, implausible): the run completes and the raw
gate names that record and field in a warning.
"""

from __future__ import annotations

import duckdb
import pytest

from local_org.server import LocalOrg
from rapport.demo import install_rapport_fields, local_org_env
from tests.factories.local_org import client
from tests.reliability.corpus import AS_OF, EMOJI_RTL_NAME, HOSTILE_NAME
from tests.reliability.helpers import generated_org_store, run_cli

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

# Hebrew between right-to-left and left-to-right marks, the Hebrew gershayim,
# curly quotes, an emoji with a skin-tone modifier, a literal backslash-n.
RTL_QUOTES_NAME = (
    '\u200fשלום "עולם" \U0001f44b\U0001f3fd \u2018curly\u2019 d\'Arc \\n 100% \u200e(בע\u05f4מ)'  # noqa: RUF001
)
NAMES = (EMOJI_RTL_NAME, HOSTILE_NAME, RTL_QUOTES_NAME)


def test_awkward_names_come_back_unchanged_and_a_negative_amount_is_named(
    tmp_path, monkeypatch, capfd
):
    store = generated_org_store(accounts=8)
    install_rapport_fields(store)
    ids = [r["Id"] for r in store.query("SELECT Id FROM Account ORDER BY Id").records()[:3]]
    for account_id, name in zip(ids, NAMES, strict=True):
        store.update("Account", account_id, {"Name": name})
    won = store.query(
        "SELECT Id FROM Opportunity WHERE StageName = 'Closed Won' ORDER BY Id LIMIT 1"
    ).records()[0]["Id"]
    store.update("Opportunity", won, {"Amount": -250000})

    warehouse = tmp_path / "warehouse" / "rapport.duckdb"
    with LocalOrg.start(store, state_dir=tmp_path / "org") as org:
        for key, value in local_org_env(org.info, warehouse, tmp_path / "state").items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("RAPPORT_CONFIG", str(tmp_path / "absent.yml"))
        monkeypatch.setenv("RAPPORT_AS_OF_DATE", AS_OF.date().isoformat())

        assert run_cli("run") == 0

        id_list = ", ".join(f"'{i}'" for i in ids)
        read_back = client(org).query_all(
            f"SELECT Id, Name, Relationship_Type__c FROM Account WHERE Id IN ({id_list})"
        )["records"]

    by_id = {r["Id"]: r for r in read_back}
    for account_id, name in zip(ids, NAMES, strict=True):
        assert by_id[account_id]["Name"] == name
        # written back: the run did reach these records
        assert by_id[account_id]["Relationship_Type__c"]
    with duckdb.connect(str(warehouse)) as connection:
        marts = dict(
            connection.execute(
                f"select account_id, account_name from rapport.rapport.account_relationship "
                f"where account_id in ({id_list})"
            ).fetchall()
        )
        [(observed, ids_logged)] = connection.execute(
            "select observed_value, sample_ids from rapport_audit.validation_results "
            "where suite = 'raw_opportunity' and check_name = 'won_amount_not_negative' "
            "and not success"
        ).fetchall()
    assert marts == dict(zip(ids, NAMES, strict=True))
    assert "1 live rows where is_won with a negative amount (lowest -250000" in observed
    assert won in str(ids_logged)
    # The run summary names the check, the field and the record.
    printed = " ".join(capfd.readouterr().out.split())
    assert "Warnings (the run went on):" in printed
    assert "on amount failed (check won_amount_not_negative)" in printed
    assert won in printed
