"""The gates' memory, in the warehouse's audit schema.

* ``validation_results``: every check of every run, appended (never updated),
  so a failure can be traced back and trends queried with plain SQL.
* ``raw_row_counts``: each raw table's row count per run, the baseline of the
  row-count-drop check.
* ``type_distribution``: accounts per relationship type per run, the baseline
  of the type-shift check.

Baselines are taken from the last *accepted* run, one the gate let through to
write-back: a truncated extract that was stopped must not become the next
run's yardstick.
"""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd

from expectations.gate import CheckResult
from rapport.warehouse.sql import WarehouseSql, literal, quote

RESULTS_TABLE = "validation_results"
ROW_COUNTS_TABLE = "raw_row_counts"
TYPES_TABLE = "type_distribution"

RESULTS_DDL = (
    "run_id varchar, suite varchar, check_name varchar, expectation varchar, "
    "column_name varchar, severity varchar, success boolean, observed_value varchar, "
    "sample_ids varchar, checked_at timestamp with time zone"
)
ROW_COUNTS_DDL = (
    "run_id varchar, table_name varchar, row_count bigint, accepted boolean, "
    "counted_at timestamp with time zone"
)
TYPES_DDL = (
    "run_id varchar, relationship_type varchar, accounts bigint, accepted boolean, "
    "recorded_at timestamp with time zone"
)


class AuditLog:
    def __init__(self, sql: WarehouseSql, schema: str) -> None:
        self._sql = sql
        self._schema = schema

    def _exists(self, table: str) -> bool:
        return self._sql.columns(self._schema, table) is not None

    def previous_row_counts(self) -> dict[str, tuple[str, int]]:
        """Table → (run id, row count) of the last accepted run that counted it."""
        if not self._exists(ROW_COUNTS_TABLE):
            return {}
        relation = self._sql.relation(self._schema, ROW_COUNTS_TABLE)
        rows = self._sql.rows(
            "select table_name, run_id, row_count from ("
            "  select table_name, run_id, row_count, row_number() over ("
            "    partition by table_name order by counted_at desc) as recency"
            f"  from {relation} where accepted"
            ") as latest where recency = 1"
        )
        return {table: (run_id, int(count)) for table, run_id, count in rows}

    def previous_type_distribution(self) -> tuple[str, dict[str, int]] | None:
        """(run id, type → accounts) of the last accepted run, or None on a first run."""
        if not self._exists(TYPES_TABLE):
            return None
        relation = self._sql.relation(self._schema, TYPES_TABLE)
        latest = self._sql.rows(
            f"select run_id from {relation} where accepted order by recorded_at desc limit 1"
        )
        if not latest:
            return None
        run_id = latest[0][0]
        rows = self._sql.rows(
            f"select relationship_type, accounts from {relation} where run_id = {literal(run_id)}"
        )
        return run_id, {str(kind): int(count) for kind, count in rows}

    def record_run(
        self,
        run_id: str,
        results: list[CheckResult],
        row_counts: dict[str, int],
        type_distribution: dict[str, int] | None,
        accepted: bool,
        at: datetime,
    ) -> None:
        """Append the run's results and baselines, all in one transaction."""
        result_rows = pd.DataFrame(
            {
                "run_id": [run_id] * len(results),
                "suite": [r.suite for r in results],
                "check_name": [r.check for r in results],
                "expectation": [r.expectation for r in results],
                "column_name": [r.column for r in results],
                "severity": [r.severity for r in results],
                "success": [r.success for r in results],
                "observed_value": [r.observed_value for r in results],
                "sample_ids": [json.dumps(r.sample_ids) for r in results],
                "checked_at": [at] * len(results),
            }
        )
        count_rows = pd.DataFrame(
            {
                "run_id": [run_id] * len(row_counts),
                "table_name": list(row_counts),
                "row_count": list(row_counts.values()),
                "accepted": [accepted] * len(row_counts),
                "counted_at": [at] * len(row_counts),
            }
        )
        writes = [
            (RESULTS_TABLE, RESULTS_DDL, result_rows),
            (ROW_COUNTS_TABLE, ROW_COUNTS_DDL, count_rows),
        ]
        if type_distribution is not None:
            type_rows = pd.DataFrame(
                {
                    "run_id": [run_id] * len(type_distribution),
                    "relationship_type": list(type_distribution),
                    "accounts": list(type_distribution.values()),
                    "accepted": [accepted] * len(type_distribution),
                    "recorded_at": [at] * len(type_distribution),
                }
            )
            writes.append((TYPES_TABLE, TYPES_DDL, type_rows))
        self._sql.append_many(self._schema, writes)

    def results(self, run_id: str | None = None) -> pd.DataFrame:
        """The stored results, of one run or all; for reports and tests."""
        relation = self._sql.relation(self._schema, RESULTS_TABLE)
        where = f" where run_id = {literal(run_id)}" if run_id else ""
        return self._sql.frame(f"select * from {relation}{where} order by {quote('checked_at')}")
