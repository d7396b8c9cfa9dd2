"""Every defect of the corpus either loads as intended or stops the load, naming file, line, record and field.

Run at the CSV-loading level, which is where `rapport demo --org-data` stops
a bad folder: nothing of it reaches the local org, the warehouse or the CRM.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from local_org.csv_seed import CsvSeedError, load_csv_folder
from local_org.store import OrgStore
from tests.reliability.corpus import (
    CASES,
    EMOJI_RTL_NAME,
    HOSTILE_NAME,
    ORPHAN_ACCOUNT,
    Case,
    make_case,
    read_table,
    set_cell,
    write_clean_org,
)

ERRORS = [c for c in CASES if c.expect == "error"]
LOADS = {c.name: c for c in CASES if c.expect == "loads"}


@pytest.fixture(scope="module")
def clean_base(tmp_path_factory) -> Path:
    return write_clean_org(tmp_path_factory.mktemp("clean") / "org")


@pytest.fixture(scope="module")
def clean_store(clean_base) -> OrgStore:
    return load_csv_folder(clean_base)


def accounts(store: OrgStore) -> list[dict]:
    return store.query(
        "SELECT Id, Name, Industry, AnnualRevenue FROM Account ORDER BY Id"
    ).records()


def load_case(clean_base: Path, tmp_path: Path, name: str) -> OrgStore:
    return load_csv_folder(make_case(clean_base, LOADS[name], tmp_path / name))


def test_the_clean_base_loads(clean_store, clean_base):
    _, rows = read_table(clean_base / "Opportunity.csv")
    assert clean_store.count("Opportunity") == len(rows) > 20


@pytest.mark.parametrize("case", ERRORS, ids=lambda c: c.name)
def test_a_bad_folder_stops_the_load_naming_what_to_fix(clean_base, tmp_path, case: Case):
    folder = make_case(clean_base, case, tmp_path / case.name)
    with pytest.raises(CsvSeedError) as caught:
        load_csv_folder(folder)
    message = str(caught.value)
    for needle in case.needles:
        assert needle in message, f"{needle!r} missing from: {message}"
    assert "Traceback" not in message


def test_every_bad_row_is_reported_up_to_the_cap(clean_base, tmp_path):
    folder = make_case(
        clean_base, next(c for c in ERRORS if c.name == "many_bad_rows"), tmp_path / "m"
    )
    with pytest.raises(CsvSeedError) as caught:
        load_csv_folder(folder)
    listed = [line for line in str(caught.value).splitlines() if "field Amount" in line]
    assert len(listed) == 20
    assert [int(line.split("line ")[1].split(",")[0]) for line in listed] == list(range(2, 22))


def test_several_kinds_of_defect_in_one_file_are_all_reported(clean_base, tmp_path):
    folder = tmp_path / "mixed"
    make_case(clean_base, LOADS["header_without_rows"], folder)
    set_cell(folder, "Opportunity", 0, "StageName", "")
    set_cell(folder, "Opportunity", 3, "Amount", "1e999")
    set_cell(folder, "Opportunity", 5, "CloseDate", "tomorrow")
    with pytest.raises(CsvSeedError) as caught:
        load_csv_folder(folder)
    message = str(caught.value)
    assert "3 bad values" in message
    for needle in ("line 2, field StageName", "line 5, field Amount", "line 7, field CloseDate"):
        assert needle in message


def test_an_orphan_reference_is_kept_for_the_raw_gate_to_count(clean_base, tmp_path):
    store = load_case(clean_base, tmp_path, "orphan_foreign_key")
    ids = {r["AccountId"] for r in store.query("SELECT AccountId FROM Opportunity").records()}
    assert ORPHAN_ACCOUNT in ids
    assert store.count("Account") == 6


def test_an_unknown_picklist_value_is_kept_and_described(clean_base, tmp_path):
    store = load_case(clean_base, tmp_path, "unknown_picklist_value")
    stages = {r["StageName"] for r in store.query("SELECT StageName FROM Opportunity").records()}
    assert "Verbal Yes" in stages
    assert "Verbal Yes" in store.spec("Opportunity").fields["StageName"].picklist_values
    # and the org accepts a write of it, as the customer's org does
    other = store.query("SELECT Id FROM Opportunity WHERE StageName != 'Verbal Yes'").records()
    store.update("Opportunity", other[0]["Id"], {"StageName": "Verbal Yes"})


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), "1e999", "-1e999"])
def test_the_org_refuses_numbers_json_cannot_carry(value):
    """Stored, infinity made every later Opportunity query answer HTTP 500."""
    from local_org.schema import standard_objects
    from local_org.values import RecordError, coerce_value

    amount = standard_objects()["Opportunity"].fields["Amount"]
    with pytest.raises(RecordError, match="INVALID_TYPE_ON_FIELD_IN_RECORD"):
        coerce_value(amount, value)


@pytest.mark.parametrize(
    ("case", "name"),
    [("emoji_and_rtl_name", EMOJI_RTL_NAME), ("quotes_and_metacharacters", HOSTILE_NAME)],
)
def test_awkward_names_load_unchanged(clean_base, tmp_path, case, name):
    store = load_case(clean_base, tmp_path, case)
    assert name in {r["Name"] for r in accounts(store)}


def test_an_object_with_a_header_and_no_rows_exists_and_is_empty(clean_base, tmp_path):
    store = load_case(clean_base, tmp_path, "header_without_rows")
    assert "Case" in store.objects and store.count("Case") == 0


def test_a_missing_object_is_absent_from_the_org(clean_base, tmp_path):
    store = load_case(clean_base, tmp_path, "missing_object")
    assert "Case" not in store.objects and "Account" in store.objects


@pytest.mark.parametrize("case", ["bom_and_crlf", "semicolon_delimited"])
def test_other_file_dialects_load_the_same_records(clean_base, clean_store, tmp_path, case):
    store = load_case(clean_base, tmp_path, case)
    assert accounts(store) == accounts(clean_store)
    assert set(store.spec("Account").fields) == set(clean_store.spec("Account").fields)


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CsvSeedError, match="is not a folder"):
        load_csv_folder(tmp_path / "nowhere")
