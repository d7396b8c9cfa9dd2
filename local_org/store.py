"""The local org's records: one DuckDB table per object, typed from the specs.

DuckDB rather than dicts in memory because the org must hold a realistic
volume (hundreds of thousands of activities) and answer SOQL filters and
sorts over it quickly, and because the same file can be kept between runs.

Values cross this module's boundary as plain Python: str, int, float, bool,
``datetime.date`` and UTC ``datetime.datetime``. Ids are always 18 characters.
Datetimes are kept to the millisecond, as Salesforce keeps them, so that an
incremental extraction comparing SystemModstamp values sees what the API shows.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from connectors.salesforce.api.ids import InvalidSalesforceId, make_id, to_18
from local_org.arrow_rows import arrow_from_records, arrow_from_table, with_system_defaults
from local_org.query_result import QueryResult
from local_org.schema import FieldSpec, ObjectSpec, spec_from_json, spec_to_json
from local_org.soql import (
    CompiledQuery,
    compile_soql,
    quote_ident,
)
from local_org.store_updates import apply_updates
from local_org.values import (
    SYSTEM_DATETIMES,
    RecordError,
    check_constraints,
    coerce_value,
    now_utc,
    prepare_create,
    read_only_error,
    sql_type,
    unknown_field_error,
)

_SPECS_TABLE = "__rapport_object_specs"
_GENERATED_POD = "LO"


# --------------------------------------------------------------------------- store


class OrgStore:
    """Records of the local org. Safe to share between server threads."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, objects: dict[str, ObjectSpec]):
        self._connection = connection
        self._objects = objects
        self._write_lock = threading.RLock()
        self._cursor_lock = threading.Lock()
        self._id_lock = threading.Lock()
        self._id_sequences: dict[str, int] = {}
        self._highest_ids: dict[str, str] = {}  # see _highest_id
        # Existing records prefetched by update_many (under _write_lock), else None.
        self._known: dict[str, dict[str, bool]] | None = None

    @classmethod
    def create(
        cls,
        objects: Mapping[str, ObjectSpec],
        path: Path | None = None,
        *,
        memory_limit: str | None = None,
    ) -> OrgStore:
        """A new, empty org with a table per object (in memory when ``path`` is None).

        A file-backed store with a ``memory_limit`` (DuckDB's, e.g. ``"512MB"``)
        keeps the process's memory flat however large the org grows: DuckDB
        writes the tables to the file and evicts what it does not need. In
        memory, the whole org stays resident.
        """
        if path is not None and Path(path).exists():
            raise FileExistsError(f"{path} already exists; use OrgStore.open to reuse it")
        connection = _connect(path, memory_limit)
        store = cls(connection, copy.deepcopy(dict(objects)))
        with store._cursor() as cursor:
            # One transaction: in a file, each statement on its own is a commit
            # and a sync to disk (two per object; ~6 s on a loaded machine).
            cursor.execute("BEGIN TRANSACTION")
            cursor.execute(f"CREATE TABLE {_SPECS_TABLE} (name VARCHAR, spec VARCHAR)")
            for spec in store._objects.values():
                columns = ", ".join(
                    f"{quote_ident(f.name)} {sql_type(f)}"
                    for f in spec.fields.values()
                    if not f.is_compound
                )
                cursor.execute(f"CREATE TABLE {quote_ident(spec.name)} ({columns})")
                store._save_spec(cursor, spec)
            cursor.execute("COMMIT")
        return store

    @classmethod
    def open(cls, path: Path, *, memory_limit: str | None = None) -> OrgStore:
        """Reopen a store file written by ``create``."""
        if not Path(path).exists():
            raise FileNotFoundError(f"no local org store at {path}")
        connection = _connect(path, memory_limit)
        rows = connection.execute(f"SELECT name, spec FROM {_SPECS_TABLE}").fetchall()
        return cls(connection, {name: spec_from_json(raw) for name, raw in rows})

    def close(self) -> None:
        self._connection.close()

    def set_memory_limit(self, limit: str) -> None:
        """Change DuckDB's memory limit (e.g. ``"1GB"``) from now on.

        Seeding a file-backed store only appends, and stays flat under a small
        limit; answering queries (sorts, Bulk snapshots) over a large org wants more.
        """
        with self._cursor() as cursor:
            cursor.execute(f"SET memory_limit = '{limit.replace(chr(39), chr(39) * 2)}'")

    def save_as(self, path: Path) -> None:
        """Write the whole org (records and specs) to a new store file for ``open``.

        For generating an org in memory and keeping it: DuckDB copies every
        table in one statement, far faster than re-inserting the records.
        """
        path = Path(path)
        if path.exists():
            raise FileExistsError(f"{path} already exists; choose a new file")
        with self._write_lock, self._cursor() as cursor:
            source = cursor.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
            cursor.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS rapport_save")
            try:
                cursor.execute(f"COPY FROM DATABASE {quote_ident(source)} TO rapport_save")
            finally:
                cursor.execute("DETACH rapport_save")

    @property
    def objects(self) -> dict[str, ObjectSpec]:
        return self._objects

    def spec(self, object_name: str) -> ObjectSpec:
        wanted = object_name.lower()
        for name, spec in self._objects.items():
            if name.lower() == wanted:
                return spec
        raise KeyError(f"the local org has no object {object_name!r}")

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._cursor_lock:
            cursor = self._connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    # -- reading

    def query(
        self, soql: str, *, include_deleted: bool = False, today: date | None = None
    ) -> QueryResult:
        """Run SOQL; raises ``SoqlError`` for a query Salesforce would refuse."""
        compiled = compile_soql(soql, self._objects, include_deleted=include_deleted, today=today)
        with self._cursor() as cursor:
            result = cursor.execute(compiled.sql, list(compiled.params))
            if compiled.is_count:
                total = result.fetchone()[0]  # type: ignore[index]
                return QueryResult(compiled.object_name, (), total, None)
            table = result.to_arrow_table()
        return QueryResult(compiled.object_name, compiled.fields, table.num_rows, table)

    def compile(self, soql: str, *, include_deleted: bool = False) -> CompiledQuery:
        """Check a query without running it; raises ``SoqlError`` as ``query`` would."""
        return compile_soql(soql, self._objects, include_deleted=include_deleted)

    def count(self, object_name: str, *, include_deleted: bool = False) -> int:
        spec = self.spec(object_name)
        sql = f"SELECT count(*) FROM {quote_ident(spec.name)}"
        if "IsDeleted" in spec.fields and not include_deleted:
            sql += ' WHERE "IsDeleted" = false'
        with self._cursor() as cursor:
            return cursor.execute(sql).fetchone()[0]  # type: ignore[index]

    def get(
        self, object_name: str, record_id: str, *, include_deleted: bool = False
    ) -> dict[str, Any] | None:
        spec = self.spec(object_name)
        try:
            record_id = to_18(record_id)
        except InvalidSalesforceId:
            return None
        with self._cursor() as cursor:
            result = cursor.execute(
                f'SELECT * FROM {quote_ident(spec.name)} WHERE "Id" = ?', [record_id]
            )
            row = result.fetchone()
            names = [column[0] for column in result.description]
        if row is None:
            return None
        record = dict(zip(names, row, strict=True))
        if record.get("IsDeleted") and not include_deleted:
            return None
        return record

    # -- writing

    def insert(self, object_name: str, records: Sequence[Mapping[str, Any]] | pa.Table) -> int:
        """Add records; missing Ids and system fields get Salesforce-like defaults."""
        spec = self.spec(object_name)
        if isinstance(records, pa.Table):
            table = arrow_from_table(spec, records, self._next_id)
        else:
            table = arrow_from_records(spec, records, self._next_id)
        if table.num_rows == 0:
            return 0
        table = with_system_defaults(spec, table)
        view = f"incoming_{uuid.uuid4().hex}"
        lowest, highest = (v.as_py() for v in pc.min_max(table.column("Id")).values())
        with self._write_lock, self._cursor() as cursor:
            cursor.register(view, table)
            try:
                duplicate_sql = f'SELECT "Id" FROM {view} GROUP BY "Id" HAVING count(*) > 1'
                if lowest <= self._highest_id(cursor, spec):
                    duplicate_sql += (
                        f' UNION ALL SELECT "Id" FROM {view} '
                        f'WHERE "Id" IN (SELECT "Id" FROM {quote_ident(spec.name)})'
                    )
                duplicate = cursor.execute(duplicate_sql + " LIMIT 1").fetchone()
                if duplicate:
                    raise ValueError(f"{spec.name}: duplicate Id {duplicate[0]}")
                cursor.execute(f"INSERT INTO {quote_ident(spec.name)} BY NAME SELECT * FROM {view}")
                self._highest_ids[spec.name] = max(highest, self._highest_ids[spec.name])
            finally:
                cursor.unregister(view)
        return table.num_rows

    def _highest_id(self, cursor: duckdb.DuckDBPyConnection, spec: ObjectSpec) -> str:
        """The greatest Id in the object's table ('' when empty), read once then kept.

        Ids are never changed and every new record comes through ``insert``,
        so incoming Ids all above it cannot be taken: streaming a large org
        then skips scanning every Id already stored for each batch.
        """
        if spec.name not in self._highest_ids:
            row = cursor.execute(f'SELECT max("Id") FROM {quote_ident(spec.name)}').fetchone()
            self._highest_ids[spec.name] = (row[0] if row else None) or ""
        return self._highest_ids[spec.name]

    def update(self, object_name: str, record_id: str, values: Mapping[str, Any]) -> None:
        """Update one record as the REST API would; raises ``RecordError``."""
        error = self.update_many([(object_name, record_id, values)], all_or_none=True)[0]
        if error is not None:
            raise error

    def update_many(
        self,
        updates: Sequence[tuple[str, str, Mapping[str, Any]]],
        *,
        all_or_none: bool = False,
    ) -> list[RecordError | None]:
        """Validate then apply (object, id, values) updates in one transaction.

        Returns one entry per update: None when saved, else its error. With
        ``all_or_none`` nothing is written when any update is invalid.
        """
        with self._write_lock:
            prepared: list[tuple[ObjectSpec, str, dict[str, Any]] | RecordError] = []
            # One existence lookup per object, not one query per record: a
            # Bulk ingest job of thousands of updates spent most of its time here.
            self._known = self._existing(updates)
            try:
                for object_name, record_id, values in updates:
                    try:
                        prepared.append(self._prepare_update(object_name, record_id, values))
                    except RecordError as error:
                        prepared.append(error)
            finally:
                self._known = None
            errors = [p if isinstance(p, RecordError) else None for p in prepared]
            if all_or_none and any(errors):
                return errors
            stamp = now_utc()
            with self._cursor() as cursor:
                cursor.execute("BEGIN TRANSACTION")
                try:
                    apply_updates(
                        cursor, [p for p in prepared if not isinstance(p, RecordError)], stamp
                    )
                    cursor.execute("COMMIT")
                except Exception:
                    cursor.execute("ROLLBACK")
                    raise
            return errors

    def recalculate(self, object_name: str, record_id: str, values: Mapping[str, Any]) -> None:
        """Change formula (calculated) values without touching SystemModstamp.

        Salesforce computes formulas when read, so a formula over another
        record, or over TODAY(), changes with no modstamp bump; incremental
        extraction cannot see it, which is what tests of the periodic
        re-read need to reproduce.
        """
        spec = self.spec(object_name)
        record_id = self._check_id(spec, record_id)
        self._check_exists(spec, record_id)
        fields = [spec.field_ci(key) for key in values]
        if any(f is None or not f.calculated for f in fields):
            raise ValueError(f"recalculate only sets calculated fields of {spec.name}")
        checked = {
            f.name: coerce_value(f, v) for f, v in zip(fields, values.values(), strict=True) if f
        }
        assignments = ", ".join(f"{quote_ident(name)} = ?" for name in checked)
        with self._write_lock, self._cursor() as cursor:
            cursor.execute(
                f'UPDATE {quote_ident(spec.name)} SET {assignments} WHERE "Id" = ?',
                [*checked.values(), record_id],
            )

    def _prepare_update(
        self, object_name: str, record_id: str, values: Mapping[str, Any]
    ) -> tuple[ObjectSpec, str, dict[str, Any]]:
        if not object_name:
            raise RecordError("INVALID_TYPE", "Must send a concrete entity type.")
        try:
            spec = self.spec(object_name)
        except KeyError:
            raise RecordError(
                "INVALID_TYPE", f"sObject type '{object_name}' is not supported."
            ) from None
        record_id = self._check_id(spec, record_id)
        self._check_exists(spec, record_id)
        resolved: list[tuple[FieldSpec, Any]] = []
        for key, value in values.items():
            field = spec.field_ci(key)
            if field is None:
                raise unknown_field_error(spec, key)
            resolved.append((field, value))
        read_only = [f.name for f, _ in resolved if not f.updateable or f.is_compound]
        if read_only:
            raise read_only_error(read_only)
        checked = {f.name: check_constraints(f, coerce_value(f, v)) for f, v in resolved}
        return spec, record_id, checked

    def _check_id(self, spec: ObjectSpec, record_id: Any) -> str:
        if not record_id:
            raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
        try:
            normalised = to_18(str(record_id))
        except InvalidSalesforceId:
            raise RecordError("MALFORMED_ID", f"malformed id {record_id}", ["Id"]) from None
        if normalised[:3] != spec.key_prefix:
            raise RecordError(
                "MALFORMED_ID", f"{spec.label} ID: id value of incorrect type: {record_id}", ["Id"]
            )
        return normalised

    def _existing(
        self, updates: Sequence[tuple[str, str, Mapping[str, Any]]]
    ) -> dict[str, dict[str, bool]]:
        """IsDeleted of every existing record the updates name, per object."""
        wanted: dict[str, set[str]] = {}
        for object_name, record_id, _ in updates:
            try:
                spec = self.spec(object_name)
                wanted.setdefault(spec.name, set()).add(to_18(str(record_id)))
            except (KeyError, InvalidSalesforceId, TypeError):
                continue  # _prepare_update reports these
        known: dict[str, dict[str, bool]] = {}
        with self._cursor() as cursor:
            for name, ids in wanted.items():
                spec = self.spec(name)
                deleted = '"IsDeleted"' if "IsDeleted" in spec.fields else "false"
                rows = cursor.execute(
                    f'SELECT "Id", {deleted} FROM {quote_ident(spec.name)} '
                    'WHERE "Id" IN (SELECT unnest(?))',
                    [sorted(ids)],
                ).fetchall()
                known[name] = {rid: bool(flag) for rid, flag in rows}
        return known

    def _check_exists(self, spec: ObjectSpec, record_id: str) -> None:
        known = self._known
        if known is not None:
            flag = known.get(spec.name, {}).get(record_id)
            row = None if flag is None else (flag,)
        else:
            deleted_column = '"IsDeleted"' if "IsDeleted" in spec.fields else "false"
            with self._cursor() as cursor:
                row = cursor.execute(
                    f'SELECT {deleted_column} FROM {quote_ident(spec.name)} WHERE "Id" = ?',
                    [record_id],
                ).fetchone()
        if row is None:
            raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["Id"])
        if row[0]:
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted", ["Id"])

    def delete(self, object_name: str, record_id: str) -> None:
        """Move a record to the recycle bin: IsDeleted=true, modstamp bumped."""
        error = self.delete_many(object_name, [record_id])[0]
        if error is not None:
            raise error

    def delete_many(self, object_name: str, record_ids: Sequence[str]) -> list[RecordError | None]:
        """Soft-delete the records in one UPDATE; one entry per id, None when deleted.

        A Bulk delete job names thousands of records: one existence query and
        one UPDATE per record made it a row loop. An id named twice is
        deleted once; the second reads "entity is deleted", as it would one by one.
        """
        spec = self.spec(object_name)
        if "IsDeleted" not in spec.fields:
            message = f"{spec.name} records cannot be deleted"
            return [RecordError("INVALID_OPERATION", message) for _ in record_ids]
        errors: list[RecordError | None] = []
        chosen: dict[str, None] = {}
        with self._write_lock:
            self._known = self._existing([(spec.name, rid, {}) for rid in record_ids])
            try:
                for record_id in record_ids:
                    try:
                        normalised = self._check_id(spec, record_id)
                        if normalised in chosen:
                            raise RecordError("ENTITY_IS_DELETED", "entity is deleted", ["Id"])
                        self._check_exists(spec, normalised)
                    except RecordError as error:
                        errors.append(error)
                        continue
                    chosen[normalised] = None
                    errors.append(None)
            finally:
                self._known = None
            if chosen:
                stamp = now_utc()
                with self._cursor() as cursor:
                    cursor.execute(
                        f'UPDATE {quote_ident(spec.name)} SET "IsDeleted" = true, '
                        '"LastModifiedDate" = ?, "SystemModstamp" = ? '
                        'WHERE "Id" IN (SELECT unnest(?))',
                        [stamp, stamp, list(chosen)],
                    )
        return errors

    def undelete(self, object_name: str, record_id: str) -> None:
        """Restore a record from the recycle bin, as a user would; modstamp bumped."""
        spec = self.spec(object_name)
        with self._write_lock:
            record_id = self._check_id(spec, record_id)
            record = self.get(spec.name, record_id, include_deleted=True)
            if record is None:
                raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
            if not record.get("IsDeleted"):
                raise RecordError("UNDELETE_FAILED", "Entity is not in the recycle bin", ["Id"])
            stamp = now_utc()
            with self._cursor() as cursor:
                cursor.execute(
                    f'UPDATE {quote_ident(spec.name)} SET "IsDeleted" = false, '
                    '"LastModifiedDate" = ?, "SystemModstamp" = ? WHERE "Id" = ?',
                    [stamp, stamp, record_id],
                )

    def deleted_records(
        self, object_name: str, start: datetime, end: datetime
    ) -> list[tuple[str, datetime]]:
        """(Id, deleted date) of records deleted in [start, end), oldest first.

        The deleted date is the SystemModstamp that the delete bumped, which
        is where Salesforce takes it from too.
        """
        spec = self.spec(object_name)
        if "IsDeleted" not in spec.fields:
            return []
        with self._cursor() as cursor:
            rows = cursor.execute(
                f'SELECT "Id", "SystemModstamp" FROM {quote_ident(spec.name)} '
                'WHERE "IsDeleted" AND "SystemModstamp" >= ? AND "SystemModstamp" < ? '
                'ORDER BY "SystemModstamp", "Id"',
                [start, end],
            ).fetchall()
        return [(record_id, stamp.astimezone(UTC)) for record_id, stamp in rows]

    def create_record(self, object_name: str, values: Mapping[str, Any]) -> str:
        """Create one record as the REST API would; its new Id, else ``RecordError``."""
        result = self.create_many(object_name, [values])[0]
        if isinstance(result, RecordError):
            raise result
        return result

    def create_many(
        self, object_name: str, records: Sequence[Mapping[str, Any]]
    ) -> list[str | RecordError]:
        """Validate and insert new records; one entry per record: its Id or its error.

        Unlike ``insert`` (for seeding), this applies the checks Salesforce
        makes on create: writable fields only, required fields present,
        values of the right type and within their constraints.
        """
        spec = self.spec(object_name)
        with self._write_lock:
            results: list[str | RecordError] = []
            rows: list[dict[str, Any]] = []
            for values in records:
                try:
                    row = prepare_create(spec, values)
                except RecordError as error:
                    results.append(error)
                    continue
                row["Id"] = self._next_id(spec)
                rows.append(row)
                results.append(row["Id"])
            if rows:
                stamp = now_utc()
                for row in rows:
                    row.update({name: stamp for name in SYSTEM_DATETIMES if name in spec.fields})
                self.insert(spec.name, rows)
            return results

    def add_field(self, object_name: str, field: FieldSpec) -> None:
        """Add a column (and describe entry), as deploying a custom field does."""
        with self._write_lock:
            spec = self.spec(object_name)
            if spec.field_ci(field.name) is not None:
                raise ValueError(f"{spec.name} already has a field named {field.name}")
            # Replace rather than mutate the spec so concurrent readers never
            # iterate a dict that is changing under them.
            new_spec = dataclasses.replace(spec, fields={**spec.fields, field.name: field})
            with self._cursor() as cursor:
                if not field.is_compound:
                    # A new checkbox reads false on existing records, as on Salesforce.
                    default = " DEFAULT false" if field.type == "boolean" else ""
                    cursor.execute(
                        f"ALTER TABLE {quote_ident(spec.name)} "
                        f"ADD COLUMN {quote_ident(field.name)} {sql_type(field)}{default}"
                    )
                self._save_spec(cursor, new_spec)
            self._objects[spec.name] = new_spec

    def remove_field(self, object_name: str, field_name: str) -> None:
        """Hide a field from describe and SOQL, as deleting it or field-level security does."""
        with self._write_lock:
            spec = self.spec(object_name)
            found = spec.field_ci(field_name)
            if found is None:
                raise ValueError(f"{spec.name} has no field named {field_name}")
            kept = {name: f for name, f in spec.fields.items() if name != found.name}
            new_spec = dataclasses.replace(spec, fields=kept)
            with self._cursor() as cursor:
                self._save_spec(cursor, new_spec)
            self._objects[spec.name] = new_spec

    # -- helpers

    def _save_spec(self, cursor: duckdb.DuckDBPyConnection, spec: ObjectSpec) -> None:
        cursor.execute(f"DELETE FROM {_SPECS_TABLE} WHERE name = ?", [spec.name])
        cursor.execute(
            f"INSERT INTO {_SPECS_TABLE} VALUES (?, ?)",
            [spec.name, spec_to_json(spec)],
        )

    def _next_id(self, spec: ObjectSpec) -> str:
        """A new Id in a pod of its own ("LO"), clear of seeded and earlier ones."""
        with self._id_lock:
            if spec.name not in self._id_sequences:
                with self._cursor() as cursor:
                    last = cursor.execute(
                        f'SELECT max("Id") FROM {quote_ident(spec.name)} WHERE "Id" LIKE ?',
                        [f"{spec.key_prefix}{_GENERATED_POD}%"],
                    ).fetchone()
                digits = last[0][5:15] if last and last[0] else "0"
                self._id_sequences[spec.name] = int(digits) if digits.isdigit() else 0
            self._id_sequences[spec.name] += 1
            return make_id(spec.key_prefix, self._id_sequences[spec.name], pod=_GENERATED_POD)


def _connect(path: Path | None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    config = {"memory_limit": memory_limit} if memory_limit else {}
    connection = duckdb.connect(str(path) if path is not None else ":memory:", config=config)
    connection.execute("SET TimeZone = 'UTC'")
    return connection
