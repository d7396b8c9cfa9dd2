"""The marts the relationship report reads, checked before anything is drawn.

A report that silently drops a chart because a column was renamed would be
worse than no report: a missing table or column stops the report with its
name, and only the tables a fresh warehouse may legitimately lack (history
before its first run) are allowed to be absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from rapport.config import Settings, WarehouseSettings
from rapport.errors import ConfigurationError
from rapport.warehouse import MissingTable, backend_for, read_table

ACCOUNTS = "account_relationship"
CONTACTS = "contact_relationship"
HISTORY = "relationship_history"
TRANSITIONS = "relationship_transitions"
MOMENTS = "fct_relationship_moments"
EVIDENCE = "relationship_evidence"
VIOLATIONS = "fct_expectation_violations"

# Only the columns the report uses: the marts may grow without breaking it.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    ACCOUNTS: (
        "account_id",
        "account_name",
        "relationship_type",
        "relationship_type_label",
        "strength_score",
        "trend",
        "value_score",
        "commitment_state",
        "is_hostage",
        "is_single_threaded",
        "next_level_type",
        "next_step",
        "as_of_date",
    ),
    CONTACTS: ("contact_id", "account_id", "buying_influence", "touches_last_365"),
    HISTORY: ("account_id", "as_of_date", "relationship_type", "strength_score"),
    TRANSITIONS: (
        "account_id",
        "from_type",
        "to_type",
        "from_date",
        "transition_date",
        "strength_change",
    ),
    MOMENTS: ("account_id", "moment_type", "cause", "occurred_at"),
    EVIDENCE: ("account_id", "evidence_kind", "evidence_name", "detail", "contribution"),
    VIOLATIONS: ("account_id", "relationship_type", "expectation", "record_id", "violated_on"),
}
# Without the accounts there is nothing to report; the rest may be absent.
REQUIRED_TABLES = (ACCOUNTS,)


class ReportError(ConfigurationError, RuntimeError):
    """The warehouse cannot produce a report; the message says which table or column."""

    hint = "The report reads the marts: build them first."


@dataclass(frozen=True)
class Marts:
    accounts: pd.DataFrame
    contacts: pd.DataFrame
    history: pd.DataFrame
    transitions: pd.DataFrame
    moments: pd.DataFrame
    evidence: pd.DataFrame
    violations: pd.DataFrame
    # Tables the warehouse does not hold (yet); the report says so in its footer.
    missing_tables: tuple[str, ...] = field(default=())


def warehouse_settings(source: Settings | WarehouseSettings | Path | str) -> WarehouseSettings:
    if isinstance(source, Settings):
        return source.warehouse
    if isinstance(source, WarehouseSettings):
        return source
    return WarehouseSettings(path=Path(source))


def load_marts(warehouse: WarehouseSettings) -> Marts:
    if warehouse.type == "duckdb" and not warehouse.path.is_file():
        # Checked first: connecting would create an empty database file there.
        raise ReportError(
            f"No warehouse at {warehouse.path}: run the pipeline first (`rapport demo` or the "
            "relationship_intelligence flow), or point warehouse.path at its DuckDB file."
        )
    frames: dict[str, pd.DataFrame] = {}
    missing: list[str] = []
    for table, columns in REQUIRED_COLUMNS.items():
        frame = _read_mart(warehouse, table)
        if frame is None:
            if table in REQUIRED_TABLES:
                raise ReportError(
                    f"Table {warehouse.marts_schema}.{table} is not in the warehouse "
                    f"({_describe(warehouse)}): run dbt (the transform flow) before the report."
                )
            missing.append(table)
            frame = pd.DataFrame(columns=list(columns))
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise ReportError(
                f"Table {warehouse.marts_schema}.{table} lacks column(s) {', '.join(absent)} "
                "that the report needs: rebuild the marts with this version's dbt project."
            )
        frames[table] = frame
    return Marts(
        accounts=frames[ACCOUNTS],
        contacts=frames[CONTACTS],
        history=frames[HISTORY],
        transitions=frames[TRANSITIONS],
        moments=frames[MOMENTS],
        evidence=frames[EVIDENCE],
        violations=frames[VIOLATIONS],
        missing_tables=tuple(missing),
    )


def _read_mart(warehouse: WarehouseSettings, table: str) -> pd.DataFrame | None:
    try:
        return read_table(warehouse, warehouse.marts_schema, table)
    except MissingTable:
        return None


def _describe(warehouse: WarehouseSettings) -> str:
    return backend_for(warehouse).describe()
