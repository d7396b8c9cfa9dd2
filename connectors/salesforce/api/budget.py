"""The org's daily API allowance, watched so an extraction stops before using too much of it.

Salesforce reports usage on every response (``Sforce-Limit-Info:
api-usage=used/max``) and in ``/limits`` (``DailyApiRequests``). Other
integrations share the same allowance, so the extraction stops, cleanly and
resumably, once ``share`` of it is used rather than running the org dry.
"""

from __future__ import annotations

import math
import re
import threading
from typing import Any

import requests

from rapport.errors import RapportError

# "api-usage=18/5000", but not the "per-app-api-usage=..." that may follow it.
_API_USAGE = re.compile(r"(?<![\w-])api-usage=(\d+)/(\d+)")


class ApiBudgetReached(RapportError):
    """The extraction should stop now and resume on the next run."""


class ApiBudget:
    def __init__(self, share: float) -> None:
        if not 0 < share <= 1:
            raise ValueError(f"the API budget share must be in (0, 1], got {share}")
        self.share = share
        self.used: int | None = None
        self.limit: int | None = None
        self._org_refused = False
        self._lock = threading.Lock()

    def observe(self, used: int, limit: int) -> None:
        with self._lock:
            self.used, self.limit = used, limit

    def observe_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """A requests response hook: every answer from the org updates the count."""
        header = response.headers.get("Sforce-Limit-Info")
        match = _API_USAGE.search(header or "")
        if match:
            self.observe(int(match.group(1)), int(match.group(2)))

    def observe_limits(self, limits: dict[str, Any]) -> None:
        """Take usage from a ``/limits`` answer."""
        daily = limits.get("DailyApiRequests") or {}
        if "Max" in daily and "Remaining" in daily:
            maximum = int(daily["Max"])
            self.observe(maximum - int(daily["Remaining"]), maximum)

    def org_refused(self) -> None:
        """The org answered that the daily allowance is spent (TotalRequests)."""
        with self._lock:
            self._org_refused = True

    @property
    def stop_at(self) -> int | None:
        """The usage at which to stop, or None before the first report."""
        return None if self.limit is None else math.floor(self.limit * self.share)

    @property
    def reached(self) -> bool:
        with self._lock:
            if self._org_refused:
                return True
            if self.used is None or self.limit is None:
                return False
            return self.used >= math.floor(self.limit * self.share)

    def check(self) -> None:
        """Raise ``ApiBudgetReached`` if one more call would go past the budget."""
        if self.reached:
            raise ApiBudgetReached(self.describe())

    def describe(self) -> str:
        if self._org_refused:
            return "the org refused further calls: its daily API request limit is spent"
        return (
            f"{self.used} of {self.limit} daily API requests used; the budget stops at "
            f"{self.share:.0%} ({self.stop_at})"
        )
