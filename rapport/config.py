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

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from connectors.salesforce.catalog import ObjectConfig, default_objects

CONFIG_ENV_VAR = "RAPPORT_CONFIG"
DEFAULT_CONFIG_FILE = "rapport.yml"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

AuthMode = Literal["password", "client_credentials", "jwt", "session"]


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
    # Set only for Rapport's local org: sign-in hosts are routed to this URL and
    # TLS is verified against its self-signed certificate.
    local_org_url: str | None = None
    ca_cert: Path | None = None


class WarehouseSettings(BaseModel):
    """Where the raw tables and marts live."""

    type: Literal["duckdb", "postgres"] = "duckdb"
    path: Path = Path("warehouse/rapport.duckdb")
    raw_schema: str = "salesforce"
    marts_schema: str = "rapport"
    audit_schema: str = "rapport_audit"
    # PostgreSQL connection, used when type is postgres.
    host: str = "localhost"
    port: int = 5432
    user: str = "postgres"
    password: SecretStr | None = None
    database: str = "rapport"


class ExtractSettings(BaseModel):
    objects: list[ObjectConfig] = Field(default_factory=default_objects)
    # Re-read this many seconds before the last SystemModstamp, so rows committed
    # late in Salesforce at the boundary are not lost.
    overlap_seconds: int = 300


class WritebackSettings(BaseModel):
    batch_size: int = Field(default=200, ge=1, le=200)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RAPPORT_", env_nested_delimiter="__", extra="forbid"
    )

    salesforce: SalesforceSettings = Field(default_factory=SalesforceSettings)
    warehouse: WarehouseSettings = Field(default_factory=WarehouseSettings)
    extract: ExtractSettings = Field(default_factory=ExtractSettings)
    writeback: WritebackSettings = Field(default_factory=WritebackSettings)
    state_dir: Path = Path(".rapport")
    # Measure relationships as of this date instead of today (backfills, tests).
    as_of_date: date | None = None

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
