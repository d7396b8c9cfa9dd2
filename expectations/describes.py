"""Where the gates read an object's describe (picklists, field types, lengths).

Saved describes (``<state_dir>/describe/<Object>.json``, the raw JSON of
``sobjects/<Object>/describe``) are preferred: validating then needs no
network. Without them the org is asked once per object per run. When neither
is possible the describe-driven checks are skipped and the run says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol


class DescribeSource(Protocol):
    def describe(self, object_name: str) -> dict[str, Any] | None:
        """The object's describe, or None when it cannot be had (the reason is in ``notes``)."""

    @property
    def notes(self) -> list[str]: ...


class StaticDescribes:
    """Describes given in memory (tests, or a caller that already has them)."""

    def __init__(self, describes: Mapping[str, dict[str, Any]]) -> None:
        self._describes = dict(describes)
        self.notes: list[str] = []

    def describe(self, object_name: str) -> dict[str, Any] | None:
        found = self._describes.get(object_name)
        if found is None:
            self.notes.append(f"No describe of {object_name}: its picklist checks were skipped.")
        return found


class SavedDescribes:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.notes: list[str] = []

    def describe(self, object_name: str) -> dict[str, Any] | None:
        path = self.folder / f"{object_name}.json"
        if not path.exists():
            self.notes.append(f"No saved describe {path}: {object_name}'s picklist checks skipped.")
            return None
        return json.loads(path.read_text())


class LiveDescribes:
    """Asks the org through simple-salesforce; one sign-in per run, on first use."""

    def __init__(self, salesforce_settings) -> None:
        self._settings = salesforce_settings
        self._client = None
        self._unavailable: str | None = None
        self._cache: dict[str, dict[str, Any] | None] = {}
        self.notes: list[str] = []

    def _connect(self):
        if self._client is None and self._unavailable is None:
            from connectors.salesforce.api.client import connect

            try:
                self._client = connect(self._settings)
            except Exception as error:  # any sign-in failure means: no describe this run
                self._unavailable = f"{type(error).__name__}: {error}"
                self.notes.append(
                    f"Could not sign in to read describes ({self._unavailable}); "
                    "describe-driven checks skipped."
                )
        return self._client

    def describe(self, object_name: str) -> dict[str, Any] | None:
        if object_name in self._cache:
            return self._cache[object_name]
        client = self._connect()
        found = None
        if client is not None:
            from simple_salesforce.exceptions import SalesforceError

            try:
                found = client.restful(
                    f"sobjects/{object_name}/describe", timeout=self._settings.timeout_seconds
                )
            except SalesforceError as error:
                self.notes.append(f"Describe of {object_name} failed ({error}); checks skipped.")
        self._cache[object_name] = found
        return found


class NoDescribes:
    def __init__(self) -> None:
        self.notes = ["gates.describe is off: describe-driven checks skipped."]

    def describe(self, object_name: str) -> dict[str, Any] | None:
        return None


def describe_source(settings) -> DescribeSource:
    """Pick the source ``gates.describe`` asks for (auto: saved if any, else live)."""
    mode = settings.gates.describe
    saved = settings.state_dir / "describe"
    if mode == "off":
        return NoDescribes()
    if mode == "saved" or (mode == "auto" and saved.is_dir()):
        return SavedDescribes(saved)
    return LiveDescribes(settings.salesforce)


def picklist_values(describe: dict[str, Any]) -> dict[str, list[str]]:
    """Field API name → active values, for single-select picklists.

    Multi-select picklists hold ';'-joined values and are left out.
    """
    return {
        field["name"]: [
            v["value"] for v in field.get("picklistValues") or [] if v.get("active", True)
        ]
        for field in describe.get("fields", [])
        if field.get("type") == "picklist" and field.get("picklistValues")
    }
