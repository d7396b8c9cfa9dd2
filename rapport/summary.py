"""The summary a command prints at the end: what each stage did, and how long it took.

Built from the progress the stages reported (``progress_tracker``), so it
covers exactly the stages that ran: all four for ``rapport run``, one for
``rapport extract``. The same data prints as tables for people and as JSON
(``--json``) for scripts.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from rapport.progress_tracker import ProgressTracker, StageProgress

WRITEBACK_COUNTS = ("created", "updated", "unchanged", "conflicts", "failed")


def _extract(stage: StageProgress) -> dict[str, Any]:
    objects = {
        name: {
            "rows": counts["rows"],
            "status": "skipped (not in this org)"
            if counts["skipped"]
            else "incomplete (resumes next run)"
            if counts["incomplete"]
            else "done",
        }
        for name, counts in stage.items.items()
    }
    used, limit = stage.details.get("api_used"), stage.details.get("api_limit")
    return {
        "objects": objects,
        "rows": stage.counts["rows"],
        "api_used": used,
        "api_limit": limit,
        "api_left": None if used is None or limit is None else limit - used,
        "vanished_fields": list(stage.details.get("vanished_fields") or []),
    }


def _transform(stage: StageProgress) -> dict[str, Any]:
    return {"models_total": stage.total, **stage.details}


def _validate(stage: StageProgress) -> dict[str, Any]:
    return {
        "suites": stage.done,
        "suites_passed": stage.counts["passed"],
        "suites_failed": stage.counts["failed"],
        **stage.details,
    }


def _writeback(stage: StageProgress) -> dict[str, Any]:
    details = dict(stage.details)
    objects = details.get("objects", {})
    totals = {c: sum(o.get(c, 0) for o in objects.values()) for c in WRITEBACK_COUNTS}
    used, limit = details.get("api_used"), details.get("api_limit")
    details["api_left"] = None if used is None or limit is None else limit - used
    return {**details, "totals": totals}


_STAGE_SUMMARIES = {
    "extract": _extract,
    "transform": _transform,
    "validate": _validate,
    "writeback": _writeback,
}


def run_summary(tracker: ProgressTracker) -> dict[str, Any]:
    """Plain data (JSON-ready): per stage, what it did and its seconds."""
    stages = {
        name: {**_STAGE_SUMMARIES[name](stage), "seconds": round(stage.seconds, 1)}
        for name, stage in tracker.stages.items()
    }
    return {"stages": stages}


def _stage_line(name: str, stage: dict[str, Any]) -> str:
    if stage.get("skipped"):  # transform and validate, when nothing changed
        return str(stage["skipped"])
    if name == "extract":
        return f"{len(stage['objects'])} objects, {stage['rows']:,} rows"
    if name == "transform":
        total = stage.get("models_total")
        built = stage.get("models_built", 0)
        text = f"{built}{f' of {total}' if total else ''} models built"
        if stage.get("tests_passed") is not None:
            text += f", {stage['tests_passed']} tests passed, {stage.get('tests_failed', 0)} failed"
        return text
    if name == "validate":
        text = f"{stage['suites_passed']} of {stage['suites']} suites passed"
        if "checks" in stage:
            text += f" ({stage['checks']} checks, {stage['errors']} errors, {stage['warnings']} warnings)"
        return text
    totals = stage["totals"]
    text = ", ".join(f"{totals[c]:,} {c}" for c in WRITEBACK_COUNTS)
    return ("dry run, would be: " if stage.get("dry_run") else "") + text


STAGE_TITLES = {
    "extract": "extract",
    "transform": "dbt build",
    "validate": "quality gates",
    "writeback": "write-back",
}


def summary_renderable(summary: dict[str, Any]) -> RenderableType:
    """The summary as tables: stages, rows per object, write-back per object, API calls."""
    stages = summary["stages"]
    parts: list[RenderableType] = []
    overview = Table(title="Run summary")
    overview.add_column("stage")
    overview.add_column("result")
    overview.add_column("time", justify="right")
    for name, stage in stages.items():
        overview.add_row(STAGE_TITLES[name], _stage_line(name, stage), f"{stage['seconds']:.1f} s")
    parts.append(overview)
    if "extract" in stages and stages["extract"]["objects"]:
        rows = Table(title="Rows extracted")
        rows.add_column("object")
        rows.add_column("rows", justify="right")
        rows.add_column("status")
        for name, info in stages["extract"]["objects"].items():
            rows.add_row(name, f"{info['rows']:,}", info["status"])
        parts.append(rows)
    if "writeback" in stages and stages["writeback"].get("objects"):
        parts.append(_writeback_table(stages["writeback"]))
    api = _api_sentence(stages)
    if api:
        parts.append(api)
    warnings = _warning_lines(stages)
    if warnings:
        # Text, not markup: "[warning]" in a gate result is not a rich style.
        parts.append(Text("\n".join(["Warnings (the run went on):", *warnings])))
    return Group(*parts)


def _warning_lines(stages: dict[str, Any]) -> list[str]:
    """Fields the org no longer shows and failed warning-level gate checks, one line each."""
    extract, validate = stages.get("extract") or {}, stages.get("validate") or {}
    lines = [
        f"- {name} is no longer in the org's describe (deleted or hidden by field-level "
        "security): kept as a null column, read as no evidence"
        for name in extract.get("vanished_fields") or []
    ]
    lines += [f"- {text}" for text in validate.get("warning_details") or []]
    more = validate.get("warnings", 0) - len(validate.get("warning_details") or [])
    if more > 0:
        lines.append(f"- and {more} more in rapport_audit.validation_results")
    return lines


def _writeback_table(stage: dict[str, Any]) -> Table:
    title = "Write-back" + (" (dry run: nothing was sent)" if stage.get("dry_run") else "")
    table = Table(title=title)
    table.add_column("object")
    for counter in WRITEBACK_COUNTS:
        table.add_column(counter, justify="right")
    for name, counts in stage["objects"].items():
        table.add_row(name, *(f"{counts.get(c, 0):,}" for c in WRITEBACK_COUNTS))
    table.add_row("total", *(f"{stage['totals'][c]:,}" for c in WRITEBACK_COUNTS), style="bold")
    return table


def _api_sentence(stages: dict[str, Any]) -> str | None:
    """API calls write-back used, and the org's daily requests left as last reported."""
    sentences = []
    writeback = stages.get("writeback")
    if writeback and writeback.get("api_calls") is not None:
        sentences.append(f"Write-back made {writeback['api_calls']:,} API calls.")
    latest = next(
        (
            s
            for s in (writeback, stages.get("extract"))
            if s and s.get("api_limit") is not None and s.get("api_used") is not None
        ),
        None,
    )
    if latest is not None:
        left = latest["api_limit"] - latest["api_used"]
        sentences.append(
            f"API requests used today: {latest['api_used']:,} of {latest['api_limit']:,} "
            f"({left:,} left)."
        )
    return " ".join(sentences) or None
