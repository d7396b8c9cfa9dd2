"""Fault injection: the local org misbehaves the way a busy Salesforce org does.

Rapport's retry, re-sign-in and partial-failure handling can only be tested
against an org that fails, so the org can be told to fail a share of calls
with the errors Salesforce really sends: 500/503 server errors, the
concurrent-request limit (retryable, unlike the daily limit), sessions that
expire, rows locked by another transaction, slow answers, and calls that
hang past the client's read timeout.

Decisions come from one seeded ``random.Random``, so a test that makes the
same calls in the same order sees the same faults. Faults apply to data
endpoints (``/services/data/vNN.N/...``: REST, Bulk API 2.0 and tooling);
sign-in is left alone unless ``include_sign_in`` is set, and then answers
in its own protocol's shape: the OAuth token endpoint with an
``{"error", "error_description"}`` body, the SOAP login with a SOAP fault,
since that is what a client parses there (a REST error list made
simple-salesforce's OAuth sign-in fail with an AttributeError).
"""

from __future__ import annotations

import dataclasses
import random
import re
import threading
from collections import Counter
from dataclasses import dataclass

from starlette.responses import Response

from local_org.responses import oauth_error, sf_error, soap_fault

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
OAUTH_TOKEN_PATH = "/services/oauth2/token"
SOAP_LOGIN_PREFIX = "/services/Soap/"
# OAuth's names (RFC 6749) for the two server faults.
_OAUTH_SERVER_ERRORS = {500: "server_error", 503: "temporarily_unavailable"}
_RECORD_PATHS = re.compile(r"^/services/data/v[\d.]+/(?:sobjects|composite)/")
CONCURRENT_LIMIT_MESSAGE = (
    "ConcurrentPerOrgLongTxn Limit exceeded. The org has too many long-running requests "
    "in progress; retry later."
)
LOCK_ROW_MESSAGE = "unable to obtain exclusive access to this record or 1 records: {record_id}"


@dataclass(frozen=True)
class FaultConfig:
    """What to inject. Rates are shares of eligible calls, from 0.0 to 1.0."""

    seed: int = 0
    server_error_rate: float = 0.0  # 500 UNKNOWN_EXCEPTION or 503 SERVER_UNAVAILABLE
    concurrent_limit_rate: float = 0.0  # 403 REQUEST_LIMIT_EXCEEDED (ConcurrentPerOrgLongTxn)
    lock_row_rate: float = 0.0  # UNABLE_TO_LOCK_ROW on written records
    lock_whole_request: bool = False  # refuse the whole write request instead of one record
    session_expires_after_calls: int | None = None  # 401 INVALID_SESSION_ID after N data calls
    latency_ms: float = 0.0  # added to every eligible call
    # A share of calls hang this long before they are answered, past a
    # client's read timeout: the client gives up, the org still does the work.
    timeout_rate: float = 0.0
    hang_seconds: float = 5.0
    include_sign_in: bool = False

    def __post_init__(self) -> None:
        for name in ("server_error_rate", "concurrent_limit_rate", "lock_row_rate", "timeout_rate"):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"FaultConfig.{name} must be between 0 and 1, got {rate}")
        if self.latency_ms < 0:
            raise ValueError(f"FaultConfig.latency_ms must not be negative, got {self.latency_ms}")
        calls = self.session_expires_after_calls
        if calls is not None and calls < 1:
            raise ValueError(f"FaultConfig.session_expires_after_calls must be >= 1, got {calls}")


