"""One warehouse interface for every stage, chosen by ``warehouse.type``.

A backend says how each stage reaches the warehouse: the dlt destination
(extract), the dbt target's environment (transform), a ``WarehouseSql``
(gates, write-back ledger, report), and a ``probe`` that ``rapport doctor``
runs before anything else does: driver importable, connection opens, schema
creatable. Stages ask ``backend_for(settings)``, never ``settings.type``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from rapport.config import WarehouseSettings
from rapport.errors import ConfigurationError
from rapport.warehouse.sql import WarehouseSql


class MissingDriver(ConfigurationError):
    """The Python package a warehouse needs is not installed; the message says which extra."""

    hint = "Install the extra named above, or choose another warehouse.type."


def require(module: str, extra: str) -> None:
    """Import ``module`` or say which ``rapport[extra]`` to install."""
    import importlib

    try:
        importlib.import_module(module)
    except ImportError as error:
        raise MissingDriver(
            f"The {extra} warehouse needs the Python package {module.split('.')[0]} "
            f"({error}): pip install 'rapport[{extra}]'."
        ) from error


class WarehouseBackend(ABC):
    """What every stage needs from one kind of warehouse."""

    name: str
    # Python modules the stages import, and the extra that installs them.
    drivers: tuple[str, ...] = ()
    extra: str = ""
    # The file format dlt loads with; None: the destination's own.
    loader_file_format: str | None = None

    def __init__(self, settings: WarehouseSettings) -> None:
        self.settings = settings

    @abstractmethod
    def dlt_destination(self) -> Any:
        """The dlt destination the extract loads the raw schema into."""

    @abstractmethod
    def dbt_env(self) -> dict[str, str]:
        """Environment variables that select and configure the dbt target (profiles.yml)."""

    @abstractmethod
    def sql(self) -> AbstractContextManager[WarehouseSql]:
        """A connection for the gates, the write-back ledger and the report."""

    @abstractmethod
    def describe(self) -> str:
        """Where the warehouse is, for messages (never a secret)."""

    def before_dbt(self) -> None:
        """Whatever must exist before dbt connects in this process (Spark: the session).

        Nothing for warehouses dbt reaches over the network by itself.
        """
        return None

    def check_drivers(self) -> None:
        for module in self.drivers:
            require(module, self.extra)

    def probe(self) -> str:
        """Everything a run will need of the warehouse, checked before it runs.

        Drivers import, a connection opens, and the audit schema (the first
        schema a run writes to that dbt does not create) can be created.
        """
        self.check_drivers()
        with self.sql() as sql:
            sql.write_many(self.settings.audit_schema, [])
            sql.rows("select 1")
        return f"{self.describe()}: drivers present, connects, can create schemas"


def base_env(settings: WarehouseSettings) -> dict[str, str]:
    """The variables every dbt target reads: which output, and the schemas."""
    return {
        "RAPPORT_TARGET": settings.type,
        "RAPPORT_RAW_SCHEMA": settings.raw_schema,
        "RAPPORT_SOURCE_LOADER": settings.raw_loader,
        "RAPPORT_MARTS_SCHEMA": settings.marts_schema,
    }


class DuckDbBackend(WarehouseBackend):
    name = "duckdb"
    drivers = ("duckdb", "dbt.adapters.duckdb")
    extra = "duckdb"

    def dlt_destination(self) -> Any:
        """dlt's DuckDB, within the same limits as dbt's.

        Without them DuckDB may take 80% of the machine: at L (15M activity
        rows) the load step's buffer pool took extraction's process to 4.3 GB,
        over issue #11's 4 GB a process.
        """
        import dlt
        from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

        from rapport.warehouse.connection import duckdb_limits

        self.settings.path.parent.mkdir(parents=True, exist_ok=True)
        credentials = DuckDbCredentials(
            str(self.settings.path.resolve()), global_config=duckdb_limits(self.settings)
        )
        return dlt.destinations.duckdb(credentials=credentials)

    def dbt_env(self) -> dict[str, str]:
        from rapport.warehouse.connection import duckdb_resources

        return (
            base_env(self.settings)
            | {"RAPPORT_DUCKDB_PATH": str(self.settings.path.resolve())}
            | duckdb_resources(self.settings)
        )

    @contextmanager
    def sql(self) -> Iterator[WarehouseSql]:
        from rapport.warehouse.connection import duckdb_connection
        from rapport.warehouse.duckdb_sql import DuckDbSql

        with duckdb_connection(self.settings.path) as connection:
            yield DuckDbSql(connection)

    def describe(self) -> str:
        return f"DuckDB {self.settings.path}"

    def probe(self) -> str:
        self.settings.path.parent.mkdir(parents=True, exist_ok=True)
        return super().probe()


class PostgresBackend(WarehouseBackend):
    name = "postgres"
    drivers = ("psycopg2", "sqlalchemy", "dbt.adapters.postgres")
    extra = "postgres"

    def dlt_destination(self) -> Any:
        import dlt

        from rapport.warehouse.connection import DLT_DRIVER, postgres_url

        return dlt.destinations.postgres(credentials=postgres_url(self.settings, driver=DLT_DRIVER))

    def dbt_env(self) -> dict[str, str]:
        from rapport.warehouse.connection import postgres_params

        p = postgres_params(self.settings)
        return base_env(self.settings) | {
            "RAPPORT_PG_HOST": p.host,
            "RAPPORT_PG_PORT": str(p.port),
            "RAPPORT_PG_USER": p.user,
            "RAPPORT_PG_PASSWORD": p.password,
            "RAPPORT_PG_DATABASE": p.database,
        }

    @contextmanager
    def sql(self) -> Iterator[WarehouseSql]:
        from rapport.warehouse.connection import postgres_engine
        from rapport.warehouse.postgres_sql import PostgresSql

        with postgres_engine(self.settings) as engine:
            yield PostgresSql(engine)

    def describe(self) -> str:
        s = self.settings
        return f"PostgreSQL {s.host}:{s.port}/{s.database}"


def backend_for(settings: WarehouseSettings) -> WarehouseBackend:
    """The backend of the configured warehouse type."""
    from rapport.warehouse.remote import REMOTE_BACKENDS

    backends: dict[str, type[WarehouseBackend]] = {
        "duckdb": DuckDbBackend,
        "postgres": PostgresBackend,
        **REMOTE_BACKENDS,
    }
    if settings.type == "spark":
        from rapport.warehouse.spark import SparkBackend

        return SparkBackend(settings)
    return backends[settings.type](settings)
