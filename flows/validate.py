"""The validate stage: Great Expectations gates on the raw tables and the marts.

Every result is appended to the warehouse's audit schema, rendered in Data
Docs and summarised in a Prefect markdown artifact (key ``gate-results``)
before the verdict: an error-severity failure raises ``GateFailed`` so the
parent flow stops before write-back; warnings are logged and the run goes on.

Given the transform's outcome, the gates are skipped when the build was (its
marts and raw tables are those the kept build's gates passed), and a passing
run records the build's fingerprint: only now, so a build that failed or
whose gates failed is never taken for a good one (rapport/build_fingerprint.py).
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from expectations.gate import CheckResult, enforce
from expectations.report import gate_markdown
from expectations.runner import run_gates
from flows.settings import Target, run_settings
from flows.transform import BuildOutcome
from rapport import progress
from rapport.build_fingerprint import record_build

ARTIFACT_KEY = "gate-results"
MAX_WARNINGS_LISTED = 20


# Failed checks are findings, not flukes: never retried.
@flow(name="validate", retries=0, timeout_seconds=3600)
def validate(target: Target | None = None, build: BuildOutcome | None = None) -> list[CheckResult]:
    """Gate the raw tables and marts; raises GateFailed on any error-severity failure.

    ``target`` picks the warehouse type for this run (default: from settings).
    ``build``: the transform's outcome in this run, when there was one.
    """
    settings = run_settings(target)
    logger = get_run_logger()
    progress.started("validate", unit="suites")
    if build is not None and build.kept is not None:
        note = f"Gates skipped: {build.kept.describe()}, and its gates passed."
        logger.info(note)
        progress.finished("validate", skipped=note)
        create_markdown_artifact(
            markdown=f"# Quality gates\n\n{note}",
            key=ARTIFACT_KEY,
            description="Quality gates skipped: nothing changed",
        )
        return []
    report = run_gates(settings, run_id=flow_run.id)
    for note in report.notes:
        logger.info(note)
    for warning in report.warnings:
        logger.warning(warning.describe())
    create_markdown_artifact(
        markdown=gate_markdown(report),
        key=ARTIFACT_KEY,
        description=f"Quality gates: {len(report.errors)} errors, {len(report.warnings)} warnings",
    )
    logger.info(
        "Gates: %d checks, %d errors, %d warnings; Data Docs at %s",
        len(report.results),
        len(report.errors),
        len(report.warnings),
        report.data_docs_index,
    )
    progress.finished(
        "validate",
        checks=len(report.results),
        errors=len(report.errors),
        warnings=len(report.warnings),
        passed=report.passed,
        # Named in the run summary: a warning does not stop the run, so the
        # summary is where a person learns which record to look at.
        warning_details=[w.describe() for w in report.warnings[:MAX_WARNINGS_LISTED]],
    )
    enforce(report.results)
    if build is not None:
        record_build(settings, build.fingerprint, build_id=str(flow_run.id or "") or None)
    return report.results
