"""Which mart column is written to which CRM field.

The mapping is also the allow-list: nothing outside it can ever be written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from connectors.salesforce.writeback import RecordUpdate


@dataclass(frozen=True)
class FieldMapping:
    object_name: str
    id_column: str
    columns: dict[str, str]  # mart column -> CRM field


ACCOUNT_MAPPING = FieldMapping(
    object_name="Account",
    id_column="account_id",
    columns={
        "relationship_type_label": "Relationship_Type__c",
        "strength_score": "Relationship_Strength__c",
    },
)


def _json_value(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def updates_from_frame(frame: pd.DataFrame, mapping: FieldMapping) -> Iterator[RecordUpdate]:
    for row in frame.itertuples(index=False):
        values = {
            field: _json_value(getattr(row, column)) for column, field in mapping.columns.items()
        }
        yield RecordUpdate(mapping.object_name, getattr(row, mapping.id_column), values)
