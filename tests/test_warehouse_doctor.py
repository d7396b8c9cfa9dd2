"""`rapport doctor` fails on a warehouse that cannot run a stage, before anything runs."""

from __future__ import annotations

import socket
from urllib.parse import urlparse

from rapport.config import WarehouseSettings
from rapport.doctor import _check, _warehouse
from rapport.warehouse import backend_for


class Stub:
    def __init__(self, warehouse: WarehouseSettings) -> None:
        self.warehouse = warehouse


def doctor_row(warehouse: WarehouseSettings):
    return _check("warehouse", lambda: _warehouse(Stub(warehouse)))


def test_a_reachable_postgres_passes_and_gets_the_audit_schema(postgres_url):
    url = urlparse(postgres_url)
    settings = WarehouseSettings(
        type="postgres",
        host=url.hostname,
        port=url.port,
        user=url.username,
        database="rapport",
        audit_schema="doctor_audit",
    )
    row = doctor_row(settings)
    assert row.ok, row.detail
    with backend_for(settings).sql() as sql:
        assert sql.rows(
            "select count(*) from information_schema.schemata where schema_name = 'doctor_audit'"
        ) == [(1,)]


def test_an_unreachable_postgres_is_a_problem():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    row = doctor_row(WarehouseSettings(type="postgres", host="127.0.0.1", port=closed_port))
    assert not row.ok
    assert "connect" in row.detail.lower() or "refused" in row.detail.lower()


def test_a_missing_adapter_names_the_extra_to_install():
    # dbt-snowflake is not in the lock (it cannot share a venv with the others).
    row = doctor_row(WarehouseSettings(type="snowflake"))
    assert not row.ok
    assert "rapport[snowflake]" in row.detail


def test_a_duckdb_file_that_cannot_be_created_is_a_problem(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    row = doctor_row(WarehouseSettings(type="duckdb", path=blocked / "rapport.duckdb"))
    assert not row.ok


def test_a_duckdb_warehouse_passes(tmp_path):
    row = doctor_row(WarehouseSettings(type="duckdb", path=tmp_path / "w" / "rapport.duckdb"))
    assert row.ok, row.detail
