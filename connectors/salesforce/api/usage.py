"""Count the API calls a signed-in session makes, and the org's daily usage they report.

Write-back goes through simple-salesforce's session (REST, composite and Bulk
API 2.0 alike), so a response hook on that session sees every call it
makes; the ``Sforce-Limit-Info`` header on each answer says how much of the
org's daily allowance is used, which the run summary shows as calls left.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from connectors.salesforce.api.budget import ApiBudget


class ApiCallCounter:
    """A requests response hook: counts answers and keeps the last reported usage."""

    def __init__(self, on_call: Callable[[], None] | None = None) -> None:
        self.calls = 0
        self._usage = ApiBudget(share=1.0)
        self._on_call = on_call

    def attach(self, session: requests.Session) -> ApiCallCounter:
        session.hooks.setdefault("response", []).append(self)
        return self

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.calls += 1
        self._usage.observe_response(response)
        if self._on_call is not None:
            self._on_call()

    @property
    def used(self) -> int | None:
        """The org's daily API requests used, as of the last answer (None before one)."""
        return self._usage.used

    @property
    def limit(self) -> int | None:
        return self._usage.limit
