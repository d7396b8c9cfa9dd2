"""Read a whole table into pandas, from whichever warehouse is configured.

For the stages that need a mart in memory (the report, the flow's summary),
not for the gates, which push their aggregates down (``rapport.warehouse.sql``).
"""

from __future__ import annotations

import pandas as pd

from rapport.config import WarehouseSettings
from rapport.warehouse.sql import open_warehouse


class MissingTable(LookupError):
    """The table (or its schema) is not in the warehouse."""


def read_table(settings: WarehouseSettings, schema: str, table: str) -> pd.DataFrame:
    """The whole table; raises ``MissingTable`` when it does not exist."""
    with open_warehouse(settings) as sql:
        if sql.columns(schema, table) is None:
            raise MissingTable(f"{schema}.{table}")
        return sql.frame(f"select * from {sql.relation(schema, table)}")
