"""Snowflake, BigQuery and Databricks: selectable, loaded by dlt and built by dbt.

No account is reachable from CI, so what is proven is that dbt parses and
compiles the project with each adapter (``scripts/compile-adapters.sh``).
The gates, the write-back ledger and the report need a SQL connection of
Rapport's own that these do not have yet: ``sql()`` says so, and so does
``rapport doctor`` before a run starts rather than after it transformed.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from rapport.errors import ConfigurationError
from rapport.warehouse.backends import WarehouseBackend, base_env
from rapport.warehouse.sql import WarehouseSql


class UnsupportedStage(ConfigurationError):
    """The configured warehouse cannot run one of the pipeline's stages."""

    hint = "Choose a warehouse.type that runs every stage (`rapport doctor` checks it)."


def _secret(value) -> str:
    return value.get_secret_value() if value is not None else ""


class RemoteBackend(WarehouseBackend):
    label: str

    def sql(self) -> AbstractContextManager[WarehouseSql]:
        raise UnsupportedStage(
            f"{self.label} can be loaded (dlt) and transformed (dbt), but Rapport's quality "
            "gates, write-back ledger and report cannot read it yet: use duckdb, postgres "
            "or spark for a full run, or run only `rapport transform` on this warehouse."
        )

    def probe(self) -> str:
        self.check_drivers()
        self.sql()
        return ""  # pragma: no cover - sql() raises


class SnowflakeBackend(RemoteBackend):
    name = "snowflake"
    label = "Snowflake"
    drivers = ("dbt.adapters.snowflake",)
    extra = "snowflake"

    def dlt_destination(self) -> Any:
        import dlt

        s = self.settings.snowflake
        return dlt.destinations.snowflake(
            credentials={
                "host": s.account,
                "username": s.user,
                "password": _secret(s.password),
                "database": s.database,
                "warehouse": s.warehouse,
                "role": s.role,
            }
        )

    def dbt_env(self) -> dict[str, str]:
        s = self.settings.snowflake
        return base_env(self.settings) | {
            "RAPPORT_SNOWFLAKE_ACCOUNT": s.account,
            "RAPPORT_SNOWFLAKE_USER": s.user,
            "RAPPORT_SNOWFLAKE_PASSWORD": _secret(s.password),
            "RAPPORT_SNOWFLAKE_ROLE": s.role,
            "RAPPORT_SNOWFLAKE_WAREHOUSE": s.warehouse,
            "RAPPORT_SNOWFLAKE_DATABASE": s.database,
        }

    def describe(self) -> str:
        s = self.settings.snowflake
        return f"Snowflake {s.account}/{s.database}"


class BigQueryBackend(RemoteBackend):
    name = "bigquery"
    label = "BigQuery"
    drivers = ("dbt.adapters.bigquery",)
    extra = "bigquery"

    def dlt_destination(self) -> Any:
        import dlt

        s = self.settings.bigquery
        return dlt.destinations.bigquery(credentials=str(s.keyfile), location=s.location)

    def dbt_env(self) -> dict[str, str]:
        s = self.settings.bigquery
        return base_env(self.settings) | {
            "RAPPORT_BIGQUERY_PROJECT": s.project,
            "RAPPORT_BIGQUERY_KEYFILE": str(s.keyfile),
            "RAPPORT_BIGQUERY_LOCATION": s.location,
        }

    def describe(self) -> str:
        return f"BigQuery project {self.settings.bigquery.project}"


class DatabricksBackend(RemoteBackend):
    name = "databricks"
    label = "Databricks"
    drivers = ("dbt.adapters.databricks",)
    extra = "databricks"

    def dlt_destination(self) -> Any:
        import dlt

        s = self.settings.databricks
        return dlt.destinations.databricks(
            credentials={
                "server_hostname": s.host,
                "http_path": s.http_path,
                "access_token": _secret(s.token),
                "catalog": s.catalog,
            }
        )

    def dbt_env(self) -> dict[str, str]:
        s = self.settings.databricks
        return base_env(self.settings) | {
            "RAPPORT_DATABRICKS_HOST": s.host,
            "RAPPORT_DATABRICKS_HTTP_PATH": s.http_path,
            "RAPPORT_DATABRICKS_TOKEN": _secret(s.token),
            "RAPPORT_DATABRICKS_CATALOG": s.catalog,
        }

    def describe(self) -> str:
        return (
            f"Databricks {self.settings.databricks.host} catalog {self.settings.databricks.catalog}"
        )


REMOTE_BACKENDS: dict[str, type[WarehouseBackend]] = {
    "snowflake": SnowflakeBackend,
    "bigquery": BigQueryBackend,
    "databricks": DatabricksBackend,
}
