"""Seed the local org from a folder of Salesforce export CSVs, and write such folders.

A customer can hand over a Data Loader or weekly-export folder and get a
local org that looks like theirs: only the objects and columns present in
the folder exist (describe shows exactly those), since a connector that
relies on a field the customer's org lacks must fail here, not in production.

Export format: one ``<ObjectApiName>.csv`` per object, a header of field API
names in any letter case, 15- or 18-character Ids, ISO 8601 UTC datetimes,
``YYYY-MM-DD`` dates, ``true``/``false`` booleans, and an empty cell for null.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from connectors.salesforce.api.ids import InvalidSalesforceId, to_18
from local_org.csv_checks import (
    CsvProblems,
    CsvSeedError,
    checked_value,
    read_rows,
    record_error_text,
    unknown_picklist_values,
    widen_picklist,
)
from local_org.schema import (
    SYSTEM_FIELDS,
    FieldSpec,
    ObjectSpec,
    field_from_yaml,
    standard_objects,
)
from local_org.soql import ID_TYPES, compound_components
from local_org.store import OrgStore
from local_org.values import RecordError, coerce_value

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_LEADING_ZERO = re.compile(r"^-?0\d")
_ID = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")


@dataclass
class CsvSeed:
    objects: dict[str, ObjectSpec]
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


# --------------------------------------------------------------------------- reading


def load_csv_folder(
    directory: Path,
    *,
    path: Path | None = None,
    known_objects: Mapping[str, ObjectSpec] | None = None,
) -> OrgStore:
    """A store holding exactly the objects, fields and records of ``directory``."""
    seed = read_csv_folder(directory, known_objects=known_objects)
    store = OrgStore.create(seed.objects, path)
    for object_name, records in seed.records.items():
        try:
            store.insert(object_name, records)
        except ValueError as error:
            raise CsvSeedError(f"{object_name}.csv: {error}") from None
    return store


def read_csv_folder(
    directory: Path, *, known_objects: Mapping[str, ObjectSpec] | None = None
) -> CsvSeed:
    directory = Path(directory)
    if not directory.is_dir():
        raise CsvSeedError(f"{directory} is not a folder of .csv files")
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() == ".csv")
    if not files:
        raise CsvSeedError(f"{directory} holds no .csv files")
    known = {name.lower(): spec for name, spec in (known_objects or standard_objects()).items()}
    prefixes = {spec.key_prefix: spec.name for spec in known.values()}
    seed = CsvSeed(objects={})
    for csv_path in files:
        base = known.get(csv_path.stem.lower())
        name = base.name if base else csv_path.stem
        if name in seed.objects:
            raise CsvSeedError(f"{csv_path.name}: a second file for object {name}")
        spec, records = _read_object_file(csv_path, name, base, prefixes)
        seed.objects[name] = spec
        seed.records[name] = records
    return seed


def _read_object_file(
    csv_path: Path, name: str, base: ObjectSpec | None, prefixes: dict[str, str]
) -> tuple[ObjectSpec, list[dict[str, Any]]]:
    lines = read_rows(csv_path)
    _, header = next(lines, (0, []))
    if not header:
        raise CsvSeedError(f"{csv_path.name}: the file has no header row")
    rows: list[tuple[int, list[str]]] = []
    for line_num, row in lines:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise CsvSeedError(
                f"{csv_path.name} line {line_num}: {len(row)} values "
                f"but the header has {len(header)} columns"
            )
        rows.append((line_num, row))

    columns = _header_fields(csv_path, header, base, rows, prefixes)
    spec = _object_spec(csv_path, name, base, [f for f in columns if f is not None], rows)
    problems = CsvProblems(csv_path.name)
    records = [_record(row, line, header, columns, problems) for line, row in rows]
    _check_duplicate_ids(records, rows, problems)
    problems.raise_if_any()
    for field_spec in spec.fields.values():
        extra = unknown_picklist_values(field_spec, [r.get(field_spec.name) for r in records])
        if extra:
            spec.fields[field_spec.name] = widen_picklist(field_spec, extra)
    return spec, records


def _record(
    row: list[str],
    line: int,
    header: list[str],
    columns: list[FieldSpec | None],
    problems: CsvProblems,
) -> dict[str, Any]:
    """One row as a record; each bad cell is added to ``problems``."""
    record: dict[str, Any] = {}
    record_id = next(
        (cell for cell, f in zip(row, columns, strict=True) if f is not None and f.name == "Id"),
        "",
    )
    where = f"(record {record_id})" if record_id else "(record without Id)"
    for column, (cell, field_spec) in enumerate(zip(row, columns, strict=True)):
        if field_spec is None or field_spec.is_compound:
            continue
        try:
            value = coerce_value(field_spec, cell) if cell != "" else None
        except RecordError:
            problems.add(
                f"line {line}, field {header[column]}: {cell!r} is not a valid "
                f"{_expected(field_spec)} {where}"
            )
            continue
        try:
            record[field_spec.name] = checked_value(field_spec, value)
        except RecordError as error:
            problems.add(
                f"line {line}, field {header[column]}: {record_error_text(error, cell)} {where}"
            )
    return record


def _check_duplicate_ids(
    records: list[dict[str, Any]], rows: list[tuple[int, list[str]]], problems: CsvProblems
) -> None:
    """Two rows with one Id would make the org's answer depend on which one won."""
    first_line: dict[str, int] = {}
    for record, (line, _) in zip(records, rows, strict=True):
        record_id = record.get("Id")
        if record_id is None:
            continue
        if record_id in first_line:
            problems.add(
                f"line {line}, field Id: duplicate Id {record_id} "
                f"(also on line {first_line[record_id]})"
            )
        else:
            first_line[record_id] = line


