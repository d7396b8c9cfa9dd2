"""Which failures are retried, re-signed-in, stopped for the budget, or final."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from connectors.salesforce.api.retry import Verdict, classify


def body(code: str, message: str = "") -> list[dict[str, str]]:
    return [{"errorCode": code, "message": message}]


@pytest.mark.parametrize(
    ("error", "verdict"),
    [
        (requests.ReadTimeout("read timed out"), Verdict.RETRY),
        (requests.ConnectionError("reset"), Verdict.RETRY),
        (requests.exceptions.ChunkedEncodingError("broken body"), Verdict.RETRY),
        # 5xx answers were already retried by urllib3 (see http.py) before they got here.
        (SalesforceGeneralError("u", 500, "q", body("UNKNOWN_EXCEPTION")), Verdict.FAIL),
        (SalesforceGeneralError("u", 503, "q", body("SERVER_UNAVAILABLE")), Verdict.FAIL),
        (SalesforceMalformedRequest("u", 400, "q", body("UNABLE_TO_LOCK_ROW")), Verdict.RETRY),
        (
            SalesforceRefusedRequest(
                "u",
                403,
                "q",
                body("REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."),
            ),
            Verdict.RETRY,
        ),
        (
            SalesforceRefusedRequest(
                "u", 403, "q", body("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            ),
            Verdict.DAILY_LIMIT,
        ),
        (
            SalesforceExpiredSession("u", 401, "q", body("INVALID_SESSION_ID")),
            Verdict.SIGN_IN_AGAIN,
        ),
        (SalesforceMalformedRequest("u", 400, "q", body("MALFORMED_QUERY")), Verdict.FAIL),
        (SalesforceResourceNotFound("u", 404, "q", body("NOT_FOUND")), Verdict.FAIL),
        (SalesforceAuthenticationFailed("INVALID_LOGIN", "Invalid username"), Verdict.FAIL),
        # urllib3 leaves sign-in answers alone (a SOAP refusal is a 500 too): retried here.
        (SalesforceAuthenticationFailed(503, "Server temporarily unavailable"), Verdict.RETRY),
        (
            SalesforceAuthenticationFailed(403, '[{"errorCode": "REQUEST_LIMIT_EXCEEDED"}]'),
            Verdict.RETRY,
        ),
        (ValueError("a bug"), Verdict.FAIL),
    ],
)
def test_classify(error, verdict):
    assert classify(error) is verdict
