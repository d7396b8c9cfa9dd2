"""Each sign-in mode against the local org, through simple-salesforce's own sign-in code."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.salesforce.api.client import (
    SalesforceApiError,
    SalesforceClient,
    SalesforceConfigError,
    SalesforceSignInError,
    connect,
)
from connectors.salesforce.api.secrets import SecretBlockError, resolve_secrets
from local_org.jwt_bearer import generate_jwt_key_pair
from tests.factories.connector import changed, connector_store, settings_for


@pytest.fixture
def org(start_org):
    return start_org(connector_store(accounts=3))


def base(org, tmp_path: Path):
    return settings_for(org, tmp_path).salesforce


def assert_signed_in(settings) -> SalesforceClient:
    client = SalesforceClient(settings)
    assert client.describe("Account")["name"] == "Account"
    return client


def test_password_and_security_token(org, tmp_path):
    assert_signed_in(base(org, tmp_path))
    assert org.request_log.count("POST", "/services/Soap/u/") == 1


def test_oauth_client_credentials(org, tmp_path):
    settings = changed(
        base(org, tmp_path),
        auth="client_credentials",
        username=None,
        password=None,
        consumer_key=org.info.consumer_key,
        consumer_secret=org.info.consumer_secret,
        domain="rapport-local.my",
    )
    assert_signed_in(settings)
    assert org.request_log.count("POST", "/services/oauth2/token") == 1


def test_client_credentials_needs_a_my_domain(org, tmp_path):
    settings = changed(
        base(org, tmp_path), auth="client_credentials", consumer_key="k", consumer_secret="s"
    )
    with pytest.raises(SalesforceConfigError, match="My Domain"):
        SalesforceClient(settings)


@pytest.mark.parametrize("key_from", ["file", "setting"])
def test_oauth_jwt_bearer(org, tmp_path, key_from):
    keys = generate_jwt_key_pair()
    org.register_jwt_key(org.info.consumer_key, keys.certificate_pem)
    key_file = tmp_path / "server.key"
    key_file.write_text(keys.private_key_pem)
    key = (
        {"private_key_file": key_file}
        if key_from == "file"
        else {"private_key": keys.private_key_pem}
    )
    settings = changed(
        base(org, tmp_path), auth="jwt", password=None, consumer_key=org.info.consumer_key, **key
    )
    assert_signed_in(settings)
    assert org.request_log.count("POST", "/services/oauth2/token") == 1


def test_jwt_with_a_key_the_org_does_not_know_is_refused(org, tmp_path):
    org.register_jwt_key(org.info.consumer_key, generate_jwt_key_pair().certificate_pem)
    stranger = generate_jwt_key_pair()
    settings = changed(
        base(org, tmp_path),
        auth="jwt",
        consumer_key=org.info.consumer_key,
        private_key=stranger.private_key_pem,
    )
    with pytest.raises(SalesforceSignInError, match="invalid_grant") as refused:
        SalesforceClient(settings)
    assert "PRIVATE KEY" not in str(refused.value)


def test_jwt_key_file_must_exist(org, tmp_path):
    settings = changed(
        base(org, tmp_path), auth="jwt", consumer_key="k", private_key_file=tmp_path / "missing.key"
    )
    with pytest.raises(SalesforceConfigError, match=r"missing\.key does not exist"):
        SalesforceClient(settings)


def test_existing_session_id_and_instance_url(org, tmp_path):
    settings = changed(
        base(org, tmp_path),
        auth="session",
        instance_url=org.info.instance_url,
        session_id=org.info.access_token,
    )
    client = assert_signed_in(settings)
    assert org.request_log.count("POST") == 0  # no sign-in call at all

    org.expire_sessions()
    with pytest.raises(SalesforceApiError, match="cannot sign in again"):
        client.describe("Account")


def test_wrong_password_is_refused_with_a_clear_error(org, tmp_path):
    settings = changed(base(org, tmp_path), password="not-the-password-1234")
    with pytest.raises(SalesforceSignInError, match="INVALID_LOGIN") as refused:
        connect(settings)
    assert "not-the-password-1234" not in str(refused.value)
    assert refused.value.__cause__ is None and refused.value.__suppress_context__


def test_missing_settings_are_named(tmp_path, org):
    settings = changed(base(org, tmp_path), username=None)
    with pytest.raises(SalesforceConfigError, match=r"salesforce\.username"):
        SalesforceClient(settings)


def test_secrets_come_from_prefect_secret_blocks(org, tmp_path):
    stored = {"sf-password": org.info.password, "sf-token": org.info.security_token}
    settings = changed(
        base(org, tmp_path),
        password=None,
        security_token=None,
        password_secret_block="sf-password",
        security_token_secret_block="sf-token",
    )
    resolved = resolve_secrets(settings, load_block=stored.__getitem__)
    assert resolved.password.get_secret_value() == org.info.password
    assert_signed_in(resolved)


def test_an_unreadable_secret_block_is_named_without_its_details(org, tmp_path):
    settings = changed(base(org, tmp_path), password_secret_block="sf-password")

    def broken(name: str) -> str:
        raise RuntimeError("connection refused to api with token abc123secret")

    with pytest.raises(SecretBlockError, match=r"password_secret_block.*'sf-password'") as failed:
        resolve_secrets(settings, load_block=broken)
    assert "abc123secret" not in str(failed.value)


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_prefect_secret_block_end_to_end(org, tmp_path):
    from prefect.blocks.system import Secret

    Secret(value=org.info.password).save("rapport-test-sf-password", overwrite=True)
    settings = changed(
        base(org, tmp_path), password=None, password_secret_block="rapport-test-sf-password"
    )
    assert_signed_in(settings)
