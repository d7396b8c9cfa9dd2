"""Read the CRM's current values of the fields Rapport writes, for the records about to change.

Three ways to read, chosen by which needs fewer API calls: SOQL ``Id IN
(...)`` in chunks small enough for a GET URL; one REST query over the whole
object paged 2,000 records at a time, when most records are changing anyway;
or, for a larger object, one Bulk API 2.0 query job over it
(``crm_bulk_read.py``), a few calls whatever its size. For 10,000 changed
accounts that is about 4 calls instead of 5 (REST, whole object) or 34 (by
Id); for 100,000 contacts about 4 instead of 50.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simple_salesforce import Salesforce

from connectors.salesforce.api.ids import to_18
from connectors.salesforce.api.soql import identifier, string_literal
from connectors.salesforce.writeback.crm_bulk_read import (
    BULK_READ_FIXED_CALLS,
    BULK_READ_PAGE_RECORDS,
    bulk_read_values,
)
from connectors.salesforce.writeback.crm_schema import CrmField
from connectors.salesforce.writeback.values import from_crm_value

QUERY_PAGE_SIZE = 2000
# 18-character Ids, quoted and URL-encoded, stay well under the ~16 KB URL limit.
DEFAULT_IDS_PER_QUERY = 300

CrmValues = dict[str, dict[str, Any]]  # record id -> field -> canonical value


@dataclass(frozen=True)
class ReadPlan:
    by_id_calls: int
    full_scan_calls: int
    bulk_calls: int

    @property
    def bulk(self) -> bool:
        return self.bulk_calls < min(self.by_id_calls, self.full_scan_calls)

    @property
    def full_scan(self) -> bool:
        return not self.bulk and self.full_scan_calls < self.by_id_calls


def plan_read(candidates: int, object_size: int, ids_per_query: int) -> ReadPlan:
    """Calls each way would take; ties go to REST, which has no job to wait for."""
    return ReadPlan(
        by_id_calls=math.ceil(candidates / ids_per_query),
        full_scan_calls=max(1, math.ceil(object_size / QUERY_PAGE_SIZE)),
        bulk_calls=BULK_READ_FIXED_CALLS + max(1, math.ceil(object_size / BULK_READ_PAGE_RECORDS)),
    )


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _quote(record_id: str) -> str:
    return string_literal(to_18(record_id))


def read_current_values(
    sf: Salesforce,
    object_name: str,
    fields: Sequence[CrmField],
    record_ids: Iterable[str],
    *,
    object_size: int,
    ids_per_query: int = DEFAULT_IDS_PER_QUERY,
) -> CrmValues:
    """Current canonical values of ``fields`` for the ``record_ids`` that exist (others absent).

    ``object_size`` is an estimate of the object's live records (the mart's
    row count) used only to choose how to read.
    """
    wanted = sorted({to_18(r) for r in record_ids})
    if not wanted:
        return {}
    select = ", ".join(["Id", *(identifier(f.name, "field") for f in fields)])
    object_name = identifier(object_name, "object")
    plan = plan_read(len(wanted), object_size, ids_per_query)
    wanted_set = set(wanted)
    current: CrmValues = {}
    for raw_id, values in _read_rows(sf, plan, select, object_name, fields, wanted, ids_per_query):
        record_id = to_18(raw_id)
        if record_id in wanted_set:
            current[record_id] = {f.name: from_crm_value(f, values.get(f.name)) for f in fields}
    return current


def _read_rows(
    sf: Salesforce,
    plan: ReadPlan,
    select: str,
    object_name: str,
    fields: Sequence[CrmField],
    wanted: list[str],
    ids_per_query: int,
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(record id, field values) by the way ``plan`` chose; one conversion serves all three."""
    if plan.bulk:
        yield from bulk_read_values(sf, f"SELECT {select} FROM {object_name}", fields)
        return
    if plan.full_scan:
        queries = [f"SELECT {select} FROM {object_name}"]
    else:
        queries = [
            f"SELECT {select} FROM {object_name} WHERE Id IN ({', '.join(map(_quote, chunk))})"
            for chunk in _chunks(wanted, ids_per_query)
        ]
    for soql in queries:
        for record in sf.query_all_iter(soql):
            yield record["Id"], record
