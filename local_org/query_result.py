"""What the store answers a SOQL query with: an Arrow table, paged into records for the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from local_org.soql import ID_COLUMN


@dataclass(frozen=True)
class QueryResult:
    object_name: str
    fields: tuple[str, ...]
    total_size: int
    table: pa.Table | None  # None for COUNT(); else ID_COLUMN plus ``fields``

    def page(self, start: int, stop: int) -> list[tuple[str, dict[str, Any]]]:
        """Records [start, stop) as (Id, {field: value}) pairs."""
        if self.table is None:
            return []
        sliced = self.table.slice(start, max(0, stop - start))
        ids = sliced.column(ID_COLUMN).to_pylist()
        columns = [sliced.column(name).to_pylist() for name in self.fields]
        return [
            (record_id, dict(zip(self.fields, values, strict=True)))
            for record_id, *values in zip(ids, *columns, strict=True)
        ]

    def records(self) -> list[dict[str, Any]]:
        return [fields for _, fields in self.page(0, self.total_size)]
