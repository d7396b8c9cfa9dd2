"""Sign-in under faults: each endpoint answers in its own protocol, and the client
retries what is transient and stops at once on a refused grant."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from connectors.salesforce.api.client import SalesforceSignInError, connect
from connectors.salesforce.api.retry import Verdict, classify
from local_org.faults import FaultConfig
from tests.reliability.helpers import empty_store, running_org, sign_in_calls, sign_in_settings

TOKEN = "/services/oauth2/token"
SOAP = "/services/Soap/u/59.0"


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    with running_org(empty_store(), tmp_path_factory.mktemp("org")) as running:
        yield running


@pytest.fixture(autouse=True)
def no_faults(org):
    org.faults.disable()
    org.request_log.clear()
    yield
    org.faults.disable()


def post(org, path: str, **kwargs):
    return org.session().post(f"{org.info.instance_url}{path}", timeout=10, **kwargs)


@pytest.mark.parametrize(
    ("faults", "statuses", "errors"),
    [
        ({"server_error_rate": 1.0}, {500, 503}, {"server_error", "temporarily_unavailable"}),
        ({"concurrent_limit_rate": 1.0}, {403}, {"REQUEST_LIMIT_EXCEEDED"}),
    ],
)
def test_token_endpoint_faults_are_oauth_shaped(org, faults, statuses, errors):
    org.faults.configure(FaultConfig(include_sign_in=True, **faults))
    answers = [post(org, TOKEN, data={"grant_type": "password"}) for _ in range(12)]
    assert {a.status_code for a in answers} == statuses
    for answer in answers:
        body = answer.json()
        assert isinstance(body, dict) and set(body) == {"error", "error_description"}
    assert {a.json()["error"] for a in answers} == errors


def test_soap_login_faults_are_soap_faults(org):
    org.faults.configure(FaultConfig(include_sign_in=True, server_error_rate=1.0))
    answers = [post(org, SOAP, data="<x/>") for _ in range(8)]
    assert {a.status_code for a in answers} == {500, 503}
    assert all("<sf:exceptionCode>" in a.text for a in answers)


def test_a_refused_grant_is_answered_in_oauth_shape_without_faults(org):
    answer = post(org, TOKEN, data={"grant_type": "password", "client_id": "nobody"})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_client_id"


@pytest.mark.parametrize("auth", ["password", "client_credentials"])
def test_a_wrong_secret_is_tried_once(org, auth):
    """Repeating a wrong password counts towards Salesforce's lockout: one try only."""
    wrong = {"password": "not-it"} if auth == "password" else {"consumer_secret": "not-it"}
    with pytest.raises(SalesforceSignInError, match="refused"):
        connect(sign_in_settings(org, auth, **wrong))
    assert len(sign_in_calls(org)) == 1


@pytest.mark.parametrize(
    ("code", "message", "verdict"),
    [
        ("invalid_grant", "authentication failure", Verdict.FAIL),
        ("invalid_client", "invalid client credentials", Verdict.FAIL),
        ("INVALID_LOGIN", "Invalid username, password, security token", Verdict.FAIL),
        ("server_error", "An unexpected error occurred", Verdict.RETRY),
        ("temporarily_unavailable", "retry later", Verdict.RETRY),
        ("SERVER_UNAVAILABLE", "Server temporarily unavailable", Verdict.RETRY),
        ("REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.", Verdict.RETRY),
        ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", Verdict.DAILY_LIMIT),
        (502, "<html>Bad gateway</html>", Verdict.RETRY),
    ],
)
def test_sign_in_refusals_are_final_and_outages_are_not(code, message, verdict):
    assert classify(SalesforceAuthenticationFailed(code, message)) is verdict


@pytest.mark.parametrize("auth", ["password", "client_credentials"])
@pytest.mark.parametrize("kind", ["server_error_rate", "concurrent_limit_rate"])
def test_transient_sign_in_faults_are_retried_until_signed_in(org, auth, kind):
    org.faults.configure(FaultConfig(seed=4, include_sign_in=True, **{kind: 0.6}))
    sf = connect(sign_in_settings(org, auth, max_attempts=10))
    assert sf.session_id
    calls = sign_in_calls(org)
    assert len(calls) >= 2 and calls[-1][1] == 200
    assert all(status in (403, 500, 503) for _, status in calls[:-1])


@pytest.mark.parametrize("auth", ["password", "client_credentials"])
def test_an_org_that_stays_down_ends_in_a_sign_in_error_after_max_attempts(org, auth):
    org.faults.configure(FaultConfig(include_sign_in=True, server_error_rate=1.0))
    with pytest.raises(SalesforceSignInError):
        connect(sign_in_settings(org, auth, max_attempts=3))
    # urllib3 leaves sign-in answers to the client, which tries max_attempts times in all
    assert len(sign_in_calls(org)) == 3
