"""Spark as the warehouse: dlt lands Parquet, dbt builds the marts on Spark, write-back works.

Below dbt: the raw views, Spark SQL and the ledger. End to end: ``rapport
run`` on Spark builds the same marts, row by row, as on DuckDB for the same
org, writes them back, and a second run writes nothing.

One SparkSession (local[2], 1 GB driver, no UI) for the whole test process:
starting Spark costs far more than anything these tests do with it.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from pandas.api.types import is_datetime64_any_dtype, is_float_dtype

from connectors.salesforce.extract.load import load_salesforce, open_client
from connectors.salesforce.writeback.state import LogEntry, PushedValue, WritebackLedger
from local_org.server import LocalOrg
from rapport.config import Settings, load_settings
from rapport.warehouse import DBT_PROJECT_DIR, backend_for
from tests.conftest import generated_store
from tests.test_end_to_end_warehouses import crm_and_mart, rapport_run, writes

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


# Every mart the project builds, from the project itself.
MARTS = sorted(p.stem for p in (DBT_PROJECT_DIR / "models" / "marts").glob("*.sql"))


def marts(settings) -> dict[str, pd.DataFrame]:
    """Every mart of the configured warehouse, read through its own SQL connection."""
    with backend_for(settings.warehouse).sql() as sql:
        schema = settings.warehouse.marts_schema
        return {m: sql.frame(f"select * from {sql.relation(schema, m)}") for m in MARTS}


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates and timestamps as UTC instants, rows in one order (the non-float columns'
    values), so two engines' results compare row by row whatever their types' spelling."""
    frame = frame.reset_index(drop=True).copy()
    for column in frame.columns:
        values = frame[column]
        if (
            is_datetime64_any_dtype(values)
            or values.map(lambda v: isinstance(v, (date, datetime))).any()
        ):
            frame[column] = pd.to_datetime(values, utc=True)
    if frame.empty:
        return frame
    keys = [c for c in frame.columns if not is_float_dtype(frame[c])]
    text = frame[keys].apply(lambda values: values.map(str))
    order = text.agg("|".join, axis=1).sort_values().index
    return frame.loc[order].reset_index(drop=True)


def assert_same_rows(name: str, duck: pd.DataFrame, spark: pd.DataFrame) -> None:
    """Same columns, same rows; floats equal within 1e-9 relative, 1e-6 absolute."""
    assert set(spark.columns) == set(duck.columns), name
    duck, spark = comparable(duck), comparable(spark[list(duck.columns)])
    assert len(spark) == len(duck), f"{name}: {len(spark)} rows on Spark, {len(duck)} on DuckDB"
    for column in duck.columns:
        left, right = duck[column], spark[column]
        if is_float_dtype(left) or is_float_dtype(right):
            close = np.isclose(
                left.astype(float), right.astype(float), rtol=1e-9, atol=1e-6, equal_nan=True
            )
            differ = ~close
        else:
            differ = [
                not (pd.isna(a) and pd.isna(b)) and a != b for a, b in zip(left, right, strict=True)
            ]
        rows = [i for i, d in enumerate(differ) if d]
        assert not rows, (
            f"{name}.{column} differs in {len(rows)} rows, e.g. DuckDB "
            f"{left.iloc[rows[0]]!r} / Spark {right.iloc[rows[0]]!r}"
        )


def fresh_spark_catalog() -> None:
    """Drop every database the process's SparkSession holds (another test's tables and ledger)."""
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is None:
        return
    for database in session.catalog.listDatabases():
        if database.name != "default":
            session.sql(f"drop database `{database.name}` cascade")


@pytest.mark.usefixtures("prefect_harness")
def test_rapport_run_on_spark_builds_the_duckdb_marts_writes_back_then_nothing(
    small_org, monkeypatch, tmp_path
):
    # The reference: the same org through DuckDB, without writing to the CRM.
    monkeypatch.setenv("RAPPORT_WAREHOUSE__TYPE", "duckdb")
    rapport_run("--full-refresh", "--dry-run")
    assert writes(small_org.org) == 0
    on_duckdb = marts(load_settings())

    monkeypatch.setenv("RAPPORT_WAREHOUSE__TYPE", "spark")
    monkeypatch.setenv("RAPPORT_WAREHOUSE__SPARK__WAREHOUSE_DIR", str(tmp_path / "spark"))
    monkeypatch.setenv("RAPPORT_WAREHOUSE__SPARK__RAW_PATH", str(tmp_path / "spark-raw"))
    monkeypatch.setenv("RAPPORT_STATE_DIR", str(tmp_path / "state-spark"))
    fresh_spark_catalog()
    rapport_run("--full-refresh")

    settings = load_settings()
    on_spark = marts(settings)
    assert len(on_spark["account_relationship"]) == len(small_org.labels)
    for name in MARTS:
        assert_same_rows(name, on_duckdb[name], on_spark[name])

    in_crm, expected = crm_and_mart(settings, on_spark["account_relationship"])
    assert in_crm == expected
    first = writes(small_org.org)
    assert first > 0

    rapport_run()

    assert writes(small_org.org) == first
    with backend_for(settings.warehouse).sql() as sql:
        log = sql.frame(
            f"select status from {sql.relation(settings.warehouse.audit_schema, 'writeback_log')}"
        )
    assert set(log["status"]) <= {"success", "already_in_crm"}
