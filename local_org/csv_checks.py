"""Checks on an export folder's files, so every bad value is named before the org starts.

A customer fixing an export wants the whole list of what is wrong in one
pass, not one cell per attempt; and a value the local org would store but
could never answer over JSON (``1e999``), or a required field left empty,
must stop the load here, naming the file, line, record and field, rather
than surface later as an HTTP 500 or a silently wrong figure in the CRM.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from local_org.schema import SYSTEM_FIELDS, FieldSpec
from local_org.values import RecordError, check_constraints
from rapport.errors import ConfigurationError

MAX_REPORTED = 20


class CsvSeedError(ConfigurationError, ValueError):
    """A folder that cannot be loaded; the message names the file, line and field."""

    hint = "Fix the named file and line in the export folder."


class CsvProblems:
    """The problems found in one file: the first ``MAX_REPORTED`` kept, all counted."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.shown: list[str] = []
        self.total = 0

    def add(self, problem: str) -> None:
        self.total += 1
        if len(self.shown) < MAX_REPORTED:
            self.shown.append(problem)

    def raise_if_any(self) -> None:
        if not self.total:
            return
        if self.total == 1:
            raise CsvSeedError(f"{self.file_name} {self.shown[0]}")
        listed = "\n".join(f"  {self.file_name} {problem}" for problem in self.shown)
        more = (
            f"\n  ... and {self.total - len(self.shown)} more" if self.total > MAX_REPORTED else ""
        )
        raise CsvSeedError(
            f"{self.file_name}: {self.total} bad values"
            f"{f' (the first {MAX_REPORTED} listed)' if more else ''}:\n{listed}{more}"
        )


def read_rows(csv_path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every row, header first.

    The file must be UTF-8 (a BOM is allowed), as Salesforce exports are; a
    file saved in another encoding would otherwise load as mojibake or fail
    deep inside the reader without naming the file. Commas delimit, or
    semicolons when the header uses only those (spreadsheets in many
    locales save CSV that way).
    """
    data = csv_path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CsvSeedError(
            f"{csv_path.name} line {line}: byte 0x{data[error.start]:02x} is not UTF-8; "
            "save the file as UTF-8 (Salesforce exports are)"
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as error:
        raise CsvSeedError(f"{csv_path.name} line {reader.line_num}: {error}") from None


def checked_value(field: FieldSpec, value: Any) -> Any:
    """``value`` as Salesforce would save it in ``field``; raises ``RecordError``.

    System fields may be empty: the org stamps them as it would on insert.
    Picklist values outside the schema's list are accepted (see ``widen_picklists``).
    """
    if value is None and field.name in SYSTEM_FIELDS:
        return None
    if field.type in ("picklist", "multipicklist"):
        field = dataclasses.replace(field, picklist_values=())
    return check_constraints(field, value)


def unknown_picklist_values(field: FieldSpec, values: list[Any]) -> list[str]:
    """Values of ``field`` its picklist does not list, in first-seen order."""
    if field.type not in ("picklist", "multipicklist") or not field.picklist_values:
        return []
    seen: dict[str, None] = {}
    for value in values:
        if value is None:
            continue
        for item in value.split(";") if field.type == "multipicklist" else [value]:
            if item not in field.picklist_values:
                seen[item] = None
    return list(seen)


def widen_picklist(field: FieldSpec, extra: list[str]) -> FieldSpec:
    """The field with ``extra`` values added to its picklist.

    Customers add their own stages and industries; their export holds them,
    and so must the describe of an org seeded from it, or every write to such
    a record would be refused as a bad restricted-picklist value.
    """
    return dataclasses.replace(field, picklist_values=(*field.picklist_values, *extra))


def record_error_text(error: RecordError, cell: str) -> str:
    """A RecordError retold for a CSV cell (the cell, not the stored value)."""
    if error.status_code == "REQUIRED_FIELD_MISSING":
        return "is empty, but the field is required"
    if error.status_code == "STRING_TOO_LONG":
        return f"has {len(cell)} characters: {error.message.rpartition('(')[2].rstrip(')')}"
    if error.status_code == "NUMBER_OUTSIDE_VALID_RANGE":
        return f"{cell!r} is outside the field's valid range"
    return f"{cell!r}: {error.message}"
