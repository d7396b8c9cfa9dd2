"""What the commands print besides the run summary: tables and short sentences, never a repr.

Each function turns one command's result (an install report, gate results,
a write-back report's markdown) into something rich renders for people.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.table import Table


def install_renderable(report: Any) -> RenderableType:
    """``install-fields``: each field created or already there, then access and list views."""
    fields = Table(title="Rapport fields")
    fields.add_column("field")
    fields.add_column("status")
    for name in report.created:
        fields.add_row(name, "[green]created[/green]")
    for name in report.existing:
        fields.add_row(name, "already there")
    parts: list[RenderableType] = [fields]
    access = report.access
    if access is not None:
        created = ", ".join(access.permission_sets_created) or "none (both exist)"
        assigned = ", ".join(access.assigned) or "already assigned"
        parts.append(
            f"Permission sets created: {created}. Field grants added: "
            f"{access.field_permissions_created}. Assigned to you: {assigned}."
        )
    if report.list_views is not None:
        views = ", ".join(report.list_views) or "none (all exist)"
        parts.append(f"Account list views created: {views}.")
    return Group(*parts)


def failed_checks_renderable(results: Iterable[Any]) -> RenderableType | None:
    """The gate checks that failed (errors first), or None when every check passed."""
    failed = sorted(
        (r for r in results if not r.success), key=lambda r: (r.severity != "error", r.suite)
    )
    if not failed:
        return None
    table = Table(title="Failed checks")
    for column in ("severity", "suite", "check", "column", "observed"):
        table.add_column(column)
    for r in failed:
        table.add_row(r.severity, r.suite, r.expectation, r.column or "", str(r.observed_value))
    return table


def markdown_renderable(text: str) -> RenderableType:
    """A markdown report (the write-back's) rendered with real tables."""
    return Markdown(text)
