"""The state of one local org: who may sign in, sessions, API usage, cursors, jobs.

Everything a request handler needs lives on one ``OrgState`` (``app.state.org``).
It is kept apart from the handlers so every API area (and ``responses.py``)
can reach it without importing the module that assembles the app; that keeps
the modules of the local org free of import cycles.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime

from starlette.requests import Request

from connectors.salesforce.api.ids import make_id
from local_org.bulk_jobs import BulkJobs
from local_org.faults import FaultInjector
from local_org.jwt_bearer import JwtKeys
from local_org.schema import ObjectSpec
from local_org.store import OrgStore, QueryResult

DAILY_API_REQUESTS = 100_000
SESSION_SECONDS_VALID = 7200


@dataclass(frozen=True)
class Credentials:
    """What a user of the org signs in with."""

    username: str
    password: str
    security_token: str
    consumer_key: str
    consumer_secret: str
    org_id: str = make_id("00D", 1)
    user_id: str = make_id("005", 1)

    @classmethod
    def generate(cls, username: str = "admin@rapport.local") -> Credentials:
        """Fresh secrets, so an org left running is not open to a guessed password."""
        return cls(
            username=username,
            password=secrets.token_urlsafe(12),
            security_token=secrets.token_hex(12).upper(),
            consumer_key="3MVG9" + secrets.token_urlsafe(40),
            consumer_secret=secrets.token_hex(32).upper(),
        )

    @classmethod
    def default(cls) -> Credentials:
        """Fixed credentials for demos and docs; the org only listens on 127.0.0.1."""
        return cls(
            username="admin@rapport.local",
            password="rapport-local",
            security_token="LOCALTOKEN",
            consumer_key="3MVG9rapport.local.consumer.key",
            consumer_secret="RAPPORTLOCALCONSUMERSECRET",
        )


class SessionRegistry:
    """Issued access tokens (session ids). Kept in memory: a restart signs everyone out.

    A session lasts ``seconds_valid`` from sign-in (Salesforce's session
    timeout); after that, or once revoked, the API answers INVALID_SESSION_ID
    and the client has to sign in again.
    """

    def __init__(self, org_id: str, seconds_valid: float = SESSION_SECONDS_VALID) -> None:
        self._org_prefix = org_id[:15]
        self.seconds_valid = seconds_valid
        self._issued: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> str:
        token = f"{self._org_prefix}!{secrets.token_urlsafe(72)}"
        with self._lock:
            self._issued[token] = time.monotonic()
        return token

    def is_valid(self, token: str | None) -> bool:
        with self._lock:
            issued = self._issued.get(token) if token is not None else None
            if issued is None:
                return False
            if time.monotonic() - issued >= self.seconds_valid:
                del self._issued[token]  # type: ignore[arg-type]
                return False
            return True

    def revoke(self, token: str) -> None:
        with self._lock:
            self._issued.pop(token, None)

    def revoke_all(self) -> None:
        """Sign everyone out, as an admin's "expire all sessions" does."""
        with self._lock:
            self._issued.clear()


@dataclass(frozen=True)
class RequestLogEntry:
    method: str
    path: str
    query: str
    status: int
    timestamp: datetime


class RequestLog:
    """Every request the org answered, so tests can count calls (e.g. writes)."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._entries: deque[RequestLogEntry] = deque(maxlen=max_entries)
        self._lock = threading.Lock()

    def append(self, entry: RequestLogEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[RequestLogEntry]:
        with self._lock:
            return list(self._entries)

    def count(self, method: str | None = None, path_contains: str | None = None) -> int:
        return sum(
            1
            for entry in self.entries()
            if (method is None or entry.method == method.upper())
            and (path_contains is None or path_contains in entry.path)
        )

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class QueryCursors:
    """Server-side query results for nextRecordsUrl, as Salesforce keeps them.

    The whole result is taken when the query runs, so later pages are
    consistent even if records change in between (like a real query locator).
    """

    def __init__(self, max_cursors: int = 64) -> None:
        self._results: OrderedDict[str, QueryResult] = OrderedDict()
        self._max = max_cursors
        self._sequence = 0
        self._lock = threading.Lock()

    def add(self, result: QueryResult) -> str:
        with self._lock:
            self._sequence += 1
            locator = make_id("01g", self._sequence, pod="LO")
            self._results[locator] = result
            while len(self._results) > self._max:
                self._results.popitem(last=False)
            return locator

    def get(self, locator: str) -> QueryResult | None:
        with self._lock:
            result = self._results.get(locator)
            if result is not None:
                self._results.move_to_end(locator)
            return result


class ApiUsage:
    """The org's daily API request allowance, counted as Salesforce counts it.

    Every authenticated call uses one request; clients see the running total
    in the Sforce-Limit-Info header and under DailyApiRequests in /limits,
    and are refused with REQUEST_LIMIT_EXCEEDED once it is spent.
    """

    def __init__(self, daily_limit: int = DAILY_API_REQUESTS) -> None:
        self.daily_limit = daily_limit
        self._used = 0
        self._lock = threading.Lock()

    def use_one(self) -> int | None:
        """Count a call; None when the allowance is already spent."""
        with self._lock:
            if self._used >= self.daily_limit:
                return None
            self._used += 1
            return self._used

    @property
    def used(self) -> int:
        with self._lock:
            return self._used

    def header(self, used: int | None = None) -> str:
        return f"api-usage={self.used if used is None else used}/{self.daily_limit}"


class CustomFieldIds:
    """Stable tooling ids (00N...) for the org's custom fields, given out on first sight."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def id_for(self, object_name: str, field_name: str) -> str:
        with self._lock:
            key = (object_name, field_name)
            if key not in self._ids:
                self._ids[key] = make_id("00N", len(self._ids) + 1, pod="LO")
            return self._ids[key]


@dataclass
class OrgState:
    store: OrgStore
    credentials: Credentials
    sessions: SessionRegistry
    bulk_jobs: BulkJobs
    faults: FaultInjector = field(default_factory=FaultInjector)
    jwt_keys: JwtKeys = field(default_factory=JwtKeys)
    custom_field_ids: CustomFieldIds = field(default_factory=CustomFieldIds)
    request_log: RequestLog = field(default_factory=RequestLog)
    cursors: QueryCursors = field(default_factory=QueryCursors)
    api_usage: ApiUsage = field(default_factory=ApiUsage)


def org_state(request: Request) -> OrgState:
    return request.app.state.org


def spec_or_none(org: OrgState, name: str) -> ObjectSpec | None:
    """The object's spec, or None where the API answers NOT_FOUND."""
    try:
        return org.store.spec(name)
    except KeyError:
        return None
