"""What Rapport last wrote to each CRM field, and what happened to every record it sent.

Both live in the warehouse (schema ``rapport_audit``) next to the marts, so
they are backed up, queryable and survive a lost state directory:

* ``writeback_state``: one row per (object, record, field) with the value
  last confirmed in the CRM. Only confirmed successes are written, one
  transaction per batch, so a run that dies leaves it true.
* ``writeback_log``: one row per record and run: values sent (JSON), status,
  error code and message. Append-only.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from connectors.salesforce.writeback import values as canonical

STATE_TABLE = "writeback_state"
LOG_TABLE = "writeback_log"

# Statuses in writeback_log.
SUCCESS = "success"
FAILED = "failed"  # the CRM refused the record; retried next run
NOT_SENT = "not_sent"  # the run stopped before the CRM answered for it
INVALID = "invalid"  # refused by Rapport before sending (bad value)
MISSING = "missing"  # no such live record in the CRM
CONFLICT = "conflict"  # edited by hand since Rapport's last write; kept
ALREADY_IN_CRM = "already_in_crm"  # the CRM already held the new values


@dataclass(frozen=True)
class LogEntry:
    object_name: str
    record_id: str
    values: dict[str, Any]
    status: str
    error_code: str | None = None
    message: str | None = None
    transport: str | None = None


@dataclass(frozen=True)
class PushedValue:
    object_name: str
    record_id: str
    field: str
    value: Any


LastPushed = dict[str, dict[str, Any]]  # record id -> field -> canonical value


class WritebackLedger:
    """The two audit tables on an open DuckDB connection to the warehouse."""

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        schema: str = "rapport_audit",
        *,
        create: bool = True,
    ) -> None:
        """Open the ledger; ``create=False`` only reads (a dry run leaves no trace)."""
        self._connection = connection
        catalog = connection.sql("select current_database()").fetchone()[0]  # type: ignore[index]
        # Qualified with the catalog: a warehouse file named like a schema makes
        # unqualified names ambiguous in DuckDB.
        self._schema = f'"{catalog}"."{schema}"'
        self._schema_name = schema
        if create:
            self._ensure_tables()

    @property
    def state_table(self) -> str:
        return f"{self._schema}.{STATE_TABLE}"

    @property
    def log_table(self) -> str:
        return f"{self._schema}.{LOG_TABLE}"

    def _ensure_tables(self) -> None:
        self._connection.execute(f"create schema if not exists {self._schema}")
        self._connection.execute(
            f"""create table if not exists {self.state_table} (
                object varchar not null,
                record_id varchar not null,
                field varchar not null,
                last_pushed_value varchar,
                pushed_at timestamptz not null,
                run_id varchar not null,
                primary key (object, record_id, field)
            )"""
        )
        self._connection.execute(
            f"""create table if not exists {self.log_table} (
                run_id varchar not null,
                object varchar not null,
                record_id varchar not null,
                fields_sent varchar,
                status varchar not null,
                error_code varchar,
                message varchar,
                transport varchar,
                logged_at timestamptz not null
            )"""
        )

    # -- reading

    def _exists(self, table: str) -> bool:
        return bool(
            self._connection.execute(
                "select count(*) from information_schema.tables where table_catalog = "
                "current_database() and table_schema = ? and table_name = ?",
                [self._schema_name, table],
            ).fetchone()[0]  # type: ignore[index]
        )

    def last_pushed(self, object_name: str) -> LastPushed:
        if not self._exists(STATE_TABLE):
            return {}
        rows = self._connection.execute(
            f"select record_id, field, last_pushed_value from {self.state_table} where object = ?",
            [object_name],
        ).fetchall()
        pushed: LastPushed = {}
        for record_id, field, raw in rows:
            pushed.setdefault(record_id, {})[field] = canonical.load(raw)
        return pushed

    def log_rows(self, run_id: str | None = None) -> list[dict[str, Any]]:
        if not self._exists(LOG_TABLE):
            return []
        sql = f"select * from {self.log_table}"
        params: list[Any] = []
        if run_id is not None:
            sql += " where run_id = ?"
            params.append(run_id)
        result = self._connection.execute(sql + " order by logged_at, object, record_id", params)
        names = [column[0] for column in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

    # -- writing

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._connection.execute("begin transaction")
        try:
            yield
        except BaseException:
            self._connection.execute("rollback")
            raise
        self._connection.execute("commit")

    def record(
        self, run_id: str, entries: Sequence[LogEntry], pushed: Sequence[PushedValue]
    ) -> None:
        """Append log entries and upsert confirmed values, in one transaction."""
        now = datetime.now(UTC)
        with self.transaction():
            if entries:
                self._insert(
                    self.log_table,
                    pa.table(
                        {
                            "run_id": [run_id] * len(entries),
                            "object": [e.object_name for e in entries],
                            "record_id": [e.record_id for e in entries],
                            "fields_sent": [canonical.dump(e.values) for e in entries],
                            "status": [e.status for e in entries],
                            "error_code": pa.array([e.error_code for e in entries], pa.string()),
                            "message": pa.array([e.message for e in entries], pa.string()),
                            "transport": pa.array([e.transport for e in entries], pa.string()),
                            "logged_at": pa.array([now] * len(entries), pa.timestamp("us", "UTC")),
                        }
                    ),
                    replace=False,
                )
            if pushed:
                self._insert(
                    self.state_table,
                    pa.table(
                        {
                            "object": [p.object_name for p in pushed],
                            "record_id": [p.record_id for p in pushed],
                            "field": [p.field for p in pushed],
                            "last_pushed_value": [canonical.dump(p.value) for p in pushed],
                            "pushed_at": pa.array([now] * len(pushed), pa.timestamp("us", "UTC")),
                            "run_id": [run_id] * len(pushed),
                        }
                    ),
                    replace=True,
                )

    def _insert(self, table: str, rows: pa.Table, replace: bool) -> None:
        view = f"incoming_{uuid.uuid4().hex}"
        self._connection.register(view, rows)
        try:
            verb = "insert or replace into" if replace else "insert into"
            self._connection.execute(f"{verb} {table} by name select * from {view}")
        finally:
            self._connection.unregister(view)