class FaultInjector:
    """The org's current fault configuration and the seeded decisions made from it.

    ``injected`` counts what was injected (e.g. ``injected["server_error"]``),
    so a test can check that its client really met the faults.
    """

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._config = config or FaultConfig()
        self._random = random.Random(self._config.seed)
        self._session_calls: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig | None = None, **changes: object) -> FaultConfig:
        """Switch faults at runtime: a whole config, or changes to the current one.

        Reseeds, so the decisions after a change are reproducible on their own.
        """
        with self._lock:
            base = config or self._config
            self._config = dataclasses.replace(base, **changes)  # type: ignore[arg-type]
            self._random = random.Random(self._config.seed)
            self._session_calls.clear()
            self.injected.clear()
            return self._config

    def disable(self) -> None:
        self.configure(FaultConfig())

    def applies_to(self, path: str) -> bool:
        if path.startswith("/services/data/v"):
            return True
        return self._config.include_sign_in and path.startswith(
            (OAUTH_TOKEN_PATH, SOAP_LOGIN_PREFIX)
        )

    def latency_seconds(self) -> float:
        """The delay before this call is answered: the latency, or a hang past the timeout."""
        config = self._config
        if config.timeout_rate:
            with self._lock:
                if self._random.random() < config.timeout_rate:
                    self.injected["timeout"] += 1
                    return config.hang_seconds
        return config.latency_ms / 1000.0

    def session_expired(self, token: str) -> bool:
        """Count a data call on ``token``; True once it is past its allowance."""
        limit = self._config.session_expires_after_calls
        if limit is None:
            return False
        with self._lock:
            self._session_calls[token] += 1
            expired = self._session_calls[token] > limit
            if expired:
                self.injected["session_expired"] += 1
            return expired

    def request_fault(self, method: str, path: str) -> Response | None:
        """The error response to send instead of handling this call, if any.

        Whole-request row locks only hit calls that write records (REST
        sObject and composite writes); Bulk ingest records are locked one by
        one while the job runs, through ``lock_record``.
        """
        config = self._config
        with self._lock:
            if config.server_error_rate and self._random.random() < config.server_error_rate:
                self.injected["server_error"] += 1
                if self._random.random() < 0.5:
                    return _error(
                        path,
                        500,
                        "UNKNOWN_EXCEPTION",
                        "An unexpected error occurred. Please include this ErrorId if you "
                        f"contact support: {self._random.randrange(10**9)}-"
                        f"{self._random.randrange(10**5)} (-{self._random.randrange(10**9)})",
                    )
                return _error(
                    path,
                    503,
                    "SERVER_UNAVAILABLE",
                    "Server temporarily unavailable, please retry your request.",
                )
            if config.concurrent_limit_rate and self._random.random() < (
                config.concurrent_limit_rate
            ):
                self.injected["concurrent_limit"] += 1
                return _error(path, 403, "REQUEST_LIMIT_EXCEEDED", CONCURRENT_LIMIT_MESSAGE)
            if (
                config.lock_whole_request
                and is_record_write(method, path)
                and config.lock_row_rate
                and self._random.random() < config.lock_row_rate
            ):
                self.injected["lock_row"] += 1
                return sf_error(
                    400,
                    "UNABLE_TO_LOCK_ROW",
                    "unable to obtain exclusive access to this record",
                    [],
                )
        return None

    def lock_record(self) -> bool:
        """Whether one record of a multi-record write is refused with UNABLE_TO_LOCK_ROW."""
        config = self._config
        if config.lock_whole_request or not config.lock_row_rate:
            return False
        with self._lock:
            locked = self._random.random() < config.lock_row_rate
            if locked:
                self.injected["lock_row"] += 1
            return locked


def is_record_write(method: str, path: str) -> bool:
    return method in WRITE_METHODS and _RECORD_PATHS.match(path) is not None


def _error(path: str, status: int, error_code: str, message: str) -> Response:
    """An injected error in the shape the endpoint at ``path`` answers errors in."""
    if path.startswith(OAUTH_TOKEN_PATH):
        return oauth_error(_OAUTH_SERVER_ERRORS.get(status, error_code), message, status)
    if path.startswith(SOAP_LOGIN_PREFIX):
        return soap_fault(error_code, message, status)
    return sf_error(status, error_code, message)
