"""Sign-in with the OAuth JWT bearer grant, and sessions that end."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceExpiredSession

from connectors.salesforce.api.local_routing import local_org_session
from local_org.jwt_bearer import JWT_BEARER_GRANT, generate_jwt_key_pair
from local_org.server import LocalOrg
from local_org.state import Credentials
from tests.factories.local_org import client, fresh_org, raw

KEYS = generate_jwt_key_pair()  # RSA generation is the slow part: once per module
OTHER_KEYS = generate_jwt_key_pair()


@pytest.fixture(scope="module")
def jwt_org(state_dir: Path):
    with fresh_org(state_dir) as org:
        org.register_jwt_key(org.info.consumer_key, KEYS.certificate_pem)
        yield org


def jwt_sign_in(org: LocalOrg, private_key_pem: str, **overrides: str) -> Salesforce:
    info = org.info
    arguments = {"username": info.username, "consumer_key": info.consumer_key, **overrides}
    return Salesforce(
        **arguments,
        privatekey=private_key_pem,
        domain="login",
        session=local_org_session(info.instance_url, info.ca_cert),
    )


def token_request(org: LocalOrg, claims: dict, key: str = KEYS.private_key_pem) -> dict:
    assertion = jwt.encode(claims, key, algorithm="RS256")
    session = local_org_session(org.info.instance_url, org.info.ca_cert)
    response = session.post(
        "https://login.salesforce.com/services/oauth2/token",
        data={"grant_type": JWT_BEARER_GRANT, "assertion": assertion},
    )
    return {"status": response.status_code, **response.json()}


def claims(org: LocalOrg, **overrides: object) -> dict:
    expires = int((datetime.now(UTC) + timedelta(minutes=3)).timestamp())
    base = {
        "iss": org.info.consumer_key,
        "sub": org.info.username,
        "aud": "https://login.salesforce.com",
        "exp": expires,
    }
    return {**base, **overrides}


def test_simple_salesforce_signs_in_with_a_private_key(jwt_org):
    sf = jwt_sign_in(jwt_org, KEYS.private_key_pem)
    assert sf.session_id != jwt_org.info.access_token
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 2


def test_a_public_key_registers_as_well_as_a_certificate(state_dir):
    with fresh_org(state_dir) as org:
        org.register_jwt_key(org.info.consumer_key, KEYS.public_key_pem)
        assert jwt_sign_in(org, KEYS.private_key_pem).query("SELECT Id FROM User")["totalSize"] == 1


def test_keys_can_be_given_at_start(state_dir):
    credentials = Credentials.default()  # a fixed consumer key, known before the org starts
    keys = {credentials.consumer_key: KEYS.certificate_pem}
    with fresh_org(state_dir, credentials=credentials, jwt_keys=keys) as org:
        assert jwt_sign_in(org, KEYS.private_key_pem).query("SELECT Id FROM User")["totalSize"] == 1


def test_an_assertion_signed_by_another_key_is_refused(jwt_org):
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        jwt_sign_in(jwt_org, OTHER_KEYS.private_key_pem)
    assert caught.value.code == "invalid_grant"


@pytest.mark.parametrize(
    ("overrides", "error", "description"),
    [
        ({"iss": "3MVG9unknown"}, "invalid_client_id", "client identifier invalid"),
        ({"sub": "someone@else.example"}, "invalid_grant", "user hasn't approved this consumer"),
        ({"aud": "https://example.com"}, "invalid_grant", "Audience validation failed"),
        ({"exp": 1_600_000_000}, "invalid_grant", "expired authorization code"),
    ],
)
def test_each_claim_is_checked(jwt_org, overrides, error, description):
    answer = token_request(jwt_org, claims(jwt_org, **overrides))
    assert answer == {"status": 400, "error": error, "error_description": description}


def test_a_missing_claim_or_garbage_is_refused(jwt_org):
    without_exp = {k: v for k, v in claims(jwt_org).items() if k != "exp"}
    assert token_request(jwt_org, without_exp)["error"] == "invalid_grant"
    session = local_org_session(jwt_org.info.instance_url, jwt_org.info.ca_cert)
    response = session.post(
        f"{jwt_org.info.instance_url}/services/oauth2/token",
        data={"grant_type": JWT_BEARER_GRANT, "assertion": "not.a.jwt"},
    )
    assert response.json()["error"] == "invalid_grant"


def test_my_domain_and_instance_audiences_are_accepted(jwt_org):
    for audience in ("https://rapport.my.salesforce.com", jwt_org.info.instance_url):
        answer = token_request(jwt_org, claims(jwt_org, aud=audience))
        assert answer["status"] == 200 and answer["access_token"]


# --------------------------------------------------------------------------- sessions


def test_sessions_expire_after_their_lifetime(state_dir):
    with fresh_org(state_dir, session_seconds_valid=0.5) as org:
        sf = client(org)
        assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 4
        time.sleep(0.6)
        with pytest.raises(SalesforceExpiredSession):
            sf.query("SELECT COUNT() FROM Account")
        info = org.info
        again = Salesforce(
            username=info.username,
            password=info.password,
            security_token=info.security_token,
            session=local_org_session(info.instance_url, info.ca_cert),
        )
        assert again.query("SELECT COUNT() FROM Account")["totalSize"] == 4


def test_expire_sessions_signs_everyone_out(write_org):
    assert raw(write_org, "GET", "/services/data/v62.0/limits").status_code == 200
    write_org.expire_sessions()
    response = raw(write_org, "GET", "/services/data/v62.0/limits")
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"
