"""Sign in to Salesforce through simple-salesforce's own sign-in code, and stay signed in.

The local org is reached with the very same calls: only the ``requests``
session differs (sign-in hosts routed to 127.0.0.1, TLS verified against the
local org's certificate), so the code path the tests run is the one that signs
in to a real org.

``connect`` gives a plain simple-salesforce client (write-back, the demo).
``SalesforceClient`` is what a long extraction needs on top: every call
retried on transient failures, a new sign-in when the session expires
(simple-salesforce's Bulk 2.0 client cannot), an API budget checked before
each call, and errors that never carry a secret.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import requests
import tenacity
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

from connectors.salesforce.api.budget import ApiBudget, ApiBudgetReached
from connectors.salesforce.api.http import build_http_session
from connectors.salesforce.api.retry import Verdict, backoff, classify, error_details
from connectors.salesforce.api.secrets import Redactor, resolve_secrets
from connectors.salesforce.api.server_clock import ServerClock
from rapport.config import SalesforceSettings
from rapport.errors import ConfigurationError, RapportError, SignInError

logger = logging.getLogger(__name__)

T = TypeVar("T")


class SalesforceConfigError(ConfigurationError, ValueError):
    """The settings do not hold what the chosen sign-in mode needs."""

    hint = "Set the sign-in settings the chosen mode needs (see README, Configuration)."


class SalesforceSignInError(SignInError, RuntimeError):
    """The org refused the sign-in, or could not be reached to sign in."""


class SalesforceApiError(RapportError, RuntimeError):
    """A call failed for good; the message is free of secrets."""

    def __init__(
        self, message: str, *, status: int | None = None, error_code: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code


def _secret(value) -> str | None:
    return value.get_secret_value() if value is not None else None


def _require(settings: SalesforceSettings, *names: str) -> None:
    missing = [name for name in names if getattr(settings, name) in (None, "")]
    if missing:
        fields = ", ".join(f"salesforce.{name}" for name in missing)
        raise SalesforceConfigError(f"Sign-in mode '{settings.auth}' needs {fields}.")


def _salesforce(settings: SalesforceSettings, session: requests.Session) -> Salesforce:
    common: dict[str, Any] = {"session": session, "version": settings.api_version}
    if settings.auth == "password":
        _require(settings, "username", "password")
        return Salesforce(
            username=settings.username,
            password=_secret(settings.password),
            security_token=_secret(settings.security_token) or "",
            domain=settings.domain,
            **common,
        )
    if settings.auth == "client_credentials":
        _require(settings, "consumer_key", "consumer_secret")
        if settings.domain in ("login", "test"):
            raise SalesforceConfigError(
                "Sign-in mode 'client_credentials' needs salesforce.domain set to the org's "
                f"My Domain (such as acme.my), not '{settings.domain}': Salesforce only "
                "accepts the client credentials flow there."
            )
        return Salesforce(
            consumer_key=settings.consumer_key,
            consumer_secret=_secret(settings.consumer_secret),
            domain=settings.domain,
            **common,
        )
    if settings.auth == "jwt":
        _require(settings, "username", "consumer_key")
        if settings.private_key is None and settings.private_key_file is None:
            raise SalesforceConfigError(
                "Sign-in mode 'jwt' needs salesforce.private_key_file or salesforce.private_key."
            )
        if settings.private_key is None and not settings.private_key_file.is_file():  # type: ignore[union-attr]
            raise SalesforceConfigError(
                f"salesforce.private_key_file {settings.private_key_file} does not exist."
            )
        key: dict[str, Any] = (
            {"privatekey": _secret(settings.private_key)}
            if settings.private_key is not None
            else {"privatekey_file": str(settings.private_key_file)}
        )
        return Salesforce(
            username=settings.username,
            consumer_key=settings.consumer_key,
            domain=settings.domain,
            **key,
            **common,
        )
    _require(settings, "instance_url", "session_id")
    return Salesforce(
        instance_url=settings.instance_url,
        session_id=_secret(settings.session_id),
        **common,
    )


def _sign_in_with_retries(settings: SalesforceSettings, session: requests.Session) -> Salesforce:
    """Sign in, again while the org is busy (urllib3 has already retried 5xx and timeouts)."""
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(settings.max_attempts),
        wait=backoff(settings.retry_backoff_seconds, settings.retry_max_backoff_seconds),
        retry=tenacity.retry_if_exception(lambda error: classify(error) is Verdict.RETRY),
        reraise=True,
    )
    return retrying(_salesforce, settings, session)


def sign_in(
    settings: SalesforceSettings, session: requests.Session, redactor: Redactor
) -> Salesforce:
    """Sign in; failures become a ``SalesforceSignInError`` without secrets or a chained cause."""
    try:
        sf = _sign_in_with_retries(settings, session)
    except SalesforceAuthenticationFailed as error:
        message = f"Salesforce sign-in ({settings.auth}) was refused: {redactor.scrub(error)}"
    except requests.RequestException as error:
        message = (
            f"Salesforce sign-in ({settings.auth}) could not reach the org: "
            f"{type(error).__name__}: {redactor.scrub(error)}"
        )
    else:
        redactor.add(sf.session_id)
        return sf
    raise SalesforceSignInError(message) from None


def connect(settings: SalesforceSettings) -> Salesforce:
    """Return a signed-in simple-salesforce client for the configured mode."""
    settings = resolve_secrets(settings)
    return sign_in(settings, build_http_session(settings), Redactor(settings))


def _session_cannot_renew(description: str) -> SalesforceApiError:
    return SalesforceApiError(
        f"{description} failed: the Salesforce session expired, and sign-in mode 'session' "
        "cannot sign in again: give a fresh salesforce.session_id or use another sign-in mode.",
        status=401,
        error_code="INVALID_SESSION_ID",
    )


class SalesforceClient:
    """A signed-in connection for long extractions; use ``call`` for every API call."""

    def __init__(self, settings: SalesforceSettings, budget: ApiBudget | None = None) -> None:
        self.settings = resolve_secrets(settings)
        self.redactor = Redactor(self.settings)
        self.budget = budget or ApiBudget(share=1.0)
        # The org's time, from its answers: how far a complete read has covered it.
        self.clock = ServerClock()
        self.http = build_http_session(
            self.settings, [self.budget.observe_response, self.clock.observe_response]
        )
        self.sign_ins = 0
        self.sf = self._sign_in()

    def _sign_in(self) -> Salesforce:
        sf = sign_in(self.settings, self.http, self.redactor)
        self.sign_ins += 1
        return sf

    @property
    def can_sign_in_again(self) -> bool:
        return self.settings.auth != "session"

    def sign_in_again(self) -> None:
        if not self.can_sign_in_again:
            raise _session_cannot_renew("signing in again")
        logger.info("Salesforce session expired; signing in again.")
        self.sf = self._sign_in()

    # -- calls

    def call(self, operation: Callable[[Salesforce], T], description: str) -> T:
        """Run ``operation`` with retries, re-sign-in and the budget check.

        Raises ``ApiBudgetReached`` (stop cleanly), ``SalesforceApiError`` or, when a
        new sign-in is refused, ``SalesforceSignInError``.
        """
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.settings.max_attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception(self._worth_retrying),
            before_sleep=lambda state: self._before_retry(state, description),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    self.budget.check()
                    result = operation(self.sf)
                    # simple-salesforce may have signed in again by itself.
                    self.redactor.add(self.sf.session_id)
                    return result
        except (ApiBudgetReached, SalesforceApiError, SalesforceSignInError):
            raise
        except Exception as error:
            raise self._failure(error, description) from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _worth_retrying(self, error: BaseException) -> bool:
        verdict = classify(error)
        if verdict is Verdict.SIGN_IN_AGAIN:
            return self.can_sign_in_again
        return verdict is Verdict.RETRY

    def _wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if error is not None and classify(error) is Verdict.SIGN_IN_AGAIN:
            return 0.0
        wait = backoff(self.settings.retry_backoff_seconds, self.settings.retry_max_backoff_seconds)
        return wait(state)

    def _before_retry(self, state: tenacity.RetryCallState, description: str) -> None:
        error = state.outcome.exception() if state.outcome else None
        if error is None:
            return
        if classify(error) is Verdict.SIGN_IN_AGAIN:
            self.sign_in_again()
            return
        logger.warning(
            "Retrying %s after %s (attempt %d of %d).",
            description,
            self._short_reason(error),
            state.attempt_number,
            self.settings.max_attempts,
        )

    def _short_reason(self, error: BaseException) -> str:
        if isinstance(error, SalesforceError):
            code, _ = error_details(error)
            return f"HTTP {error.status} {code or ''}".strip()
        return type(error).__name__

    def _failure(self, error: BaseException, description: str) -> Exception:
        verdict = classify(error)
        if verdict is Verdict.DAILY_LIMIT:
            self.budget.org_refused()
            return ApiBudgetReached(self.budget.describe())
        if verdict is Verdict.SIGN_IN_AGAIN and not self.can_sign_in_again:
            return _session_cannot_renew(description)
        if isinstance(error, SalesforceError):
            code, message = error_details(error)
            return SalesforceApiError(
                self.redactor.scrub(
                    f"{description} failed: HTTP {error.status} {code or ''}: {message}"
                ),
                status=error.status,
                error_code=code,
            )
        return SalesforceApiError(
            self.redactor.scrub(f"{description} failed: {type(error).__name__}: {error}")
        )

    # -- the calls an extraction makes

    def limits(self) -> dict[str, Any]:
        limits = self.call(lambda sf: sf.limits(), "reading /limits")
        self.budget.observe_limits(limits)
        return limits

    def describe(self, object_name: str) -> dict[str, Any] | None:
        """The object's describe, or None when the org has no such object."""
        try:
            return self.call(
                lambda sf: sf.restful(f"sobjects/{object_name}/describe"),
                f"describe of {object_name}",
            )
        except SalesforceApiError as error:
            if error.status == 404:
                return None
            raise

    def count(self, soql: str, include_deleted: bool, description: str) -> int:
        result = self.call(
            lambda sf: sf.query(soql, include_deleted=include_deleted), f"counting {description}"
        )
        return int(result["totalSize"])

    def query_first_page(
        self, soql: str, include_deleted: bool, batch_size: int, description: str
    ) -> dict[str, Any]:
        """The query's first page, with ``totalSize``: a count and the first rows in one call."""
        headers = {"Sforce-Query-Options": f"batchSize={batch_size}"}
        return self.call(
            lambda sf: sf.query(soql, include_deleted=include_deleted, headers=headers),
            f"query of {description}",
        )

    def query_pages(
        self,
        soql: str,
        include_deleted: bool,
        batch_size: int,
        description: str,
        first_page: dict[str, Any] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """REST query results, one page (of up to ``batch_size`` records) at a time.

        ``first_page``: that of this very query, already fetched (``query_first_page``).
        """
        headers = {"Sforce-Query-Options": f"batchSize={batch_size}"}
        page = first_page or self.query_first_page(soql, include_deleted, batch_size, description)
        yield page["records"]
        while not page["done"]:
            page = self.call(
                lambda sf, url=page["nextRecordsUrl"]: sf.query_more(
                    url, identifier_is_url=True, headers=headers
                ),
                f"query of {description} (next page)",
            )
            yield page["records"]
