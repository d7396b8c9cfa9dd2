"""The gates' suites, read from ``suites.yml``, and the severities config may override.

Suites are data so that RevOps can read (and relax) them without reading
code; this module only checks the file's shape and turns entries into
:class:`~expectations.gate.Check` objects.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

from expectations.gate import Check, Severity
from rapport.errors import ConfigurationError

SUITES_PATH = Path(__file__).with_name("suites.yml")

Kind = Literal["expect", "metric", "from_describe"]
KINDS: tuple[Kind, ...] = ("expect", "metric", "from_describe")
METRICS = frozenset(
    {
        "duplicate_values",
        "null_values",
        "missing_values",
        "unattributed_share",
        "orphan_references",
        "far_future_dates",
        "negative_values",
        "unparseable_dates",
        "row_count_drop",
        "matches_live_raw_rows",
        "distribution_shift",
        "fields_outside_allow_list",
        "fields_not_updateable",
    }
)
# A mart's own invariants are dbt tests; its suite may only compare it with
# something outside it (see expectations/__init__.py).
MART_METRICS = frozenset({"matches_live_raw_rows", "distribution_shift"})
DESCRIBE_GENERATORS = frozenset({"picklists", "field_types"})


class SuiteConfigError(ConfigurationError, ValueError):
    """suites.yml or a severity override is malformed; the message names the entry."""

    hint = "Fix the gates section of rapport.yml."


@dataclass(frozen=True)
class CheckSpec:
    """One entry of suites.yml."""

    name: str
    severity: Severity
    kind: Kind
    what: str  # the expectation type, the metric or the describe generator
    columns: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)

    def checks(self, suite: str, severities: Severities) -> list[Check]:
        """The GX checks of an ``expect`` entry, one per column."""
        severity = severities.resolve(suite, self.name, self.severity)
        if not self.columns:
            return [Check(self.what, dict(self.params), severity, self.name)]
        return [
            Check(self.what, {"column": column, **self.params}, severity, self.name)
            for column in self.columns
        ]


@dataclass(frozen=True)
class MartSuite:
    table: str
    id_column: str
    checks: tuple[CheckSpec, ...]


@dataclass(frozen=True)
class SuiteBook:
    raw_every_table: tuple[CheckSpec, ...]
    raw_tables: Mapping[str, tuple[CheckSpec, ...]]
    marts: Mapping[str, MartSuite]
    payload: tuple[CheckSpec, ...]

    def raw_checks(self, table: str) -> tuple[CheckSpec, ...]:
        return self.raw_every_table + self.raw_tables.get(table, ())

    def known_keys(self, raw_tables: Iterable[str], payload_objects: Iterable[str]) -> list[str]:
        """Every ``suite.check`` a severity override may address."""
        keys = [f"raw_{t}.{c.name}" for t in raw_tables for c in self.raw_checks(t)]
        keys += [f"{m.table}.{c.name}" for m in self.marts.values() for c in m.checks]
        keys += [f"{payload_suite(o)}.{c.name}" for o in payload_objects for c in self.payload]
        return keys


def raw_suite(table: str) -> str:
    return f"raw_{table}"


def payload_suite(object_name: str) -> str:
    return f"payload_{object_name.lower()}"


def _parse_check(entry: Any, where: str) -> CheckSpec:
    if not isinstance(entry, dict) or "check" not in entry:
        raise SuiteConfigError(f"{where}: every entry needs a 'check' name, got {entry!r}.")
    raw = dict(entry)
    name = str(raw.pop("check"))
    label = f"{where}.{name}"
    severity = raw.pop("severity", "error")
    if severity not in ("error", "warning"):
        raise SuiteConfigError(f"{label}: severity must be error or warning, not {severity!r}.")
    kinds = [kind for kind in KINDS if kind in raw]
    if len(kinds) != 1:
        raise SuiteConfigError(f"{label}: needs exactly one of {', '.join(KINDS)}.")
    kind = kinds[0]
    what = str(raw.pop(kind))
    if kind == "metric" and what not in METRICS:
        raise SuiteConfigError(f"{label}: unknown metric {what!r}.")
    if kind == "from_describe" and what not in DESCRIBE_GENERATORS:
        raise SuiteConfigError(f"{label}: unknown describe generator {what!r}.")
    if "column" in raw and "columns" in raw:
        raise SuiteConfigError(f"{label}: give 'column' or 'columns', not both.")
    columns = raw.pop("columns", None) or ([raw.pop("column")] if "column" in raw else [])
    return CheckSpec(name, severity, kind, what, tuple(str(c) for c in columns), raw)


def _parse_list(entries: Any, where: str) -> tuple[CheckSpec, ...]:
    if not isinstance(entries, list):
        raise SuiteConfigError(f"{where}: expected a list of checks.")
    specs = tuple(_parse_check(entry, where) for entry in entries)
    return specs


def _require_unique(specs: tuple[CheckSpec, ...], where: str) -> None:
    names = [spec.name for spec in specs]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise SuiteConfigError(f"{where}: check names must be unique: {', '.join(duplicated)}.")


def _require_cross_table(specs: tuple[CheckSpec, ...], where: str) -> None:
    """Refuse a mart check that dbt owns: one GX would only ever run after dbt passed it."""
    for spec in specs:
        if spec.kind != "metric" or spec.what not in MART_METRICS:
            raise SuiteConfigError(
                f"{where}.{spec.name}: a mart suite holds only cross-table and history "
                f"checks ({', '.join(sorted(MART_METRICS))}); a mart's keys, values and "
                "ranges are dbt tests (dbt_project/models/marts/_marts__models.yml)."
            )


def parse_suites(document: dict[str, Any]) -> SuiteBook:
    raw = document.get("raw", {})
    every = _parse_list(raw.get("every_table", []), "raw.every_table")
    tables = {
        table: _parse_list(entries, f"raw.tables.{table}")
        for table, entries in (raw.get("tables") or {}).items()
    }
    for table, specs in tables.items():
        _require_unique(every + specs, f"raw.tables.{table}")
    marts = {}
    for table, body in (document.get("marts") or {}).items():
        if "id_column" not in body:
            raise SuiteConfigError(f"marts.{table}: needs an id_column.")
        specs = _parse_list(body.get("checks", []), f"marts.{table}")
        _require_unique(specs, f"marts.{table}")
        _require_cross_table(specs, f"marts.{table}")
        marts[table] = MartSuite(table, str(body["id_column"]), specs)
    payload = _parse_list((document.get("payload") or {}).get("checks", []), "payload")
    _require_unique(payload, "payload")
    return SuiteBook(every, tables, marts, payload)


@cache
def default_suites() -> SuiteBook:
    return parse_suites(yaml.safe_load(SUITES_PATH.read_text()))


class Severities:
    """Severity overrides from config: ``suite.check`` (wildcards allowed) → severity.

    An exact key wins over a pattern; among patterns the first listed wins.
    """

    def __init__(self, overrides: Mapping[str, Severity] | None = None) -> None:
        self._overrides = dict(overrides or {})

    def resolve(self, suite: str, check: str, default: Severity) -> Severity:
        key = f"{suite}.{check}"
        if key in self._overrides:
            return self._overrides[key]
        for pattern, severity in self._overrides.items():
            if fnmatch.fnmatchcase(key, pattern):
                return severity
        return default

    def require_known(self, known_keys: Iterable[str]) -> None:
        """Refuse overrides that address no check: a typo must not silently do nothing."""
        known = list(known_keys)
        unknown = [
            pattern
            for pattern in self._overrides
            if not any(fnmatch.fnmatchcase(key, pattern) for key in known)
        ]
        if unknown:
            raise SuiteConfigError(
                f"gates.severity names no known check: {', '.join(unknown)} "
                "(keys are suite.check as in expectations/suites.yml, e.g. "
                "raw_contact.account_id_present)."
            )
