"""One gate run: every raw suite, every mart suite, recorded and rendered.

``run_gates`` never raises on a failed check: it returns a report, appends
every result to ``<audit_schema>.validation_results`` and builds Data Docs;
the caller decides (``enforce``) whether the run may go on to write-back.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from connectors.salesforce.extract.source import table_name
from expectations.audit import AuditLog
from expectations.context import GateContext
from expectations.describes import DescribeSource, describe_source
from expectations.gate import CheckResult
from expectations.gx_session import GxSession
from expectations.marts import check_mart
from expectations.raw import check_raw_table
from expectations.suites import Severities, default_suites
from rapport import progress
from rapport.config import Settings
from rapport.warehouse import open_warehouse, postgres_url

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GateReport:
    run_id: str
    checked_at: datetime
    results: list[CheckResult]
    notes: list[str] = field(default_factory=list)
    data_docs_index: Path | None = None

    @property
    def errors(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity == "error"]

    @property
    def warnings(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity == "warning"]

    @property
    def passed(self) -> bool:
        return not self.errors


def data_docs_dir(settings: Settings) -> Path:
    return settings.gates.data_docs_dir or settings.state_dir / "data_docs"


def gx_results_dir(settings: Settings) -> Path:
    return settings.state_dir / "gx_validation_results"


def severities_for(settings: Settings) -> Severities:
    """The configured overrides, refused if one names no check."""
    severities = Severities(settings.gates.severity)
    objects = [entry.name for entry in settings.extract.objects]
    tables = [table_name(name) for name in objects]
    severities.require_known(default_suites().known_keys(tables, objects))
    return severities


def gx_session(settings: Settings, run_id: str) -> GxSession:
    if not settings.gates.data_docs:
        return GxSession(run_id)
    return GxSession(run_id, results_dir=gx_results_dir(settings), docs_dir=data_docs_dir(settings))


def _build_docs(session: GxSession, notes: list[str]) -> Path | None:
    # Data Docs are a report: failing to render them must not hide or change the verdict.
    try:
        return session.build_docs()
    except Exception as error:
        logger.exception("Data Docs build failed")
        notes.append(f"Data Docs were not built: {type(error).__name__}: {error}")
        return None


def run_gates(
    settings: Settings, run_id: str | None = None, describes: DescribeSource | None = None
) -> GateReport:
    """Validate the raw tables and marts; record the results; never raise on a failed check."""
    warehouse = settings.warehouse
    if warehouse.type == "duckdb" and not warehouse.path.exists():
        raise FileNotFoundError(
            f"Warehouse {warehouse.path} does not exist: run the extract and transform first."
        )
    severities = severities_for(settings)
    run_id = run_id or uuid.uuid4().hex
    describes = describes or describe_source(settings)
    session = gx_session(settings, run_id)
    checked_at = datetime.now(UTC)
    with open_warehouse(warehouse) as sql:
        ctx = GateContext(
            sql=sql,
            session=session,
            audit=AuditLog(sql, warehouse.audit_schema),
            warehouse=warehouse,
            gates=settings.gates,
            severities=severities,
            describes=describes,
            as_of=settings.as_of_date or date.today(),
            postgres_url=postgres_url(warehouse) if warehouse.type == "postgres" else None,
        )
        previous_counts = ctx.audit.previous_row_counts()
        results: list[CheckResult] = []
        row_counts: dict[str, int] = {}
        mart_suites = list(default_suites().marts.values())
        progress.planned("validate", len(settings.extract.objects) + len(mart_suites), "suites")
        for entry in settings.extract.objects:
            table = table_name(entry.name)
            outcome = check_raw_table(ctx, table, entry.name, previous_counts.get(table))
            results += outcome.results
            _suite_checked(f"raw {table}", outcome.results)
            if outcome.row_count is not None:
                row_counts[table] = outcome.row_count
        distribution = None
        for suite in mart_suites:
            mart = check_mart(ctx, suite)
            results += mart.results
            _suite_checked(f"mart {suite.table}", mart.results)
            distribution = mart.distribution if mart.distribution is not None else distribution
        notes = [*ctx.notes, *describes.notes]
        accepted = not any(not r.success and r.severity == "error" for r in results)
        ctx.audit.record_run(run_id, results, row_counts, distribution, accepted, checked_at)
    index = _build_docs(session, notes)
    return GateReport(run_id, checked_at, results, notes, index)


def _suite_checked(name: str, results: list[CheckResult]) -> None:
    """One suite done: passed unless an error-severity check failed (warnings still pass)."""
    errors = sum(1 for r in results if not r.success and r.severity == "error")
    warnings = sum(1 for r in results if not r.success and r.severity == "warning")
    progress.advanced(
        "validate",
        item=name,
        checks=len(results),
        warnings=warnings,
        **({"failed": 1} if errors else {"passed": 1}),
    )


def record_results(settings: Settings, run_id: str, results: list[CheckResult]) -> None:
    """Append results checked outside ``run_gates`` (the write-back payload) to the audit table."""
    with open_warehouse(settings.warehouse) as sql:
        AuditLog(sql, settings.warehouse.audit_schema).record_run(
            run_id, results, {}, None, accepted=False, at=datetime.now(UTC)
        )
