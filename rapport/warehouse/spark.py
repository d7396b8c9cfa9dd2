"""Apache Spark as the warehouse: dlt lands Parquet, dbt-spark builds, Spark SQL reads.

Locally (and in CI) Spark runs in this process (``session``, ``local[2]``);
in production dbt reaches a Thrift server or Databricks and the raw folder is
object storage. The raw tables are views over dlt's Parquet folders,
re-registered whenever a session opens, so a new load is seen at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rapport.warehouse.backends import WarehouseBackend, base_env
from rapport.warehouse.sql import WarehouseSql


class SparkBackend(WarehouseBackend):
    name = "spark"
    drivers = ("pyspark", "dbt.adapters.spark")
    extra = "spark"
    loader_file_format = "parquet"

    def dlt_destination(self) -> Any:
        import dlt

        spark = self.settings.spark
        if "://" not in spark.raw_path:
            Path(spark.raw_path).mkdir(parents=True, exist_ok=True)
        return dlt.destinations.filesystem(
            bucket_url=self._raw_url(),
            layout="{table_name}/{load_id}.{file_id}.{ext}",
        )

    def _raw_url(self) -> str:
        raw = self.settings.spark.raw_path
        return raw if "://" in raw else Path(raw).resolve().as_uri()

    def dbt_env(self) -> dict[str, str]:
        spark = self.settings.spark
        env = base_env(self.settings) | {
            "RAPPORT_SPARK_METHOD": spark.method,
            "RAPPORT_SPARK_HOST": spark.host,
            "RAPPORT_SPARK_PORT": str(spark.port),
        }
        if spark.user:
            env["RAPPORT_SPARK_USER"] = spark.user
        return env

    def before_dbt(self) -> None:
        """Open the session dbt-spark's ``session`` method will reuse, raw views registered.

        dbt-spark calls ``SparkSession.builder.getOrCreate()``, which returns
        the session already running in this process: the one with Rapport's
        catalog and the views over the newest Parquet. Through Thrift, dbt
        reaches a server whose catalog must hold those views already.
        """
        if self.settings.spark.method == "session":
            self.session()

    def session(self) -> Any:
        """The process's SparkSession with the raw tables registered (dbt reuses it)."""
        from rapport.warehouse.spark_session import register_raw_tables, spark_session

        session = spark_session(self.settings.spark)
        register_raw_tables(session, self.settings.spark.raw_path, self.settings.raw_schema)
        return session

    @contextmanager
    def sql(self) -> Iterator[WarehouseSql]:
        from rapport.warehouse.spark_sql import SparkSql

        yield SparkSql(self.session())

    def describe(self) -> str:
        spark = self.settings.spark
        return f"Spark {spark.master} (raw Parquet in {spark.raw_path})"
