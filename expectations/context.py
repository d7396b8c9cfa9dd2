"""What every suite of one gate run shares: the warehouse, GX, config and baselines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from expectations.audit import AuditLog
from expectations.describes import DescribeSource
from expectations.gate import Check
from expectations.gx_session import GxSession
from expectations.suites import CheckSpec, Severities
from rapport.config import GateSettings, WarehouseSettings
from rapport.warehouse import WarehouseSql


@dataclass
class GateContext:
    sql: WarehouseSql
    session: GxSession
    audit: AuditLog
    warehouse: WarehouseSettings
    gates: GateSettings
    severities: Severities
    describes: DescribeSource
    as_of: date
    postgres_url: str | None = None
    notes: list[str] = field(default_factory=list)

    def check(
        self, suite: str, spec: CheckSpec, expectation: str, column: str | None = None
    ) -> Check:
        """The Check a metric entry stands for, with its configured severity."""
        severity = self.severities.resolve(suite, spec.name, spec.severity)
        kwargs = {"column": column} if column else {}
        return Check(expectation, kwargs, severity, spec.name)

    def skip(self, suite: str, spec: CheckSpec, reason: str) -> None:
        self.notes.append(f"{suite}.{spec.name} skipped: {reason}.")
