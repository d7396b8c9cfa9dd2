"""The same gates on PostgreSQL, through GX's native Postgres datasource.

Uses the session's PostgreSQL (tests/conftest.py: RAPPORT_TEST_POSTGRES_URL or
a throwaway server). Each test works in schemas of its own and drops them
afterwards.
"""

from __future__ import annotations

import uuid

import duckdb
import pytest

from expectations.gate import GateFailed, enforce
from expectations.runner import run_gates
from rapport.config import ExtractSettings, GateSettings, Settings, WarehouseSettings
from tests.factories import account_id, contact_id
from tests.factories.gates import AS_OF, build_warehouse

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_settings(tmp_path, postgres_url):
    """The small test warehouse copied into fresh PostgreSQL schemas."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    suffix = uuid.uuid4().hex[:8]
    raw, marts, audit = f"raw_{suffix}", f"marts_{suffix}", f"audit_{suffix}"
    source = build_warehouse(tmp_path / "rapport.duckdb")
    engine = create_engine(url.set(drivername="postgresql+psycopg2"))
    with duckdb.connect(str(source.path)) as connection, engine.begin() as pg:
        for schema, target in (("salesforce", raw), ("rapport", marts)):
            pg.execute(text(f'create schema "{target}"'))
            tables = connection.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [schema],
            ).fetchall()
            for (table,) in tables:
                frame = connection.execute(f'select * from rapport."{schema}"."{table}"').df()
                frame.to_sql(table, pg, schema=target, index=False)
    settings = Settings(
        warehouse=WarehouseSettings(
            type="postgres",
            host=url.host or "localhost",
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password,
            database=url.database or "postgres",
            raw_schema=raw,
            marts_schema=marts,
            audit_schema=audit,
        ),
        extract=ExtractSettings(),
        state_dir=tmp_path / "state",
        as_of_date=AS_OF,
        gates=GateSettings(describe="off", data_docs=False),
    )
    yield settings, engine, (raw, marts)
    with engine.begin() as pg:
        for schema in (raw, marts, audit):
            pg.execute(text(f'drop schema if exists "{schema}" cascade'))
    engine.dispose()


def test_postgres_gates_pass_then_stop_on_duplicates_and_a_missing_mart_row(postgres_settings):
    from sqlalchemy import text

    settings, engine, (raw, marts) = postgres_settings
    assert run_gates(settings).passed

    with engine.begin() as pg:
        pg.execute(
            text(f'insert into "{raw}".contact select * from "{raw}".contact where id = :id'),
            {"id": contact_id(3)},
        )
        pg.execute(
            text(f'delete from "{marts}".account_relationship where account_id = :id'),
            {"id": account_id(4)},
        )
    report = run_gates(settings)

    failures = {(r.suite, r.check): r.sample_ids for r in report.errors}
    assert failures[("raw_contact", "id_unique")] == [contact_id(3)]
    assert failures[("account_relationship", "one_row_per_live_account")] == [account_id(4)]
    with pytest.raises(GateFailed, match="expect_one_row_per_live_raw_row on account_id"):
        enforce(report.results)
    with engine.connect() as pg:
        runs = pg.execute(
            text(
                f'select count(distinct run_id) from "{settings.warehouse.audit_schema}".'
                "validation_results"
            )
        ).scalar()
    assert runs == 2
