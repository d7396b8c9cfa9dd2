"""The one SparkSession of a Rapport process, and the raw tables dlt landed as Parquet.

dbt-spark's session method calls ``SparkSession.builder.getOrCreate()``, so
the session built here (Hive catalog in ``warehouse_dir``, modest memory,
no UI) is the one dbt, the gates, the ledger and the report all use. Spark
starts in seconds, not milliseconds: one per process, never one per stage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rapport.config import SparkSettings

# dlt's own bookkeeping folders next to the tables.
_DLT_FOLDERS = ("_dlt_loads", "_dlt_pipeline_state", "_dlt_version", "init")


def spark_conf(settings: SparkSettings) -> dict[str, str]:
    """Session settings; the catalog lives in warehouse_dir so it outlives the process."""
    home = settings.warehouse_dir.resolve()
    return {
        "spark.master": settings.master,
        "spark.driver.memory": settings.driver_memory,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(settings.shuffle_partitions),
        "spark.sql.warehouse.dir": str(home / "tables"),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={home / 'metastore'}",
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={home / 'metastore' / 'metastore_db'};create=true"
        ),
        "spark.sql.session.timeZone": "UTC",
        # The gates' SQL quotes identifiers the standard way ("name").
        "spark.sql.ansi.doubleQuotedIdentifiers": "true",
        "spark.sql.ansi.enabled": "true",
        # Loads that added a column write Parquet files with more columns.
        "spark.sql.parquet.mergeSchema": "true",
    }


# Runtime settings Rapport's own SQL needs and dbt-spark turns off: its
# session method sets spark.sql.ansi.enabled=false on every statement (dbt's
# macros assume Spark 3's lenient SQL), which also disables the standard
# "quoted" identifiers the gates write. Re-applied whenever the session is
# handed out, so the gates and the ledger after a dbt build see them again.
RAPPORT_SQL_CONF = ("spark.sql.ansi.enabled", "spark.sql.ansi.doubleQuotedIdentifiers")


def spark_session(settings: SparkSettings) -> Any:
    """The process's session, created on first use with ``spark_conf``."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        conf = spark_conf(settings)
        for key in RAPPORT_SQL_CONF:
            active.conf.set(key, conf[key])
        return active
    (settings.warehouse_dir / "metastore").mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("rapport").enableHiveSupport()
    for key, value in spark_conf(settings).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def raw_tables(raw_path: str, dataset: str) -> dict[str, str]:
    """Table name → folder of its Parquet files, as dlt's filesystem destination lays them out."""
    root = Path(raw_path).resolve() / dataset
    if not root.is_dir():
        return {}
    return {
        folder.name: str(folder)
        for folder in sorted(root.iterdir())
        if folder.is_dir() and folder.name not in _DLT_FOLDERS and any(folder.glob("*.parquet"))
    }


def register_raw_tables(session: Any, raw_path: str, schema: str) -> list[str]:
    """(Re)define one view per landed table, keeping the latest row of each Id.

    dlt's filesystem destination appends Parquet files (merge needs Delta or
    Iceberg, whose Spark jars cannot be fetched here), so an incremental load
    leaves earlier versions of a record behind: the view keeps, per ``id``,
    the row of the newest load file, which is what dlt's merge keeps elsewhere.
    """
    session.sql(f"create database if not exists `{schema}`")
    registered = []
    for table, folder in raw_tables(raw_path, schema).items():
        files = f"parquet.`{folder}`"
        columns = session.read.parquet(folder).columns
        if "id" in {c.lower() for c in columns}:
            listed = ", ".join(f"`{c}`" for c in columns)
            # Files are named {load_id}.{file_id}.parquet and load ids are
            # timestamps: the greatest file name holds the newest version.
            latest = (
                f"select {listed} from (select *, row_number() over (partition by id "
                "order by _metadata.file_name desc) as _rapport_rank "
                f"from {files}) as ranked where _rapport_rank = 1"
            )
        else:
            latest = f"select * from {files}"
        session.sql(f"create or replace view `{schema}`.`{table}` as {latest}")
        registered.append(table)
    return registered