def _expected(field_spec: FieldSpec) -> str:
    return {
        "date": "date (YYYY-MM-DD)",
        "datetime": "datetime (ISO 8601, e.g. 2025-03-01T09:30:00.000Z)",
        "boolean": "boolean (true or false)",
        "id": "Salesforce Id (15 or 18 characters)",
        "reference": "Salesforce Id (15 or 18 characters)",
    }.get(field_spec.type, f"{field_spec.type} value")


def _header_fields(
    csv_path: Path,
    header: list[str],
    base: ObjectSpec | None,
    rows: list[tuple[int, list[str]]],
    prefixes: dict[str, str],
) -> list[FieldSpec | None]:
    """The field of each column, inferring a type for columns the schema lacks."""
    seen: set[str] = set()
    columns: list[FieldSpec | None] = []
    for index, raw_name in enumerate(header):
        column_name = raw_name.strip()
        if not column_name:
            raise CsvSeedError(f"{csv_path.name}: column {index + 1} has no name")
        if column_name.lower() in seen:
            raise CsvSeedError(f"{csv_path.name}: column {column_name} appears twice")
        seen.add(column_name.lower())
        known_field = base.field_ci(column_name) if base else None
        if known_field is None and column_name.lower() in {n.lower() for n in SYSTEM_FIELDS}:
            system_name = next(n for n in SYSTEM_FIELDS if n.lower() == column_name.lower())
            known_field = field_from_yaml(system_name, SYSTEM_FIELDS[system_name])
        if known_field is None:
            values = [row[index] for _, row in rows if row[index] != ""]
            known_field = _infer_field(column_name, values, prefixes)
        columns.append(known_field)
    if not any(f is not None and f.name == "Id" for f in columns):
        raise CsvSeedError(f"{csv_path.name}: no Id column")
    return columns


def _infer_field(name: str, values: list[str], prefixes: dict[str, str]) -> FieldSpec:
    """A field for a column the schema does not know, typed from its values."""
    label = name.removesuffix("__c").replace("_", " ")
    if values and all(v.lower() in ("true", "false") for v in values):
        return FieldSpec(name=name, type="boolean", label=label, custom=name.endswith("__c"))
    if values and all(_DATE.match(v) for v in values):
        return FieldSpec(name=name, type="date", label=label, custom=name.endswith("__c"))
    if values and all(_DATETIME.match(v) for v in values):
        return FieldSpec(name=name, type="datetime", label=label, custom=name.endswith("__c"))
    # Leading zeros mean a code (postal code, phone), which a number would lose.
    if values and all(_NUMBER.match(v) and not _LEADING_ZERO.match(v) for v in values):
        scale = max(len(v.partition(".")[2]) for v in values)
        return FieldSpec(
            name=name,
            type="double",
            label=label,
            precision=18,
            scale=scale,
            custom=name.endswith("__c"),
        )
    if values and name.endswith(("Id", "__c")) and all(_ID.match(v) for v in values):
        targets = {prefixes.get(v[:3]) for v in values}
        if len(targets) == 1 and None not in targets:
            return FieldSpec(
                name=name,
                type="reference",
                label=label,
                length=18,
                reference_to=(str(targets.pop()),),
                custom=name.endswith("__c"),
            )
    longest = max((len(v) for v in values), default=0)
    if longest > 255:
        return FieldSpec(name=name, type="textarea", label=label, length=131072, custom=True)
    return FieldSpec(name=name, type="string", label=label, length=255, custom=name.endswith("__c"))


