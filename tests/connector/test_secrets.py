"""Secrets stay out of logs, printed output and exceptions, also when things go wrong."""

from __future__ import annotations

import logging
import traceback

import pytest
from pydantic import SecretStr

from connectors.salesforce.api.client import (
    SalesforceApiError,
    SalesforceClient,
    SalesforceSignInError,
)
from connectors.salesforce.api.secrets import Redactor
from local_org.faults import FaultConfig
from rapport.config import SalesforceSettings
from tests.factories.connector import connector_store

PLANTED_CONSUMER_SECRET = "PLANTED-consumer-secret-9f8e7d6c5b4a"


def test_redactor_hides_known_values_and_credential_shapes():
    settings = SalesforceSettings(
        password=SecretStr("hunter2-pass"), security_token=SecretStr("TOKEN123456")
    )
    redactor = Redactor(settings)
    redactor.add("00DLO0000000001!AQ4AQFx.issued-later")
    text = redactor.scrub(
        "login hunter2-passTOKEN123456 failed; Authorization: Bearer abc.def-ghi; "
        "sid=00DXX0000000009!other.token; access_token=xyz&x=1; "
        '{"client_secret": "s3cr3t"} 00DLO0000000001!AQ4AQFx.issued-later '
        "-----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY-----"
    )
    for secret in (
        "hunter2-pass",
        "TOKEN123456",
        "abc.def-ghi",
        "other.token",
        "xyz",
        "s3cr3t",
        "issued-later",
        "MIIEv",
    ):
        assert secret not in text
    assert "Bearer ***" in text and "access_token=***" in text
    assert "&x=1" in text  # the rest of the message stays readable


@pytest.fixture
def recorded_sessions(monkeypatch):
    """Every access token the client was issued, which are secrets too."""
    issued: list[str] = []
    real_sign_in = SalesforceClient._sign_in

    def recording(self):
        sf = real_sign_in(self)
        issued.append(sf.session_id)
        return sf

    monkeypatch.setattr(SalesforceClient, "_sign_in", recording)
    return issued


def assert_nowhere(secrets: list[str], *texts: str) -> None:
    for secret in secrets:
        assert secret, "a planted secret is empty"
        for text in texts:
            assert secret not in text


def test_no_secret_in_logs_or_errors_through_retries_expiry_and_failure(
    extraction, caplog, capsys, recorded_sessions
):
    caplog.set_level(logging.DEBUG)  # urllib3, simple-salesforce, dlt: everything
    faults = FaultConfig(
        seed=5,
        server_error_rate=0.15,
        concurrent_limit_rate=0.1,
        session_expires_after_calls=6,
        include_sign_in=True,
    )
    run = extraction(connector_store(accounts=300), faults=faults)
    run.configure(rest_batch_size=200, bulk_threshold_rows=250, bulk_page_rows=100)
    run.configure_salesforce(consumer_secret=PLANTED_CONSUMER_SECRET, max_attempts=8)

    summary = run.run(objects=["Account", "Contact"])  # succeeds through retries
    assert summary.complete and run.org.faults.injected["session_expired"] >= 1
    assert "Retrying" in caplog.text

    run.org.faults.configure(FaultConfig(server_error_rate=1.0))  # now everything fails
    with pytest.raises(SalesforceApiError) as failure:
        run.run(objects=["Account"])
    formatted = "".join(traceback.format_exception(failure.value))
    assert "HTTP 5" in str(failure.value)

    info = run.org.info
    output = capsys.readouterr()
    secrets = [info.password, info.security_token, PLANTED_CONSUMER_SECRET, *recorded_sessions]
    assert len(recorded_sessions) >= 2
    assert_nowhere(secrets, caplog.text, output.out, output.err, formatted)


def test_no_secret_in_a_refused_sign_in(extraction, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    run = extraction(connector_store(accounts=3))
    wrong = "PLANTED-wrong-password-1a2b3c"
    run.configure_salesforce(password=wrong, consumer_secret=PLANTED_CONSUMER_SECRET)

    with pytest.raises(SalesforceSignInError) as refused:
        run.run(objects=["Account"])

    formatted = "".join(traceback.format_exception(refused.value))
    output = capsys.readouterr()
    token = run.org.info.security_token
    assert_nowhere(
        [wrong, token, PLANTED_CONSUMER_SECRET], caplog.text, output.out, output.err, formatted
    )


def test_no_session_id_in_the_error_when_a_given_session_expires(extraction, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    run = extraction(connector_store(accounts=3))
    session_id = run.org.info.access_token
    run.configure_salesforce(
        auth="session", instance_url=run.org.info.instance_url, session_id=session_id
    )
    run.org.expire_sessions()

    with pytest.raises(SalesforceApiError, match="cannot sign in again") as expired:
        run.run(objects=["Account"])

    formatted = "".join(traceback.format_exception(expired.value))
    output = capsys.readouterr()
    assert_nowhere([session_id], caplog.text, output.out, output.err, formatted)
