"""Every way a stage connects to the warehouse, built from one set of parameters.

dlt, dbt, psycopg2, SQLAlchemy (and GX through it) each want the PostgreSQL
connection in their own shape: a URL, environment variables, a libpq DSN.
They are all derived here from :func:`postgres_params`, so a password with
``@``, ``:``, ``/``, a quote or a space reaches every stage the same way, and
so there is one place to point at a warehouse.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb

from rapport.config import WarehouseSettings

# SQLAlchemy (and GX, which hands the URL to SQLAlchemy) and dlt name the driver differently.
SQLALCHEMY_DRIVER = "postgresql+psycopg2"
DLT_DRIVER = "postgresql"


@dataclass(frozen=True)
class PostgresParams:
    """The PostgreSQL connection, unquoted; every builder below starts from it."""

    host: str
    port: int
    user: str
    password: str  # "" when none is configured
    database: str


def postgres_params(settings: WarehouseSettings) -> PostgresParams:
    return PostgresParams(
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password.get_secret_value() if settings.password else "",
        database=settings.database,
    )


def duckdb_path(settings: WarehouseSettings) -> Path:
    """The DuckDB file, absolute: dlt and dbt may run from another working directory."""
    return settings.path.resolve()


def postgres_dsn(settings: WarehouseSettings) -> str:
    """A libpq connection string; make_dsn quotes values (an empty password included)."""
    from psycopg2.extensions import make_dsn

    p = postgres_params(settings)
    return make_dsn(host=p.host, port=p.port, user=p.user, password=p.password, dbname=p.database)


def postgres_url(settings: WarehouseSettings, driver: str = SQLALCHEMY_DRIVER) -> str:
    """A URL with user and password percent-encoded, spaces included.

    Not SQLAlchemy's ``URL.render_as_string``: it leaves a space in the
    password as is, and GX's Postgres datasource then refuses the URL.
    """
    p = postgres_params(settings)
    user, password = quote(p.user, safe=""), quote(p.password, safe="")
    return f"{driver}://{user}:{password}@{p.host}:{p.port}/{quote(p.database, safe='')}"


def dlt_destination(settings: WarehouseSettings) -> Any:
    """The dlt destination factory for the configured warehouse (see ``backends``)."""
    from rapport.warehouse.backends import backend_for

    return backend_for(settings).dlt_destination()


def dbt_env(settings: WarehouseSettings) -> dict[str, str]:
    """Environment variables profiles.yml and the sources read (see ``backends``)."""
    from rapport.warehouse.backends import backend_for

    return backend_for(settings).dbt_env()


def duckdb_limits(settings: WarehouseSettings) -> dict[str, str]:
    """DuckDB's ``threads`` and ``memory_limit`` for every engine that writes the warehouse.

    dlt's load and dbt's build open the same file in one process and DuckDB
    keeps one buffer pool for it; each applies these limits (dlt with ``SET
    GLOBAL`` as it opens the file, dbt on each cursor), so whichever comes
    first, the pool stays within the process's budget.
    """
    threads = settings.duckdb_threads or os.cpu_count() or 1
    memory = settings.duckdb_memory_limit or default_duckdb_memory_limit()
    return {"threads": str(threads), "memory_limit": memory}


def duckdb_resources(settings: WarehouseSettings) -> dict[str, str]:
    """DuckDB threads and memory limit for profiles.yml.

    Applied by dbt-duckdb as ``SET`` on each cursor, so other connections to the
    same file in this process (which open with DuckDB's defaults) are not refused.
    Spills go to DuckDB's default for a file, the file's name + ``.tmp``: a
    spill directory cannot be set per cursor, since DuckDB refuses to set it
    again once it has been used.
    """
    limits = duckdb_limits(settings)
    return {
        "RAPPORT_DUCKDB_THREADS": limits["threads"],
        "RAPPORT_DUCKDB_MEMORY_LIMIT": limits["memory_limit"],
    }


# DuckDB's buffer pool is not the whole process: Python, dbt's manifest and
# Arrow batches live outside it. At L (200k accounts) a dbt build with half of
# 24 GB as its limit peaked at 6.4 GB of RSS; the budget is 4 GB a
# process, so the pool gets 2 GiB at most and spills the rest to disk.
MAX_DEFAULT_DUCKDB_MEMORY_MIB = 2048


def default_duckdb_memory_limit() -> str:
    """A quarter of the machine's memory, at most 2 GiB and at least 512 MiB.

    Several engines share one host in a run (the warehouse, a local org, the
    Prefect server), and the process must stay within its budget at any org
    size, so the limit does not grow with the machine beyond what a run needs;
    a bigger machine can raise it in config (warehouse.duckdb_memory_limit).
    """
    quarter = _physical_memory_mib() // 4
    return f"{max(512, min(quarter, MAX_DEFAULT_DUCKDB_MEMORY_MIB))}MiB"


def _physical_memory_mib() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError, AttributeError):
        return 4096


def export_dbt_env(settings: WarehouseSettings) -> None:
    os.environ.update(dbt_env(settings))


@contextmanager
def duckdb_connection(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """DuckDB with the default configuration, like dbt-duckdb's: DuckDB refuses a
    second, differently configured connection to a file within one process."""
    connection = duckdb.connect(str(path), read_only=read_only)
    try:
        yield connection
    finally:
        connection.close()


@contextmanager
def postgres_connection(settings: WarehouseSettings) -> Iterator[Any]:
    """A psycopg2 connection, closed on exit (psycopg2's own ``with`` only ends the transaction)."""
    import psycopg2

    connection = psycopg2.connect(postgres_dsn(settings))
    try:
        yield connection
    finally:
        connection.close()


@contextmanager
def postgres_engine(settings: WarehouseSettings) -> Iterator[Any]:
    """A SQLAlchemy engine, disposed on exit."""
    from sqlalchemy import create_engine

    engine = create_engine(postgres_url(settings))
    try:
        yield engine
    finally:
        engine.dispose()
