"""CSV as Bulk API 2.0 writes and reads it.

Query results are written straight from Arrow: each column is turned into
Salesforce's text form with Arrow compute (datetimes ``2025-03-01T09:30:00.000Z``,
dates ``YYYY-MM-DD``, booleans ``true``/``false``, null as an empty field) and
``pyarrow.csv`` writes it, quoting every value as Salesforce does. Nothing
goes through per-row Python, which is what keeps a large extract fast.

Ingest data is read with the ``csv`` module: uploads are small next to query
results, and each row is validated one by one anyway.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from rapport.errors import RapportError

COLUMN_DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
CHUNK_ROWS = 50_000  # rows converted and written at a time while streaming a page
NULL_MARKER = "#N/A"  # what an ingest file writes to set a field to null


class CsvFormatError(RapportError, ValueError):
    """Uploaded CSV that the org cannot read; the message is Salesforce's job error."""


def as_salesforce_text(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """One column as the text a Bulk API CSV holds (nulls stay null)."""
    kind = column.type
    if pa.types.is_timestamp(kind):
        # Via naive UTC milliseconds: Arrow casts those to text ~20x faster than
        # strftime or a zoned cast, and the text only needs its "T" and "Z".
        millis = pc.cast(column, pa.timestamp("ms", tz="UTC"), safe=False)
        text = pc.cast(pc.cast(pc.cast(millis, pa.int64()), pa.timestamp("ms")), pa.string())
        text = pc.replace_substring(text, " ", "T", max_replacements=1)
        return pc.binary_join_element_wise(text, "Z", "")
    if pa.types.is_boolean(kind):
        return pc.if_else(column, "true", "false")
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column
    return pc.cast(column, pa.string())


def query_csv_chunks(
    table: pa.Table,
    *,
    delimiter: str = ",",
    line_ending: str = "\n",
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[bytes]:
    """``table`` as Bulk API query CSV, header first, ``chunk_rows`` rows per piece."""
    options = dict(delimiter=delimiter, eol=line_ending, quoting_style="all_valid")
    header = io.BytesIO()
    empty = pa.table({name: pa.array([], pa.string()) for name in table.column_names})
    pacsv.write_csv(empty, header, pacsv.WriteOptions(include_header=True, **options))
    yield header.getvalue()
    for start in range(0, table.num_rows, chunk_rows):
        piece = table.slice(start, chunk_rows)
        text = pa.table(
            {name: as_salesforce_text(piece.column(name)) for name in piece.column_names}
        )
        buffer = io.BytesIO()
        pacsv.write_csv(text, buffer, pacsv.WriteOptions(include_header=False, **options))
        yield buffer.getvalue()


def read_ingest_csv(
    data: bytes, *, delimiter: str = ",", line_ending: str = "\n"
) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of an uploaded file; ``CsvFormatError`` when it cannot be read."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvFormatError(f"ClientInputError : the data is not UTF-8: {error}") from None
    if line_ending == "\n" and "\r\n" in text:
        raise CsvFormatError(
            "ClientInputError : LineEnding is invalid on user data. Current LineEnding "
            "setting is LF"
        )
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    rows = [row for row in rows if row]  # a trailing newline is not a record
    if not rows:
        raise CsvFormatError("InvalidBatch : The data has no header row")
    header, records = rows[0], rows[1:]
    for number, row in enumerate(records, start=2):
        if len(row) != len(header):
            raise CsvFormatError(
                f"InvalidBatch : line {number} has {len(row)} values but the header has "
                f"{len(header)} columns"
            )
    return header, records


def write_result_csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """A successful/failed/unprocessed results file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
