"""A Bulk result page as one Parquet file, handed to dlt to import as it is.

Given Arrow tables, dlt writes them to Parquet with pyarrow's defaults, which
dictionary-encode every column. For Ids and timestamps, distinct on nearly
every row, the dictionary is built and then dropped once it outgrows its
page: wasted work that made dlt's writing the largest CPU cost of a Bulk
extraction (about 31 ms of a 50,000-row Task page, against 25 ms to parse it
and 17 ms to download it). Here each page is written once by the connector,
dictionary-encoding only the columns whose values come from a fixed list by
definition (picklists), and dlt links the file into its load package
(``dlt.mark.with_file_import``) instead of writing it again.

What dlt keeps is unchanged: the table's columns still come from the Arrow
schema (an empty table with the page's schema is passed as the hints, which
dlt reads exactly as it reads a table of rows), and dlt's normalize step
rewrites an imported Parquet file whose columns do not match the table's (a
field added or gone since an earlier run), as it does for the files it
writes itself. The file settings are dlt's own defaults (format version 2.4,
snappy), so the file differs from dlt's only in which columns carry a
dictionary.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.parquet as pq

from connectors.salesforce.extract.fields import ExtractField

# Salesforce types whose values are picked from a list the org defines.
DICTIONARY_TYPES = frozenset({"picklist", "multipicklist", "combobox"})
# dlt's Parquet defaults (dlt.common.destination.configuration.ParquetFormatConfiguration).
PARQUET_VERSION = "2.4"
PARQUET_COMPRESSION = "snappy"


def dictionary_columns(fields: list[ExtractField]) -> list[str]:
    """The columns worth a dictionary: few distinct values by the field's definition."""
    return [f.column for f in fields if f.sf_type in DICTIONARY_TYPES]


class ParquetPage(AbstractContextManager["ParquetPage"]):
    """One page's tables written into one Parquet file, then one dlt import of it.

    A page is delivered whole or not at all: the file is handed to dlt only
    once every table of the page is in it, so a page that fails half-way
    (bad input, a stop) leaves nothing in dlt's package.
    """

    def __init__(self, path: Path, fields: list[ExtractField]) -> None:
        self.path = path
        self.dictionary = dictionary_columns(fields)
        self.rows = 0
        self.schema: pa.Schema | None = None
        self._writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self.schema = table.schema
            self._writer = pq.ParquetWriter(
                self.path,
                table.schema,
                version=PARQUET_VERSION,
                compression=PARQUET_COMPRESSION,
                use_dictionary=self.dictionary,
            )
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def delivery(self) -> Any:
        """What the resource yields to dlt for this page (call after ``close``)."""
        if self.schema is None:
            raise ValueError(f"{self.path} has no rows to deliver")
        return dlt.mark.with_file_import(
            str(self.path), "parquet", self.rows, hints=self.schema.empty_table()
        )


def delivered_rows(item: Any) -> int:
    """Rows in what a resource yields: an Arrow table, or a file import of one."""
    if isinstance(item, pa.Table):
        return item.num_rows
    return item.meta.metrics.items_count
