"""Great Expectations gates: validate a table and stop the run on an error.

Tables are validated as pandas batches: GX 1.x's SQL datasource over
duckdb-engine mishandles non-default schemas, and mart tables are small
enough (one row per account) to read whole.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

logger = logging.getLogger(__name__)

Severity = Literal["error", "warning"]
SAMPLE_SIZE = 5


@dataclass(frozen=True)
class Check:
    """One expectation with the severity that decides whether it stops the run."""

    expectation: str
    kwargs: dict[str, Any]
    severity: Severity = "error"


@dataclass(frozen=True)
class CheckResult:
    suite: str
    expectation: str
    column: str | None
    severity: Severity
    success: bool
    observed_value: str
    sample_ids: list[str] = field(default_factory=list)

    def describe(self) -> str:
        ids = ", ".join(self.sample_ids) or "none"
        column = f" on {self.column}" if self.column else ""
        return (
            f"[{self.severity}] suite {self.suite}: {self.expectation}{column} failed; "
            f"observed {self.observed_value}; sample ids: {ids}"
        )


class GateFailed(RuntimeError):
    """An error-severity expectation failed; nothing downstream may run."""

    def __init__(self, failures: list[CheckResult]):
        self.failures = failures
        super().__init__(
            "Quality gate stopped the run before write-back:\n"
            + "\n".join(f"  {f.describe()}" for f in failures)
        )


def _context():
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _observed(result: dict[str, Any]) -> str:
    if "observed_value" in result:
        return str(result["observed_value"])
    if "unexpected_count" in result:
        values = result.get("partial_unexpected_list", [])[:SAMPLE_SIZE]
        return f"{result['unexpected_count']} unexpected rows (values {values})"
    return "n/a"


def _sample_ids(result: dict[str, Any], id_column: str) -> list[str]:
    rows = result.get("unexpected_index_list") or []
    ids = [str(row[id_column]) for row in rows if isinstance(row, dict) and id_column in row]
    return list(dict.fromkeys(ids))[:SAMPLE_SIZE]


def validate_dataframe(
    frame: pd.DataFrame, suite_name: str, checks: list[Check], id_column: str
) -> list[CheckResult]:
    """Run the checks over a dataframe and return one result per check."""
    context = _context()
    asset = context.data_sources.add_pandas(suite_name).add_dataframe_asset(name=suite_name)
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
        batch_parameters={"dataframe": frame}
    )
    suite = gx.ExpectationSuite(name=suite_name)
    for check in checks:
        suite.add_expectation_configuration(
            ExpectationConfiguration(type=check.expectation, kwargs=check.kwargs)
        )
    validation = batch.validate(
        suite,
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": [id_column],
            "partial_unexpected_count": SAMPLE_SIZE,
        },
    )
    results = []
    for check, outcome in zip(checks, validation.results, strict=True):
        results.append(
            CheckResult(
                suite=suite_name,
                expectation=check.expectation,
                column=check.kwargs.get("column"),
                severity=check.severity,
                success=bool(outcome.success),
                observed_value=_observed(outcome.result),
                sample_ids=[] if outcome.success else _sample_ids(outcome.result, id_column),
            )
        )
    return results


def enforce(results: list[CheckResult]) -> None:
    """Log warnings, and raise on any failed error-severity check."""
    for result in results:
        if not result.success and result.severity == "warning":
            logger.warning(result.describe())
    failures = [r for r in results if not r.success and r.severity == "error"]
    if failures:
        raise GateFailed(failures)
