"""The ``requests`` session every Salesforce call goes through.

Three things are set once here rather than at each call site:
  * a timeout on every request, including simple-salesforce's sign-in calls,
    which pass none and would otherwise wait forever on a dead connection;
  * urllib3 ``Retry`` for what is safe to repeat blindly: connection errors,
    read timeouts and 500/502/503/504 answers, with exponential backoff,
    jitter and Retry-After respected (errors Salesforce signals in the body,
    such as UNABLE_TO_LOCK_ROW, are retried one level up, in ``retry.py``);
  * response hooks, so API usage is read from every answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from rapport.config import SalesforceSettings

RETRYABLE_STATUSES = (500, 502, 503, 504)
# Sign-in answers every refusal of the SOAP login with HTTP 500, so a status
# alone cannot tell a wrong password from an outage; those answers go to
# ``client._sign_in_with_retries``, which reads the fault code in the body.
# Repeating a wrong password blindly would also count towards the lockout.
SIGN_IN_PATHS = ("/services/oauth2/token", "/services/Soap/u/")
ResponseHook = Callable[..., Any]


class TimeoutSession(requests.Session):
    """A session that applies a default timeout to requests that set none."""

    def __init__(self, timeout: tuple[float, float]) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any):  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, *args, **kwargs)


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
    session = TimeoutSession((settings.connect_timeout_seconds, settings.timeout_seconds))
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
