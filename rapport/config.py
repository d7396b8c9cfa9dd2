"""Rapport's settings: one ``rapport.yml`` file, overridable by environment variables.

Secrets (passwords, tokens, client secrets) are ``SecretStr`` so that they never
print in logs, reprs or Prefect parameters; keep them in the environment
(``RAPPORT_SALESFORCE__PASSWORD=...``) rather than in the file.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from connectors.salesforce.extract.catalog import ObjectConfig, default_objects

CONFIG_ENV_VAR = "RAPPORT_CONFIG"
DEFAULT_CONFIG_FILE = "rapport.yml"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

AuthMode = Literal["password", "client_credentials", "jwt", "session"]
Loader = Literal["rapport", "fivetran", "airbyte"]


class SalesforceSettings(BaseModel):
    """How to sign in. ``auth`` picks which of the other fields are needed."""

    auth: AuthMode = "password"
    username: str | None = None
    password: SecretStr | None = None
    security_token: SecretStr | None = None
    # "login", "test" (sandbox) or a My Domain such as "acme.my".
    domain: str = "login"
    consumer_key: str | None = None
    consumer_secret: SecretStr | None = None
    private_key_file: Path | None = None
    instance_url: str | None = None
    session_id: SecretStr | None = None
    api_version: str = "59.0"
    timeout_seconds: float = 120.0
    # The JWT bearer signing key itself (PEM), instead of private_key_file.
    private_key: SecretStr | None = None
    # Prefect Secret blocks to read a secret from, e.g. password_secret_block:
    # sf-password; a block wins over the plain setting of the same secret.
    password_secret_block: str | None = None
    security_token_secret_block: str | None = None
    consumer_secret_secret_block: str | None = None
    session_id_secret_block: str | None = None
    private_key_secret_block: str | None = None
    # Every HTTP call waits at most this long to connect (timeout_seconds to read).
    connect_timeout_seconds: float = Field(default=10.0, gt=0)
    # Transient failures (timeouts, 5xx, UNABLE_TO_LOCK_ROW, the concurrent
    # request limit) are tried this many times in all, with exponential
    # backoff and jitter between retry_backoff_seconds and retry_max_backoff_seconds.
    max_attempts: int = Field(default=6, ge=1)
    retry_backoff_seconds: float = Field(default=1.0, ge=0)
    retry_max_backoff_seconds: float = Field(default=60.0, ge=0)
    # Set only for Rapport's local org: sign-in hosts are routed to this URL and
    # TLS is verified against its self-signed certificate.
    local_org_url: str | None = None
    ca_cert: Path | None = None


WarehouseType = Literal["duckdb", "postgres", "spark", "snowflake", "bigquery", "databricks"]


class SparkSettings(BaseModel):
    """Apache Spark: dlt lands Parquet under ``raw_path``, dbt builds tables with dbt-spark.

    ``session`` runs Spark in this process (pyspark, ``master``); ``thrift``
    talks to a Spark Thrift server. ``raw_path`` may be object storage
    (s3://, gs://, abfss://) with the matching fsspec driver installed.
    """

    method: Literal["session", "thrift"] = "session"
    master: str = "local[2]"
    driver_memory: str = "1g"
    shuffle_partitions: int = Field(default=4, ge=1)
    # Where Spark keeps its tables (spark.sql.warehouse.dir) and the metastore.
    warehouse_dir: Path = Path("warehouse/spark")
    # Where dlt lands the raw objects as Parquet, one folder per table.
    raw_path: str = "warehouse/spark/raw"
    host: str = "localhost"
    port: int = 10000
    user: str | None = None


class SnowflakeSettings(BaseModel):
    account: str = ""
    user: str = ""
    password: SecretStr | None = None
    role: str = "TRANSFORMER"
    warehouse: str = "TRANSFORMING"
    database: str = "RAPPORT"


class BigQuerySettings(BaseModel):
    project: str = ""
    # A service account key file.
    keyfile: Path = Path("bigquery-key.json")
    location: str = "US"


class DatabricksSettings(BaseModel):
    host: str = ""
    http_path: str = ""
    token: SecretStr | None = None
    catalog: str = "main"


class WarehouseSettings(BaseModel):
    """Where the raw tables and marts live; ``type`` picks the warehouse for every stage."""

    type: WarehouseType = "duckdb"
    path: Path = Path("warehouse/rapport.duckdb")
    raw_schema: str = "salesforce"
    # Whose layout the raw tables are in. Not a setting of its own: Settings
    # copies source.loader (and source.schema into raw_schema) here, so every
    # stage that is handed the warehouse reads the tables the loader landed.
    raw_loader: Loader = "rapport"
    marts_schema: str = "rapport"
    audit_schema: str = "rapport_audit"
    # PostgreSQL connection, used when type is postgres.
    host: str = "localhost"
    port: int = 5432
    user: str = "postgres"
    password: SecretStr | None = None
    database: str = "rapport"
    # DuckDB resources for dbt's connections (None: fit the machine, see
    # duckdb_resources). Several engines share one host in a run (the warehouse,
    # a local org, the Prefect server), so the default takes a quarter of the
    # memory, at most 2 GiB, not DuckDB's 80%; spills go next to the file
    # (DuckDB's default, <file>.tmp).
    duckdb_threads: int | None = Field(default=None, ge=1)
    duckdb_memory_limit: str | None = None
    spark: SparkSettings = Field(default_factory=SparkSettings)
    snowflake: SnowflakeSettings = Field(default_factory=SnowflakeSettings)
    bigquery: BigQuerySettings = Field(default_factory=BigQuerySettings)
    databricks: DatabricksSettings = Field(default_factory=DatabricksSettings)


class SourceSettings(BaseModel):
    """Who lands the Salesforce tables in the warehouse.

    ``rapport`` extracts them itself (dlt, into ``warehouse.raw_schema``);
    with ``fivetran`` or ``airbyte`` another loader already did, into
    ``schema``, in its own layout, and Rapport only transforms and writes back.
    """

    loader: Loader = "rapport"
    # The schema (dataset) the loader writes to; for rapport, warehouse.raw_schema is used.
    schema_: str = Field(default="salesforce", alias="schema")

    model_config = ConfigDict(populate_by_name=True)

    @property
    def extracts(self) -> bool:
        """Whether Rapport extracts from Salesforce itself."""
        return self.loader == "rapport"


class ExtractSettings(BaseModel):
    objects: list[ObjectConfig] = Field(default_factory=default_objects)
    # Re-read this many seconds before the point the last complete read covered
    # (the org's time when its query started, else the last SystemModstamp:
    # extract/source.py), so rows committed late in Salesforce are not lost:
    # at least the longest transaction, plus any skew of the org's clocks.
    overlap_seconds: int = Field(default=300, ge=0)
    # Formula (calculated) fields change without a SystemModstamp bump, so an
    # incremental run cannot see them; objects with any are re-read whole
    # when their last full read is older than this (0: every run).
    calculated_refresh_hours: float = Field(default=24.0, ge=0)
    # Entries added to (or, by name, replacing) the catalog, and catalog objects
    # to leave out; both are simpler than restating the whole `objects` list.
    add_objects: list[ObjectConfig] = Field(default_factory=list)
    drop_objects: list[str] = Field(default_factory=list)
    # Objects with at least this many rows to read go through Bulk API 2.0,
    # smaller ones through the REST query API (decided from SELECT COUNT()).
    bulk_threshold_rows: int = Field(default=10_000, ge=0)
    # Rows per Bulk API 2.0 result page (maxRecords) and per REST query page.
    bulk_page_rows: int = Field(default=50_000, ge=1)
    rest_batch_size: int = Field(default=2000, ge=200, le=2000)
    # Bulk job polling: first wait, longest wait, and when to give up. The
    # waits double from the first, so a short first wait (why: bulk.py
    # BulkOptions) notices a quick job quickly for a few status calls more.
    bulk_poll_seconds: float = Field(default=0.1, gt=0)
    bulk_max_poll_seconds: float = Field(default=20.0, gt=0)
    bulk_job_timeout_seconds: float = Field(default=6 * 3600.0, gt=0)
    # Stop cleanly (and resume next run) before this share of the org's daily
    # API requests is used.
    api_budget_share: float = Field(default=0.8, gt=0, le=1)


class WritebackSettings(BaseModel):
    batch_size: int = Field(default=200, ge=1, le=200)
    # Mart column → CRM field mapping (and allow-list); None: the one shipped
    # with Rapport, connectors/salesforce/mapping.yml.
    mapping_file: Path | None = None
    # Fields other than Rapport's own that the mapping may write ("Object.Field").
    extra_allowed_fields: list[str] = Field(default_factory=list)
    # Send this many changed records of an object or more with a Bulk API 2.0
    # job rather than composite calls; None chooses from an API-call estimate.
    bulk_threshold_records: int | None = Field(default=None, ge=1)
    bulk_max_records_per_job: int = Field(default=100_000, ge=1)
    # Bulk job polling: the first poll waits records / bulk_records_per_second
    # (at least bulk_poll_seconds), later ones double up to bulk_max_poll_seconds.
    bulk_poll_seconds: float = Field(default=0.5, gt=0)
    bulk_max_poll_seconds: float = Field(default=30.0, gt=0)
    bulk_records_per_second: float = Field(default=1000.0, gt=0)
    bulk_timeout_seconds: float = Field(default=1800.0, gt=0)
    # Record Ids per SOQL query when reading current CRM values (GET URL length).
    ids_per_query: int = Field(default=300, ge=1, le=700)
    # Create missing Rapport fields through the Tooling API before writing;
    # false: stop and ask for `rapport install-fields` (or an SFDX deploy).
    install_missing_fields: bool = True
    # Records shown in the before/after sample of a report.
    sample_size: int = Field(default=10, ge=0)


class GateSettings(BaseModel):
    """Quality gates: the thresholds, and the severities an operator may change.

    ``severity`` maps ``suite.check`` (shell-style wildcards allowed, e.g.
    ``raw_*.picklist_values``) to ``error`` (stops the run before write-back)
    or ``warning`` (reported, the run goes on); the suites' own defaults live in
    ``expectations/suites.yml``.
    """

    model_config = ConfigDict(extra="forbid")

    severity: dict[str, Literal["error", "warning"]] = Field(default_factory=dict)
    # A raw table may shrink by at most this fraction since the last accepted run.
    max_row_count_drop: float = Field(default=0.5, ge=0, le=1)
    # Rows Salesforce allows without an account (opportunities, contacts) are
    # counted, reported and left out of the account-level models; the run
    # stops only when more than this share of a table cannot be attributed.
    max_unattributed_share: float = Field(default=0.5, ge=0, le=1)
    # Total variation distance allowed between this run's and the last run's types.
    max_type_shift: float = Field(default=0.25, ge=0, le=1)
    # Dates later than this many days after the as-of date are "far future".
    future_horizon_days: int = Field(default=365, ge=0)
    # Row-level checks on raw tables read at most this many sampled rows.
    sample_rows: int = Field(default=50_000, ge=1)
    # GX Data Docs (HTML) of every run, in data_docs_dir (default <state_dir>/data_docs).
    data_docs: bool = True
    data_docs_dir: Path | None = None
    # Where picklists come from: saved describe files (<state_dir>/describe),
    # the org itself, either (auto), or nowhere (off: picklist checks skipped).
    describe: Literal["auto", "saved", "live", "off"] = "auto"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RAPPORT_", env_nested_delimiter="__", extra="forbid"
    )

    salesforce: SalesforceSettings = Field(default_factory=SalesforceSettings)
    warehouse: WarehouseSettings = Field(default_factory=WarehouseSettings)
    source: SourceSettings = Field(default_factory=SourceSettings)
    extract: ExtractSettings = Field(default_factory=ExtractSettings)
    writeback: WritebackSettings = Field(default_factory=WritebackSettings)
    gates: GateSettings = Field(default_factory=GateSettings)
    state_dir: Path = Path(".rapport")
    # Measure relationships as of this date instead of today (backfills, tests).
    as_of_date: date | None = None
    # A run that finds its warehouse in use by another run waits this long for
    # it, then stops (exit code 6); 0 stops at once. See rapport/run_lock.py.
    run_lock_timeout_seconds: float = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _raw_tables_of_the_loader(self) -> Settings:
        """With another loader, the raw tables are its schema, in its layout.

        Stages are handed ``warehouse`` alone (dbt's environment, the gates),
        so the loader's schema and layout are carried there rather than
        every stage being taught to look at ``source``.
        """
        self.warehouse.raw_loader = self.source.loader
        if not self.source.extracts:
            self.warehouse.raw_schema = self.source.schema_
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Precedence: explicit arguments, then environment, then rapport.yml.
        config_file = Path(os.environ.get(CONFIG_ENV_VAR, DEFAULT_CONFIG_FILE))
        yaml_source = YamlConfigSettingsSource(settings_cls, yaml_file=config_file)
        return (init_settings, env_settings, yaml_source)


def load_settings() -> Settings:
    return Settings()
