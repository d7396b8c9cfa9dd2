"""Write a batch of record updates into the store's DuckDB tables.

A Bulk ingest job updates thousands of records; one UPDATE per record made
the local org the slowest part of a write-back benchmark, so updates that
share an object and a set of fields go in as one UPDATE joined to an Arrow
table of their values.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from local_org.schema import ObjectSpec
from local_org.soql import quote_ident


def apply_updates(
    cursor: duckdb.DuckDBPyConnection,
    prepared: Sequence[tuple[ObjectSpec, str, dict[str, Any]]],
    stamp: datetime,
) -> None:
    """Apply updates in one UPDATE per object and set of fields.

    A record named twice keeps the one-by-one path, where the later update wins.
    """
    ids = [(spec.name, record_id) for spec, record_id, _ in prepared]
    if len(set(ids)) != len(ids) or len(prepared) < _BATCH_UPDATE_MIN:
        for item in prepared:
            _apply_update(cursor, *item, stamp)
        return
    groups: dict[tuple[str, tuple[str, ...]], list[tuple[ObjectSpec, str, dict[str, Any]]]] = {}
    for item in prepared:
        groups.setdefault((item[0].name, tuple(item[2])), []).append(item)
    for (_, names), items in groups.items():
        spec = items[0][0]
        try:
            columns = {"Id": pa.array([rid for _, rid, _ in items], pa.string())}
            for n, name in enumerate(names):
                columns[f"v{n}"] = pa.array([values[name] for _, _, values in items])
            table = pa.table(columns)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: one by one
            for item in items:
                _apply_update(cursor, *item, stamp)
            continue
        view = f"updates_{uuid.uuid4().hex}"
        assignments = [f"{quote_ident(name)} = {view}.v{n}" for n, name in enumerate(names)]
        assignments += ['"LastModifiedDate" = ?', '"SystemModstamp" = ?']
        cursor.register(view, table)
        try:
            cursor.execute(
                f"UPDATE {quote_ident(spec.name)} SET {', '.join(assignments)} "
                f'FROM {view} WHERE {quote_ident(spec.name)}."Id" = {view}."Id"',
                [stamp, stamp],
            )
        finally:
            cursor.unregister(view)


# Below this many updates the per-record statements are as quick.
_BATCH_UPDATE_MIN = 20


def _apply_update(
    cursor: duckdb.DuckDBPyConnection,
    spec: ObjectSpec,
    record_id: str,
    values: dict[str, Any],
    stamp: datetime,
) -> None:
    assignments = [f"{quote_ident(name)} = ?" for name in values]
    assignments += ['"LastModifiedDate" = ?', '"SystemModstamp" = ?']
    cursor.execute(
        f'UPDATE {quote_ident(spec.name)} SET {", ".join(assignments)} WHERE "Id" = ?',
        [*values.values(), stamp, stamp, record_id],
    )
