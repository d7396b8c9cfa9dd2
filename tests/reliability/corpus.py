"""The bad-input corpus: a small clean export folder, and one defect applied to a copy of it.

Written at test time from the generator (a few accounts, one seed), so the
repository holds no large fixture files and every case differs from the
clean base by exactly the defect it names.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

AS_OF = datetime(2026, 11, 23, tzinfo=UTC)

EMOJI_RTL_NAME = "Café 🚀 شركة الأمل ‏(Müller) 株式会社"
HOSTILE_NAME = "O'Brien \"Quoted\" \\back\\slash'; DROP TABLE Account;-- ' OR '1'='1 %_*"
ORPHAN_ACCOUNT = "0015g0000000999AAA"


def write_clean_org(folder: Path, accounts: int = 6, seed: int = 3) -> Path:
    """A clean export folder of a generated org, as `rapport local-org export` writes one."""
    from local_org.csv_seed import export_csv
    from local_org.generator import generate_org

    generated = generate_org(accounts=accounts, seed=seed, as_of=AS_OF)
    export_csv(generated.records, folder)
    return folder


# --------------------------------------------------------------------------- editing files


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def write_table(path: Path, header: list[str], rows: list[list[str]], **options) -> None:
    encoding = options.pop("encoding", "utf-8")
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, **options)
        writer.writerow(header)
        writer.writerows(rows)


def set_cell(folder: Path, object_name: str, row: int, field: str, value: str) -> str:
    """Put ``value`` in ``field`` of data row ``row`` (0-based); returns that record's Id."""
    path = folder / f"{object_name}.csv"
    header, rows = read_table(path)
    rows[row][header.index(field)] = value
    write_table(path, header, rows)
    return rows[row][header.index("Id")]


def first_row_where(folder: Path, object_name: str, field: str, value: str) -> int:
    header, rows = read_table(folder / f"{object_name}.csv")
    return next(i for i, row in enumerate(rows) if row[header.index(field)] == value)


def drop_column(folder: Path, object_name: str, field: str) -> None:
    path = folder / f"{object_name}.csv"
    header, rows = read_table(path)
    index = header.index(field)
    write_table(
        path, header[:index] + header[index + 1 :], [r[:index] + r[index + 1 :] for r in rows]
    )


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """One defect. ``expect`` is "error" (the load stops, naming ``needles``) or "loads"."""

    name: str
    apply: Callable[[Path], None]
    expect: str
    needles: tuple[str, ...] = ()


def _duplicate_ids(folder: Path) -> None:
    header, rows = read_table(folder / "Account.csv")
    rows[2][0] = rows[1][0]
    write_table(folder / "Account.csv", header, rows)


def _latin1(folder: Path) -> None:
    header, rows = read_table(folder / "Account.csv")
    rows[1][header.index("Name")] = "Société Générale Crédit"
    write_table(folder / "Account.csv", header, rows, encoding="latin-1")


def _bom_crlf(folder: Path) -> None:
    path = folder / "Account.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\r\n", "\n").replace("\n", "\r\n").encode())


def _semicolons(folder: Path) -> None:
    header, rows = read_table(folder / "Account.csv")
    write_table(folder / "Account.csv", header, rows, delimiter=";")


def _header_only(folder: Path) -> None:
    header, _ = read_table(folder / "Case.csv")
    write_table(folder / "Case.csv", header, [])


def _empty_folder(folder: Path) -> None:
    for path in folder.iterdir():
        path.unlink()


def _many_bad_amounts(folder: Path) -> None:
    path = folder / "Opportunity.csv"
    header, rows = read_table(path)
    for row in rows[:25]:
        row[header.index("Amount")] = "n/a"
    write_table(path, header, rows)


def _cell(object_name: str, field: str, value: str, row: int = 1) -> Callable[[Path], None]:
    return lambda folder: set_cell(folder, object_name, row, field, value) and None


def _closed_won_amount(value: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        row = first_row_where(folder, "Opportunity", "StageName", "Closed Won")
        set_cell(folder, "Opportunity", row, "Amount", value)

    return apply


CASES: tuple[Case, ...] = (
    Case("duplicate_ids", _duplicate_ids, "error", ("Account.csv line 4", "duplicate Id")),
    Case(
        "null_stage",
        _cell("Opportunity", "StageName", ""),
        "error",
        ("Opportunity.csv line 3, field StageName", "required", "record 006"),
    ),
    Case(
        "null_account_name",
        _cell("Account", "Name", ""),
        "error",
        ("Account.csv line 3, field Name", "required", "record 001"),
    ),
    Case("orphan_foreign_key", _cell("Opportunity", "AccountId", ORPHAN_ACCOUNT), "loads"),
    Case(
        "unparseable_date",
        _cell("Opportunity", "CloseDate", "31/12/2025"),
        "error",
        ("Opportunity.csv line 3, field CloseDate", "'31/12/2025'", "date (YYYY-MM-DD)"),
    ),
    Case(
        "infinite_amount",
        _closed_won_amount("1e999"),
        "error",
        ("Opportunity.csv line", "field Amount", "'1e999'", "record 006"),
    ),
    Case(
        "huge_negative_amount",
        _closed_won_amount("-1e30"),
        "error",
        ("Opportunity.csv line", "field Amount", "'-1e30' is outside", "record 006"),
    ),
    Case(
        "non_numeric_amount",
        _cell("Opportunity", "Amount", "about 5k"),
        "error",
        ("Opportunity.csv line 3, field Amount", "'about 5k'"),
    ),
    Case("nan_amount", _cell("Opportunity", "Amount", "nan"), "error", ("field Amount", "'nan'")),
    Case("unknown_picklist_value", _cell("Opportunity", "StageName", "Verbal Yes"), "loads"),
    Case(
        "text_of_100k_characters",
        _cell("Account", "Name", "x" * 100_000),
        "error",
        ("Account.csv line 3, field Name", "100000 characters", "max length=255"),
    ),
    Case("emoji_and_rtl_name", _cell("Account", "Name", EMOJI_RTL_NAME), "loads"),
    Case("quotes_and_metacharacters", _cell("Account", "Name", HOSTILE_NAME), "loads"),
    Case("header_without_rows", _header_only, "loads"),
    Case("missing_object", lambda folder: (folder / "Case.csv").unlink(), "loads"),
    Case("bom_and_crlf", _bom_crlf, "loads"),
    Case("semicolon_delimited", _semicolons, "loads"),
    Case("latin1_file", _latin1, "error", ("Account.csv line 3", "not UTF-8")),
    Case("empty_folder", _empty_folder, "error", ("holds no .csv files",)),
    Case(
        "many_bad_rows",
        _many_bad_amounts,
        "error",
        ("Opportunity.csv: 25 bad values", "the first 20 listed", "and 5 more", "line 21,"),
    ),
)


def make_case(base: Path, case: Case, into: Path) -> Path:
    """A copy of the clean folder ``base`` with ``case``'s defect applied."""
    shutil.copytree(base, into)
    case.apply(into)
    return into
