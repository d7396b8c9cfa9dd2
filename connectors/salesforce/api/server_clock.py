"""The org's own clock, as its answers state it (the HTTP ``Date`` header).

Incremental extraction needs to know how far a complete read has covered
the org. The largest ``SystemModstamp`` read says little on a quiet org: it
stays where the last change was, so a window that starts there re-reads the
same records run after run. What a query covers is everything committed
before it started, by the org's clock. Salesforce's own replication calls
say the same (``getUpdated`` returns ``latestDateCovered``;
``getServerTimestamp`` exists so a client need not trust its own clock), and
every REST and Bulk answer carries the org's time in its ``Date`` header.

The time kept here is that of the latest answer received, so taken just
before a query is sent it is no later than the moment the query started
(and ``Date`` is truncated to the second: earlier still). Not the local
clock: this machine's may be minutes off the org's, and ``SystemModstamp``
is stamped by the org's.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP ``Date`` header (RFC 7231) in UTC, or None when absent or unreadable."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # "-0000": no zone stated; HTTP dates are GMT
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


class ServerClock:
    """The latest ``Date`` the org's answers stated; a ``requests`` response hook."""

    def __init__(self) -> None:
        self._latest: datetime | None = None
        # Bulk result pages download in a background thread.
        self._lock = threading.Lock()

    def observe_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        stated = parse_http_date(response.headers.get("Date"))
        if stated is None:
            return
        with self._lock:
            if self._latest is None or stated > self._latest:
                self._latest = stated

    def now(self) -> datetime | None:
        """The org's time at its latest answer, or None when no answer stated one."""
        with self._lock:
            return self._latest
