"""A gate run summarised in Markdown, for the Prefect artifact a reviewer opens first."""

from __future__ import annotations

from collections import defaultdict

from expectations.gate import CheckResult
from expectations.runner import GateReport

MAX_LISTED = 50


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _row(result: CheckResult) -> str:
    column = result.column or ""
    ids = ", ".join(result.sample_ids) or "-"
    return (
        f"| {result.severity} | {result.suite} | {result.check} | {result.expectation} "
        f"| {column} | {_cell(result.observed_value)} | {ids} |"
    )


def gate_markdown(report: GateReport) -> str:
    verdict = (
        "**Passed**: write-back may proceed."
        if report.passed
        else "**Stopped**: error-severity checks failed; nothing is written back."
    )
    suites: dict[str, list[CheckResult]] = defaultdict(list)
    for result in report.results:
        suites[result.suite].append(result)
    lines = [
        f"# Quality gates, run `{report.run_id}`",
        "",
        verdict,
        "",
        f"{len(report.results)} checks in {len(suites)} suites: "
        f"{len(report.errors)} errors, {len(report.warnings)} warnings, "
        f"checked at {report.checked_at:%Y-%m-%d %H:%M:%S} UTC.",
        "",
    ]
    failed = report.errors + report.warnings
    if failed:
        lines += [
            "## Failed checks",
            "",
            "| severity | suite | check | expectation | column | observed | sample ids |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            *(_row(r) for r in failed[:MAX_LISTED]),
        ]
        if len(failed) > MAX_LISTED:
            lines.append(f"\n…and {len(failed) - MAX_LISTED} more in the validation_results table.")
        lines.append("")
    lines += ["## Suites", "", "| suite | checks | failed |", "| --- | --- | --- |"]
    for suite, results in suites.items():
        lines.append(f"| {suite} | {len(results)} | {sum(not r.success for r in results)} |")
    if report.notes:
        lines += ["", "## Notes", "", *(f"- {_cell(note)}" for note in report.notes)]
    if report.data_docs_index is not None:
        lines += ["", f"Data Docs: `{report.data_docs_index}`"]
    return "\n".join(lines) + "\n"
