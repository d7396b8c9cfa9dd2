"""What Rapport last wrote to each CRM field, and what happened to every record it sent.

Both live in the warehouse (schema ``rapport_audit``) next to the marts, so
they are backed up, queryable and survive a lost state directory:

* ``writeback_state``: one row per (object, record, field) with the value
  last confirmed in the CRM. Only confirmed successes are written, one
  transaction per batch, so a run that dies leaves it true.
* ``writeback_log``: one row per record and run: values sent (JSON), status,
  error code and message. Append-only.
* ``writeback_binding``: one row per object: the mapping entry and the CRM
  fields (as describe showed them) it was last bound to in the org, so a run
  with nothing to send can plan without signing in (``known_binding.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pyarrow as pa

from connectors.salesforce.writeback import values as canonical
from rapport.warehouse.sql import TableWrite, WarehouseSql, literal

STATE_TABLE = "writeback_state"
LOG_TABLE = "writeback_log"
BINDING_TABLE = "writeback_binding"

# Statuses in writeback_log.
SUCCESS = "success"
FAILED = "failed"  # the CRM refused the record; retried next run
NOT_SENT = "not_sent"  # the run stopped before the CRM answered for it
INVALID = "invalid"  # refused by Rapport before sending (bad value)
MISSING = "missing"  # no such live record in the CRM
CONFLICT = "conflict"  # edited by hand since Rapport's last write; kept
ALREADY_IN_CRM = "already_in_crm"  # the CRM already held the new values

# Portable types (each dialect maps them); the key is enforced by the upsert.
STATE_DDL = (
    "object varchar, record_id varchar, field varchar, last_pushed_value varchar, "
    "pushed_at timestamp with time zone, run_id varchar"
)
STATE_KEY = ("object", "record_id", "field")
PUSHED_COLUMNS = ("record_id", "field", "last_pushed_value")
BINDING_DDL = (
    "object varchar, mapping_entry varchar, bound_fields varchar, "
    "bound_at timestamp with time zone, run_id varchar"
)
BINDING_KEY = ("object",)
LOG_COLUMNS = (
    "run_id",
    "object",
    "record_id",
    "fields_sent",
    "status",
    "error_code",
    "message",
    "transport",
    "logged_at",
)
LOG_DDL = (
    "run_id varchar, object varchar, record_id varchar, fields_sent varchar, "
    "status varchar, error_code varchar, message varchar, transport varchar, "
    "logged_at timestamp with time zone"
)


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


@dataclass(frozen=True)
class KnownBinding:
    """One object's last binding to the org, as JSON text (``known_binding.py`` reads it)."""

    object_name: str
    mapping: str  # the object's mapping entry
    fields: str  # the bound CRM fields, stamp included, as describe showed them


LastPushed = dict[str, dict[str, Any]]  # record id -> field -> canonical value


def decode_pushed(pushed: pa.Table) -> LastPushed:
    """Rows of ``WritebackLedger.pushed_table`` as record id -> field -> canonical value."""
    decoded: LastPushed = {}
    for record_id, field, raw in zip(
        pushed["record_id"].to_pylist(),
        pushed["field"].to_pylist(),
        pushed["last_pushed_value"].to_pylist(),
        strict=True,
    ):
        decoded.setdefault(record_id, {})[field] = canonical.load(raw)
    return decoded


