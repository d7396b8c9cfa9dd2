"""Spark as the warehouse, below dbt: dlt lands Parquet, Spark SQL reads it, the ledger works.

One SparkSession (local[2], 1 GB driver, no UI) for the whole module:
starting Spark costs far more than anything these tests do with it.
"""

from __future__ import annotations

import pytest

from connectors.salesforce.extract.load import load_salesforce, open_client
from connectors.salesforce.writeback.state import LogEntry, PushedValue, WritebackLedger
from local_org.server import LocalOrg
from rapport.config import Settings
from rapport.warehouse import backend_for
from tests.conftest import generated_store

pytestmark = [pytest.mark.slow, pytest.mark.spark]
pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark_org(tmp_path_factory):
    """A small org extracted twice (full, then incremental) into Parquet; the settings."""
    work = tmp_path_factory.mktemp("spark")
    store, labels = generated_store(accounts=60, seed=3)
    with LocalOrg.start(store, state_dir=work / "org") as org:
        info = org.info
        settings = Settings(
            salesforce={
                "username": info.username,
                "password": info.password,
                "security_token": info.security_token,
                "local_org_url": info.instance_url,
                "ca_cert": info.ca_cert,
            },
            warehouse={
                "type": "spark",
                "spark": {"warehouse_dir": work / "spark", "raw_path": str(work / "raw")},
            },
            state_dir=work / "state",
        )
        load_salesforce(open_client(settings), settings, full_refresh=True)
        # The incremental re-read of the overlap window lands those rows again.
        load_salesforce(open_client(settings), settings)
    return settings, labels


def test_raw_objects_land_as_parquet_and_read_once_per_id(spark_org):
    settings, labels = spark_org
    raw = settings.warehouse.spark.raw_path
    folders = {p.parent.name for p in __import__("pathlib").Path(raw).rglob("*.parquet")}
    assert {"account", "contact", "opportunity"} <= folders
    with backend_for(settings.warehouse).sql() as sql:
        account = sql.relation("salesforce", "account")
        assert sql.rows(f"select count(*), count(distinct id) from {account}") == [
            (len(labels), len(labels))
        ]
        assert sql.columns("salesforce", "account")["system_modstamp"] == "timestamp"
        assert sql.columns("salesforce", "no_such_table") is None


def test_the_doctor_probe_passes_on_spark(spark_org):
    settings, _ = spark_org
    assert "Spark local[2]" in backend_for(settings.warehouse).probe()


def test_the_write_back_ledger_upserts_on_spark(spark_org):
    settings, _ = spark_org
    with backend_for(settings.warehouse).sql() as sql:
        ledger = WritebackLedger(sql, "spark_audit")
        ledger.record(
            "r1",
            [LogEntry("Account", "001A", {"F": 1.5}, "success")],
            [PushedValue("Account", "001A", "F", 1.5)],
        )
        ledger.record(
            "r2",
            [LogEntry("Account", "001A", {"F": 2.5}, "success", transport="composite")],
            [PushedValue("Account", "001A", "F", 2.5), PushedValue("Account", "001B", "F", "x")],
        )
        assert ledger.last_pushed("Account") == {"001A": {"F": 2.5}, "001B": {"F": "x"}}
        assert [row["run_id"] for row in ledger.log_rows()] == ["r1", "r2"]
        assert ledger.log_rows("r2")[0]["transport"] == "composite"
        assert ledger.last_pushed("Contact") == {}
