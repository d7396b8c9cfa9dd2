"""The ``requests`` session every Salesforce call goes through.

Three things are set once here rather than at each call site:
  * a timeout on every request, including simple-salesforce's sign-in calls,
    which pass none and would otherwise wait forever on a dead connection;
  * urllib3 ``Retry`` for what is safe to repeat blindly: connection errors,
    read timeouts and 500/502/503/504 answers, with exponential backoff,
    jitter and Retry-After respected;
  * a second try for the refusals Salesforce signals only in the body and
    that pass by themselves: the concurrent-request limit (403) and a whole
    request refused with UNABLE_TO_LOCK_ROW. Every caller gets it, the
    write-back's plain simple-salesforce calls (describe, reads, installs)
    included; an expired session, which needs a new sign-in, is retried one
    level up, in ``client.py`` with ``retry.py``'s verdicts;
  * response hooks, so API usage is read from every answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from connectors.salesforce.api.retry import (
    DAILY_LIMIT_MARKER,
    REQUEST_LIMIT_EXCEEDED,
    TRANSIENT_ERROR_CODES,
)
from rapport.config import SalesforceSettings

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = (500, 502, 503, 504)
# Sign-in answers every refusal of the SOAP login with HTTP 500, so a status
# alone cannot tell a wrong password from an outage; those answers go to
# ``client._sign_in_with_retries``, which reads the fault code in the body.
# Repeating a wrong password blindly would also count towards the lockout.
SIGN_IN_PATHS = ("/services/oauth2/token", "/services/Soap/u/")
ResponseHook = Callable[..., Any]


class TimeoutSession(requests.Session):
    """A session that applies a default timeout to requests that set none, and
    tries again, with backoff, an answer that only says "not now"."""

    def __init__(
        self,
        timeout: tuple[float, float],
        attempts: int = 1,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 30.0,
    ) -> None:
        super().__init__()
        self.default_timeout = timeout
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any):  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        for attempt in range(1, self.attempts + 1):
            response = super().request(method, url, *args, **kwargs)
            if attempt == self.attempts or not is_transient_refusal(response):
                return response
            logger.warning(
                "Retrying %s %s after HTTP %d %s (attempt %d of %d).",
                method,
                urlsplit(str(url)).path,
                response.status_code,
                response.json()[0].get("errorCode"),
                attempt,
                self.attempts,
            )
            time.sleep(min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (attempt - 1)))
        raise AssertionError("unreachable: the last attempt returns")


def is_transient_refusal(response: requests.Response) -> bool:
    """The concurrent-request limit, or a whole request refused for a locked row.

    Not the daily limit (``TotalRequests``): more calls cannot help there.
    """
    if response.status_code not in (400, 403):
        return False
    if not urlsplit(response.url).path.startswith("/services/data/"):
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    if not (isinstance(body, list) and body and isinstance(body[0], dict)):
        return False
    code, message = body[0].get("errorCode"), str(body[0].get("message", ""))
    if code == REQUEST_LIMIT_EXCEEDED:
        return DAILY_LIMIT_MARKER not in message
    return code in TRANSIENT_ERROR_CODES


class ApiRetry(Retry):
    """urllib3's Retry, except that error answers to a sign-in are never repeated here."""

    def increment(
        self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None
    ):  # type: ignore[override]
        if response is not None and error is None and _is_sign_in(url):
            # With raise_on_status off, urllib3 hands this answer to the caller.
            raise MaxRetryError(_pool, url or "", "sign-in answers are retried by the caller")
        return super().increment(method, url, response, error, _pool, _stacktrace)


def _is_sign_in(url: str | None) -> bool:
    path = urlsplit(url or "").path
    return any(path.startswith(prefix) for prefix in SIGN_IN_PATHS)


def transport_retry(settings: SalesforceSettings) -> Retry:
    retries = settings.max_attempts - 1
    return ApiRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        # Every method: a repeated query job creation or sign-in is harmless,
        # and the composite write-back sends the same values again.
        allowed_methods=None,
        status_forcelist=RETRYABLE_STATUSES,
        backoff_factor=settings.retry_backoff_seconds,
        backoff_max=settings.retry_max_backoff_seconds,
        backoff_jitter=settings.retry_backoff_seconds,
        respect_retry_after_header=True,
        # Hand the last error answer to simple-salesforce, which raises
        # its usual exception for it.
        raise_on_status=False,
    )


def build_http_session(
    settings: SalesforceSettings, response_hooks: list[ResponseHook] | None = None
) -> requests.Session:
    session = TimeoutSession(
        (settings.connect_timeout_seconds, settings.timeout_seconds),
        attempts=settings.max_attempts,
        backoff_seconds=settings.retry_backoff_seconds,
        max_backoff_seconds=settings.retry_max_backoff_seconds,
    )
    retry = transport_retry(settings)
    adapter: HTTPAdapter
    if settings.local_org_url:
        from connectors.salesforce.api.local_routing import LocalOrgAdapter

        if settings.ca_cert is None:
            raise ValueError("salesforce.local_org_url needs salesforce.ca_cert")
        adapter = LocalOrgAdapter(settings.local_org_url, str(settings.ca_cert), max_retries=retry)
        session.verify = str(settings.ca_cert)
    else:
        adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    for hook in response_hooks or []:
        session.hooks["response"].append(hook)
    return session
