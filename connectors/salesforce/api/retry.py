"""Which Salesforce failures are worth another try, and which are not.

urllib3 (``http.py``) already repeats connection errors, timeouts and
500/502/503/504 answers, so a 5xx that reaches this module has been tried
enough. What is left is what only the response body tells: a row locked by
another transaction, the concurrent-request limit, an expired session; and a
body that broke off mid-download, which urllib3 never sees. The daily request
limit is *not* retried: more calls cannot help, so the extraction stops cleanly.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import requests
import tenacity
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
)

TRANSIENT_ERROR_CODES = frozenset({"UNABLE_TO_LOCK_ROW"})
REQUEST_LIMIT_EXCEEDED = "REQUEST_LIMIT_EXCEEDED"
# A sign-in the org could not serve just now: OAuth's names (RFC 6749) and the SOAP fault codes.
TRANSIENT_SIGN_IN_CODES = frozenset(
    {"server_error", "temporarily_unavailable", "UNKNOWN_EXCEPTION", "SERVER_UNAVAILABLE"}
)
# How Salesforce words the daily limit; the concurrent limits name themselves
# ("ConcurrentPerOrgLongTxn", "ConcurrentRequests").
DAILY_LIMIT_MARKER = "TotalRequests"
_NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def backoff(initial_seconds: float, max_seconds: float) -> tenacity.wait_exponential_jitter:
    """Exponential backoff with up to ``initial_seconds`` of jitter, capped at ``max_seconds``."""
    return tenacity.wait_exponential_jitter(
        multiplier=initial_seconds, max=max_seconds, jitter=initial_seconds
    )


class Verdict(Enum):
    RETRY = "retry"
    SIGN_IN_AGAIN = "sign in again"
    DAILY_LIMIT = "daily limit"
    FAIL = "fail"


def error_details(error: SalesforceError) -> tuple[str | None, str]:
    """(errorCode, message) from a Salesforce error body, when it has them."""
    content: Any = error.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return content[0].get("errorCode"), str(content[0].get("message", ""))
    if isinstance(content, dict):
        return content.get("errorCode") or content.get("error"), str(
            content.get("message") or content.get("error_description") or ""
        )
    return None, "" if content is None else str(content)


def classify(error: BaseException) -> Verdict:
    if isinstance(error, _NETWORK_ERRORS):
        return Verdict.RETRY
    if isinstance(error, SalesforceAuthenticationFailed):
        return _classify_sign_in(error)
    if isinstance(error, SalesforceExpiredSession):
        return Verdict.SIGN_IN_AGAIN
    if not isinstance(error, SalesforceError):
        return Verdict.FAIL
    code, message = error_details(error)
    if code == REQUEST_LIMIT_EXCEEDED:
        return Verdict.DAILY_LIMIT if DAILY_LIMIT_MARKER in message else Verdict.RETRY
    if code in TRANSIENT_ERROR_CODES:
        return Verdict.RETRY
    return Verdict.FAIL


def _classify_sign_in(error: SalesforceAuthenticationFailed) -> Verdict:
    """A refused sign-in is final (``invalid_grant``, ``INVALID_LOGIN``), unless the org
    was busy or down.

    simple-salesforce gives the OAuth ``error`` or SOAP fault code, or the
    HTTP status when the body was neither (a proxy's 502 page, say).
    """
    code, message = error.code, error.auth_message or ""
    if code == REQUEST_LIMIT_EXCEEDED or REQUEST_LIMIT_EXCEEDED in str(message):
        return Verdict.DAILY_LIMIT if DAILY_LIMIT_MARKER in str(message) else Verdict.RETRY
    if code in TRANSIENT_SIGN_IN_CODES or (isinstance(code, int) and code >= 500):
        return Verdict.RETRY
    return Verdict.FAIL
