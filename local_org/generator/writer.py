"""Collects the generated records: sequential Ids, "days ago" turned into timestamps."""

from __future__ import annotations

import datetime as dt
import math
from datetime import UTC
from typing import Any

from connectors.salesforce.api.ids import make_id
from local_org.schema import standard_objects

# Objects in the order they are generated (parents before children).
OBJECTS: tuple[str, ...] = (
    "User",
    "Account",
    "Contact",
    "Contract",
    "Opportunity",
    "OpportunityContactRole",
    "OpportunityCompetitor",
    "Order",
    "Case",
    "Task",
    "Event",
    "EmailMessage",
    "Survey_Response__c",
)


class _IdMaker:
    """``make_id`` for one object, with the 18-character checksum computed once.

    The checksum only depends on which characters are upper case, and the
    sequence digits never are, so every Id of an object shares its first five
    and last three characters. Building the Id from them is several times
    faster than ``make_id``; the constructor checks the shortcut against it.
    """

    def __init__(self, key_prefix: str) -> None:
        sample = make_id(key_prefix, 0)
        self._head, self._tail = sample[:5], sample[15:]
        for probe in (1, 987_654_321):
            if self(probe) != make_id(key_prefix, probe):
                raise RuntimeError(f"Id shortcut disagrees with make_id for {key_prefix}")

    def __call__(self, sequence: int) -> str:
        return f"{self._head}{sequence:010d}{self._tail}"


class OrgWriter:
    """Collects records, hands out sequential Ids and converts 'days ago' to timestamps."""

    def __init__(self, as_of: dt.datetime) -> None:
        self.as_of = as_of
        specs = standard_objects(include_rapport_fields=False)
        self.records: dict[str, list[dict[str, Any]]] = {name: [] for name in OBJECTS}
        self._ids = {name: _IdMaker(specs[name].key_prefix) for name in OBJECTS}
        self._sequence = dict.fromkeys(OBJECTS, 0)
        # Every record carries every (non-compound) column, None when unknown.
        self._templates = {
            name: {f.name: None for f in specs[name].fields.values() if not f.is_compound}
            for name in OBJECTS
        }

    def next_number(self, obj: str) -> int:
        return self._sequence[obj] + 1

    def count(self, obj: str) -> int:
        """Records of ``obj`` added so far, drained ones included."""
        return self._sequence[obj]

    def drain(self) -> dict[str, list[dict[str, Any]]]:
        """Hand over the records collected since the last drain, and forget them.

        Lets a large org be written in batches with flat memory. Emitters only
        touch a record right after adding it, so a drained record is final.
        """
        batch = {name: rows for name, rows in self.records.items() if rows}
        self.records = {name: [] for name in OBJECTS}
        return batch

    def add(
        self, obj: str, created: float, modified: float, values: dict[str, Any]
    ) -> dict[str, Any]:
        """Append a record created ``created`` days before as_of and return it."""
        created = max(created, 0.0)
        modified = min(max(modified, 0.0), created)
        self._sequence[obj] += 1
        record_id = self._ids[obj](self._sequence[obj])
        record = self._templates[obj].copy()
        record.update(values)
        record["Id"] = record_id
        record["CreatedDate"] = stamp = self.at(created)
        if modified != created:
            stamp = self.at(modified)
        record["LastModifiedDate"] = stamp
        record["SystemModstamp"] = stamp
        if "IsDeleted" in record:
            record["IsDeleted"] = False
        self.records[obj].append(record)
        return record

    def at(self, ago: float) -> dt.datetime:
        # Whole seconds before as_of (Salesforce stores seconds), so never after it.
        return self.as_of - dt.timedelta(seconds=math.ceil(ago * 86400.0))

    def date(self, ago: float) -> dt.date:
        return self.at(ago).date()

    def at_hour(self, ago: float, hour: int, minute: int) -> dt.datetime:
        day = self.date(ago)
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
