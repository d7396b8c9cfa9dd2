"""Point the pipeline at each supported warehouse, through env vars as a user would."""

from __future__ import annotations

import uuid
from urllib.parse import urlparse

import pytest

# Warehouses CI runs every stage on. Spark's end-to-end run is in
# tests/test_spark_warehouse.py, where the same run also checks its marts
# against DuckDB's: one Spark build fewer in CI, where each takes minutes.
SUPPORTED = [
    "duckdb",
    pytest.param("postgres", marks=pytest.mark.postgres),
]


def fresh_postgres_database(postgres_url: str) -> str:
    """A new, empty database on the test server, so no run sees another's schemas."""
    import psycopg2

    name = f"rapport_{uuid.uuid4().hex[:10]}"
    connection = psycopg2.connect(postgres_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'create database "{name}"')
    finally:
        connection.close()
    return name


def use_warehouse(kind: str, monkeypatch: pytest.MonkeyPatch, tmp_path, request) -> None:
    """Set RAPPORT_WAREHOUSE__* for ``kind`` (the DuckDB path is already set by pipeline_env)."""
    monkeypatch.setenv("RAPPORT_WAREHOUSE__TYPE", kind)
    if kind == "postgres":
        url = urlparse(request.getfixturevalue("postgres_url"))
        database = fresh_postgres_database(request.getfixturevalue("postgres_url"))
        for key, value in {
            "HOST": url.hostname,
            "PORT": str(url.port),
            "USER": url.username,
            "PASSWORD": url.password or "",
            "DATABASE": database,
        }.items():
            monkeypatch.setenv(f"RAPPORT_WAREHOUSE__{key}", value)