def _object_spec(
    csv_path: Path,
    name: str,
    base: ObjectSpec | None,
    present: list[FieldSpec],
    rows: list[tuple[int, list[str]]],
) -> ObjectSpec:
    """The spec of one object: its system fields plus the columns present."""
    if base is None:
        id_index = next(i for i, f in enumerate(present) if f.name == "Id")
        first_id = next((row[id_index] for _, row in rows if row[id_index]), None)
        if first_id is None:
            raise CsvSeedError(f"{csv_path.name}: cannot tell the key prefix of {name} (no Ids)")
        base = ObjectSpec(
            name=name,
            label=name.removesuffix("__c").replace("_", " "),
            key_prefix=first_id[:3],
            custom=name.endswith("__c"),
        )
    spec = ObjectSpec(
        name=base.name,
        label=base.label,
        key_prefix=base.key_prefix,
        custom=base.custom,
        soft_delete=base.soft_delete,
    )
    present_names = {f.name for f in present}
    for system_name, raw in SYSTEM_FIELDS.items():
        if system_name == "IsDeleted" and not base.soft_delete:
            continue
        spec.add_field(base.fields.get(system_name) or field_from_yaml(system_name, raw))
    for base_field in base.fields.values():
        components = compound_components(base_field) if base_field.is_compound else []
        if base_field.name in present_names or any(c in present_names for _, c, _ in components):
            spec.add_field(base_field)
    for present_field in present:
        if present_field.name not in spec.fields:
            spec.add_field(present_field)
    return spec


# --------------------------------------------------------------------------- writing


def export_csv(
    source: OrgStore | Mapping[str, Sequence[Mapping[str, Any]]],
    directory: Path,
    *,
    objects: Mapping[str, ObjectSpec] | None = None,
    upper_case_headers: bool = False,
    id_length: int = 18,
) -> list[Path]:
    """Write one ``<Object>.csv`` per object in export format; returns the files.

    ``source`` is a store (all records, deleted ones included, so a round trip
    loses nothing) or records per object name as the generator produces them.
    ``upper_case_headers`` and ``id_length=15`` reproduce what some export
    tools write, for testing the reader against them.
    """
    if id_length not in (15, 18):
        raise ValueError(f"id_length must be 15 or 18, got {id_length}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if isinstance(source, OrgStore):
        specs = source.objects
        tables = {name: _store_records(source, spec) for name, spec in specs.items()}
    else:
        specs = dict(objects or standard_objects())
        tables = {name: list(records) for name, records in source.items()}
    written = []
    for object_name, records in tables.items():
        spec = specs.get(object_name)
        columns = _export_columns(spec, records)
        types = {c: spec.fields[c].type if spec and c in spec.fields else "" for c in columns}
        csv_path = directory / f"{object_name}.csv"
        with csv_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow([c.upper() if upper_case_headers else c for c in columns])
            for record in records:
                writer.writerow(
                    [_export_value(record.get(c), types[c], id_length) for c in columns]
                )
        written.append(csv_path)
    return written


def _store_records(store: OrgStore, spec: ObjectSpec) -> list[dict[str, Any]]:
    names = [f.name for f in spec.fields.values() if not f.is_compound]
    return store.query(
        f"SELECT {', '.join(names)} FROM {spec.name}", include_deleted=True
    ).records()


def _export_columns(spec: ObjectSpec | None, records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Spec order for known fields, then any others; every field when there are no records."""
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(record))
    if spec is None:
        return list(keys)
    if not keys:
        return [f.name for f in spec.fields.values() if not f.is_compound]
    ordered = [f.name for f in spec.fields.values() if f.name in keys and not f.is_compound]
    return ordered + [k for k in keys if k not in ordered and k not in spec.fields]


def _export_value(value: Any, field_type: str, id_length: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"datetime {value.isoformat()} has no time zone")
        value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.isoformat()
    if field_type in ID_TYPES and isinstance(value, str):
        try:
            return to_18(value)[:id_length]
        except InvalidSalesforceId:
            return value
    return str(value)
