"""Every stage's connection to PostgreSQL comes from rapport.warehouse, and agrees.

dlt takes a URL, dbt environment variables, psycopg2 a libpq DSN, SQLAlchemy
and GX a URL of their own: a password with URL and DSN metacharacters must
reach each of them unchanged.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from pydantic import SecretStr

from rapport.config import WarehouseSettings
from rapport.warehouse import (
    dbt_env,
    dlt_destination,
    open_warehouse,
    postgres_connection,
    postgres_dsn,
    postgres_url,
    read_table,
)

SPECIAL = "p@ss w'rd:/"
Params = dict[str, object]


def settings_with(password: str | None, **overrides) -> WarehouseSettings:
    fields = {
        "type": "postgres",
        "host": "db.example.com",
        "port": 6543,
        "user": "rap@port user",
        "password": password,
        "database": "rapport db",
    }
    return WarehouseSettings(**(fields | overrides))


def from_dsn(settings: WarehouseSettings) -> Params:
    from psycopg2.extensions import parse_dsn

    found = parse_dsn(postgres_dsn(settings))
    return {
        "host": found["host"],
        "port": int(found["port"]),
        "user": found["user"],
        "password": found["password"],
        "database": found["dbname"],
    }


def _from_url(url: str) -> Params:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return {
        "host": parsed.host,
        "port": parsed.port,
        "user": parsed.username,
        "password": parsed.password,
        "database": parsed.database,
    }


def from_sqlalchemy(settings: WarehouseSettings) -> Params:
    return _from_url(postgres_url(settings))


def from_gx(settings: WarehouseSettings) -> Params:
    """GX validates the URL itself (pydantic's PostgresDsn) before SQLAlchemy reads it."""
    from great_expectations.compatibility.pydantic import PostgresDsn, parse_obj_as

    return _from_url(str(parse_obj_as(PostgresDsn, postgres_url(settings))))


def from_dlt(settings: WarehouseSettings) -> Params:
    from dlt.destinations.impl.postgres.configuration import PostgresCredentials

    credentials = PostgresCredentials()
    credentials.parse_native_representation(dlt_destination(settings).config_params["credentials"])
    return {
        "host": credentials.host,
        "port": credentials.port,
        "user": credentials.username,
        "password": credentials.password,
        "database": credentials.database,
    }


def from_dbt(settings: WarehouseSettings) -> Params:
    env = dbt_env(settings)
    assert env["RAPPORT_TARGET"] == "postgres"
    return {
        "host": env["RAPPORT_PG_HOST"],
        "port": int(env["RAPPORT_PG_PORT"]),
        "user": env["RAPPORT_PG_USER"],
        "password": env["RAPPORT_PG_PASSWORD"],
        "database": env["RAPPORT_PG_DATABASE"],
    }


BUILDERS: dict[str, Callable[[WarehouseSettings], Params]] = {
    "psycopg2": from_dsn,
    "sqlalchemy": from_sqlalchemy,
    "gx": from_gx,
    "dlt": from_dlt,
    "dbt": from_dbt,
}


@pytest.mark.parametrize("builder", BUILDERS)
@pytest.mark.parametrize("password", [SPECIAL, None], ids=["special", "none"])
def test_every_builder_yields_the_same_connection_parameters(builder, password):
    settings = settings_with(password)

    assert BUILDERS[builder](settings) == {
        "host": "db.example.com",
        "port": 6543,
        "user": "rap@port user",
        "password": password or "",
        "database": "rapport db",
    }


# --- against a server that checks the password --------------------------------


@pytest.fixture(scope="module")
def guarded(tmp_path_factory) -> Iterator[WarehouseSettings]:
    """A throwaway PostgreSQL whose postgres user has the special password (SCRAM)."""
    from sqlalchemy.engine import make_url

    from tests.postgres_server import temporary_postgres

    try:
        server = temporary_postgres(password=SPECIAL)
        url = make_url(server.__enter__())
    except FileNotFoundError as missing:
        pytest.skip(str(missing))
    try:
        yield WarehouseSettings(
            type="postgres",
            host=url.host,
            port=url.port,
            user=url.username,
            password=url.password,
            database=url.database,
            raw_schema=f"raw_{uuid.uuid4().hex[:8]}",
        )
    finally:
        server.__exit__(None, None, None)


@pytest.mark.postgres
def test_the_server_refuses_a_wrong_password(guarded):
    import psycopg2

    wrong = guarded.model_copy(update={"password": SecretStr("p@ss")})
    with (
        pytest.raises(psycopg2.OperationalError, match="password authentication failed"),
        postgres_connection(wrong),
    ):
        pass


@pytest.mark.postgres
def test_psycopg2_and_read_table_connect(guarded):
    with postgres_connection(guarded) as connection, connection.cursor() as cursor:
        cursor.execute("create table if not exists public.probe as select 1 as id")
        connection.commit()

    assert read_table(guarded, "public", "probe")["id"].tolist() == [1]


@pytest.mark.postgres
def test_the_gates_sqlalchemy_engine_connects(guarded):
    with open_warehouse(guarded) as sql:
        assert sql.rows("select current_user") == [("postgres",)]


@pytest.mark.postgres
def test_gx_postgres_datasource_connects(guarded):
    from expectations.gate import Check
    from expectations.gx_session import GxSession

    with postgres_connection(guarded) as connection, connection.cursor() as cursor:
        cursor.execute("create table if not exists public.gx_probe as select 'a' as id")
        connection.commit()
    check = Check("expect_column_values_to_not_be_null", {"column": "id"}, name="id_present")

    [result] = GxSession("connections").validate_postgres_table(
        "gx_probe", [check], postgres_url(guarded), "public", "gx_probe", "id"
    )

    assert result.success, result.observed_value


@pytest.mark.postgres
def test_dlt_loads_through_its_destination(guarded, tmp_path):
    import dlt

    pipeline = dlt.pipeline(
        pipeline_name="connections",
        destination=dlt_destination(guarded),
        dataset_name=guarded.raw_schema,
        pipelines_dir=str(tmp_path),
    )
    pipeline.run([{"id": "001"}], table_name="probe")

    assert read_table(guarded, guarded.raw_schema, "probe")["id"].tolist() == ["001"]


@pytest.mark.postgres
def test_dbt_connects_with_its_environment(guarded, tmp_path):
    from dbt.cli.main import dbtRunner

    from rapport.environment import scoped_environ
    from rapport.warehouse import DBT_PROJECT_DIR

    args = [
        "debug",
        "--connection",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--log-path",
        str(tmp_path),
    ]
    with scoped_environ(dbt_env(guarded)):
        assert dbtRunner().invoke(args).success
