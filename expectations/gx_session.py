"""One Great Expectations context per gate run.

The context is ephemeral (suites are generated from ``suites.yml`` on every
run, never hand-edited GX JSON) except for its validation results, which are
kept on disk when a results folder is given: Data Docs then list every run,
not only the last one. Expectations report the values behind a failure and
the Salesforce Ids of sample offending rows.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
)
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

from expectations.gate import SAMPLE_SIZE, Check, CheckResult, Measurement

DOCS_SITE = "rapport"
# About thirty runs of every suite.
INDEX_RESULTS_LIMIT = 1000


def _observed(result: dict[str, Any]) -> str:
    if "observed_value" in result:
        return str(result["observed_value"])
    if "unexpected_count" in result:
        values = result.get("partial_unexpected_list", [])[:SAMPLE_SIZE]
        return f"{result['unexpected_count']} unexpected rows (values {values})"
    return "n/a"


def _sample_ids(result: dict[str, Any], id_column: str, limit: int) -> list[str]:
    rows = result.get("unexpected_index_list") or []
    ids = [str(row[id_column]) for row in rows if isinstance(row, dict) and id_column in row]
    return list(dict.fromkeys(ids))[:limit]


def _exception_message(info: dict[str, Any] | None) -> str | None:
    """GX reports an expectation that could not run (a missing column, a bad type) here,
    either directly or keyed by the metric that raised."""
    if not info:
        return None
    candidates = [info, *(v for v in info.values() if isinstance(v, dict))]
    for candidate in candidates:
        if candidate.get("raised_exception"):
            return str(candidate.get("exception_message"))
    return None


def _context_config(results_dir: Path | None, docs_dir: Path | None) -> DataContextConfig:
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
    )
    if results_dir is not None:
        config.stores["validation_results_store"] = {
            "class_name": "ValidationResultsStore",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(results_dir.resolve()),
            },
        }
    if docs_dir is not None:
        config.data_docs_sites = {
            DOCS_SITE: {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir.resolve()),
                },
                # The index lists the latest results only, so it stays quick to
                # build however long the history grows (older pages stay on disk).
                "site_index_builder": {
                    "class_name": "DefaultSiteIndexBuilder",
                    "validation_results_limit": INDEX_RESULTS_LIMIT,
                },
            }
        }
    return config


class GxSession:
    """Validates frames, Postgres tables and computed metrics under one run id."""

    def __init__(
        self,
        run_name: str,
        results_dir: Path | None = None,
        docs_dir: Path | None = None,
    ) -> None:
        self.run_name = run_name
        self.docs_dir = docs_dir
        self._context = gx.get_context(
            project_config=_context_config(results_dir, docs_dir), mode="ephemeral"
        )
        self._context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._run_id = RunIdentifier(run_name=run_name, run_time=datetime.now(UTC))
        self._pandas = None
        self._postgres = None
        self._suites: list[str] = []

    def validate_frame(
        self,
        suite_name: str,
        checks: list[Check],
        frame: pd.DataFrame,
        id_column: str | None,
        sample_size: int = SAMPLE_SIZE,
    ) -> list[CheckResult]:
        """Validate a dataframe already in memory (a mart, a bounded sample, a payload)."""
        if self._pandas is None:
            self._pandas = self._context.data_sources.add_pandas("rapport_frames")
        asset = self._pandas.add_dataframe_asset(name=suite_name)
        batch_definition = asset.add_batch_definition_whole_dataframe("whole")
        return self._run(
            suite_name, checks, batch_definition, {"dataframe": frame}, id_column, sample_size
        )

    def validate_postgres_table(
        self,
        suite_name: str,
        checks: list[Check],
        connection_string: str,
        schema: str,
        table: str,
        id_column: str,
    ) -> list[CheckResult]:
        """Validate a whole table in PostgreSQL: GX pushes every expectation down to SQL."""
        if self._postgres is None:
            self._postgres = self._context.data_sources.add_postgres(
                "rapport_postgres", connection_string=connection_string
            )
        asset = self._postgres.add_table_asset(
            name=suite_name, table_name=table, schema_name=schema
        )
        batch_definition = asset.add_batch_definition_whole_table("whole")
        return self._run(suite_name, checks, batch_definition, None, id_column)

    def validate_measurements(
        self, suite_name: str, measurements: list[Measurement]
    ) -> list[CheckResult]:
        """Validate metrics computed elsewhere; each must lie within its bounds.

        One row per metric (its check, value and bounds) and two expectations
        over them, value >= min_value and max_value >= value: GX's cost is per
        expectation, so one expectation per metric would make the gates slower
        than the SQL behind them. The failing rows name the failing checks.
        """
        if not measurements:
            return []
        keys = [
            f"{m.check.name}:{m.check.column or 'table'}:{i}" for i, m in enumerate(measurements)
        ]
        frame = pd.DataFrame(
            {
                "check": keys,
                "value": [float(m.value) for m in measurements],
                "min_value": [
                    -math.inf if m.min_value is None else float(m.min_value) for m in measurements
                ],
                "max_value": [
                    math.inf if m.max_value is None else float(m.max_value) for m in measurements
                ],
            }
        )
        pair = "expect_column_pair_values_a_to_be_greater_than_b"
        bounds = [
            Check(pair, {"column_A": "value", "column_B": "min_value", "or_equal": True}),
            Check(pair, {"column_A": "max_value", "column_B": "value", "or_equal": True}),
        ]
        outcomes = self.validate_frame(
            f"{suite_name}.metrics", bounds, frame, id_column="check", sample_size=len(frame)
        )
        errors = [o.observed_value for o in outcomes if o.observed_value.startswith("error:")]
        if errors:
            raise RuntimeError(f"GX could not validate the metrics of {suite_name}: {errors[0]}")
        out_of_bounds = {key for o in outcomes for key in o.sample_ids}
        return [
            CheckResult(
                suite=suite_name,
                expectation=m.check.expectation,
                column=m.check.column,
                severity=m.check.severity,
                success=key not in out_of_bounds,
                observed_value=m.observed,
                sample_ids=m.sample_ids[:SAMPLE_SIZE] if key in out_of_bounds else [],
                check=m.check.name,
            )
            for key, m in zip(keys, measurements, strict=True)
        ]

    def build_docs(self) -> Path | None:
        """Render this run's results into the Data Docs site; return its index page."""
        if self.docs_dir is None:
            return None
        store = self._context.validation_results_store
        this_run = [key for key in store.list_keys() if key.run_id.run_name == self.run_name]
        suites = [ExpectationSuiteIdentifier(name=name) for name in self._suites]
        self._context.build_data_docs(resource_identifiers=[*this_run, *suites])
        return self.docs_dir / "index.html"

    def _run(
        self,
        suite_name: str,
        checks: list[Check],
        batch_definition,
        batch_parameters: dict[str, Any] | None,
        id_column: str | None,
        sample_size: int = SAMPLE_SIZE,
    ) -> list[CheckResult]:
        suite = gx.ExpectationSuite(name=suite_name)
        for index, check in enumerate(checks):
            suite.add_expectation_configuration(
                ExpectationConfiguration(
                    type=check.expectation,
                    kwargs=check.kwargs,
                    meta={"index": index, "check": check.name, "severity": check.severity},
                )
            )
        suite = self._context.suites.add(suite)
        self._suites.append(suite_name)
        definition = self._context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
        )
        result_format: dict[str, Any] = {
            "result_format": "COMPLETE",
            "partial_unexpected_count": SAMPLE_SIZE,
        }
        if id_column:
            result_format["unexpected_index_column_names"] = [id_column]
        validation = definition.run(
            batch_parameters=batch_parameters, result_format=result_format, run_id=self._run_id
        )
        by_index = {int(r.expectation_config.meta["index"]): r for r in validation.results}
        if len(by_index) != len(checks):
            raise RuntimeError(
                f"GX returned {len(by_index)} results for the {len(checks)} checks of {suite_name}."
            )
        results = []
        for index, check in enumerate(checks):
            outcome = by_index[index]
            error = _exception_message(outcome.exception_info)
            observed = f"error: {error}" if error else _observed(outcome.result)
            failed_ids = (
                []
                if outcome.success or not id_column
                else _sample_ids(outcome.result, id_column, sample_size)
            )
            results.append(
                CheckResult(
                    suite=suite_name,
                    expectation=check.expectation,
                    column=check.column,
                    severity=check.severity,
                    success=bool(outcome.success),
                    observed_value=observed,
                    sample_ids=failed_ids,
                    check=check.name,
                )
            )
        return results