class WritebackLedger:
    """The two audit tables, in whichever warehouse holds the marts."""

    def __init__(
        self, sql: WarehouseSql, schema: str = "rapport_audit", *, create: bool = True
    ) -> None:
        """Open the ledger; ``create=False`` only reads (a dry run leaves no trace)."""
        self._sql = sql
        self._schema = schema
        if create:
            self._write(
                [
                    TableWrite(LOG_TABLE, LOG_DDL, pd.DataFrame()),
                    TableWrite(STATE_TABLE, STATE_DDL, pd.DataFrame()),
                    TableWrite(BINDING_TABLE, BINDING_DDL, pd.DataFrame()),
                ]
            )

    @property
    def state_table(self) -> str:
        return self._sql.relation(self._schema, STATE_TABLE)

    @property
    def log_table(self) -> str:
        return self._sql.relation(self._schema, LOG_TABLE)

    # -- reading

    def _exists(self, table: str) -> bool:
        return self._sql.columns(self._schema, table) is not None

    def last_pushed(self, object_name: str) -> LastPushed:
        return decode_pushed(self.pushed_table(object_name))

    def pushed_table(self, object_name: str) -> pa.Table:
        """``last_pushed`` undecoded, as Arrow: (record_id, field, last_pushed_value) text.

        What ``compare.py`` joins with a mart, a column at a time.
        """
        empty = pa.table({name: pa.array([], pa.string()) for name in PUSHED_COLUMNS})
        if not self._exists(STATE_TABLE):
            return empty
        table = self._sql.arrow(
            f"select {', '.join(PUSHED_COLUMNS)} from {self.state_table} "
            f"where object = {literal(object_name)}"
        )
        return table.cast(empty.schema) if table.num_rows else empty

    def known_bindings(self) -> dict[str, KnownBinding]:
        """Each object's last binding to the org (none before the first real run)."""
        if not self._exists(BINDING_TABLE):
            return {}
        rows = self._sql.rows(
            "select object, mapping_entry, bound_fields "
            f"from {self._sql.relation(self._schema, BINDING_TABLE)}"
        )
        return {name: KnownBinding(name, mapping, fields) for name, mapping, fields in rows}

    def log_rows(self, run_id: str | None = None) -> list[dict[str, Any]]:
        if not self._exists(LOG_TABLE):
            return []
        sql = f"select {', '.join(LOG_COLUMNS)} from {self.log_table}"
        if run_id is not None:
            sql += f" where run_id = {literal(run_id)}"
        rows = self._sql.rows(sql + " order by logged_at, object, record_id")
        return [dict(zip(LOG_COLUMNS, row, strict=True)) for row in rows]

    # -- writing

    def record(
        self, run_id: str, entries: Sequence[LogEntry], pushed: Sequence[PushedValue]
    ) -> None:
        """Append log entries and upsert confirmed values, in one transaction."""
        now = pd.Timestamp(datetime.now(UTC))
        log = pd.DataFrame(
            {
                "run_id": [run_id] * len(entries),
                "object": [e.object_name for e in entries],
                "record_id": [e.record_id for e in entries],
                "fields_sent": [canonical.dump(e.values) for e in entries],
                "status": [e.status for e in entries],
                "error_code": pd.Series([e.error_code for e in entries], dtype=object),
                "message": pd.Series([e.message for e in entries], dtype=object),
                "transport": pd.Series([e.transport for e in entries], dtype=object),
                "logged_at": pd.Series([now] * len(entries), dtype="datetime64[us, UTC]"),
            }
        )
        state = pd.DataFrame(
            {
                "object": [p.object_name for p in pushed],
                "record_id": [p.record_id for p in pushed],
                "field": [p.field for p in pushed],
                "last_pushed_value": [canonical.dump(p.value) for p in pushed],
                "pushed_at": pd.Series([now] * len(pushed), dtype="datetime64[us, UTC]"),
                "run_id": [run_id] * len(pushed),
            }
        )
        self._write(
            [
                TableWrite(LOG_TABLE, LOG_DDL, log),
                TableWrite(STATE_TABLE, STATE_DDL, state, STATE_KEY),
            ]
        )

    def record_bindings(self, run_id: str, bindings: Sequence[KnownBinding]) -> None:
        """Replace the recorded binding of each object in ``bindings``."""
        frame = pd.DataFrame(
            {
                "object": [b.object_name for b in bindings],
                "mapping_entry": [b.mapping for b in bindings],
                "bound_fields": [b.fields for b in bindings],
                "bound_at": pd.Series(
                    [pd.Timestamp(datetime.now(UTC))] * len(bindings), dtype="datetime64[us, UTC]"
                ),
                "run_id": [run_id] * len(bindings),
            }
        )
        self._write([TableWrite(BINDING_TABLE, BINDING_DDL, frame, BINDING_KEY)])

    def _write(self, writes: list[TableWrite]) -> None:
        self._sql.write_many(self._schema, writes)
