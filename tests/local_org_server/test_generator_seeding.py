"""Seeding a store from the streaming generator (local_org/generator/seeding.py).

The generator's batches reach the store as Arrow tables converted in one C
pass, skipping the store's per-value checks; these tests hold that shortcut
to the checked path, record for record, and hold a file-backed store (what
the benchmark generates large orgs into) to the answers of an in-memory one.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from local_org.generator import OBJECTS, generate_org, labels_csv, write_labels
from local_org.generator.seeding import generate_into, records_table
from local_org.schema import standard_objects
from local_org.server import LocalOrg
from local_org.store import OrgStore
from tests.factories.local_org import client

AS_OF = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
TODAY = AS_OF.date()


def _every_row(store: OrgStore, object_name: str) -> list[dict]:
    """Every stored value of every record (deleted ones too), in Id order."""
    spec = store.spec(object_name)
    fields = ", ".join(f.name for f in spec.fields.values() if not f.is_compound)
    soql = f"SELECT {fields} FROM {spec.name} ORDER BY Id"
    return store.query(soql, include_deleted=True).records()


def test_the_arrow_shortcut_stores_what_the_checked_path_stores() -> None:
    org = generate_org(accounts=40, seed=5, as_of=AS_OF)
    checked = OrgStore.create(standard_objects())
    for name, records in org.records.items():
        checked.insert(name, records)  # dicts: every value through the store's checks
    streamed = OrgStore.create(standard_objects())
    labels: list[dict] = []
    counts = generate_into(streamed, 40, 5, as_of=AS_OF, labels=labels.extend, batch_accounts=7)
    assert counts == {name: n for name, n in org.counts().items() if n}
    assert labels == org.labels
    for name in OBJECTS:
        rows = _every_row(streamed, name)
        assert rows == _every_row(checked, name), name
    # The perception fields only some records carry arrived too.
    assert any(row["Relationship_Perceived_Type__c"] for row in _every_row(streamed, "Account"))
    assert any(row["Stated_Relationship__c"] for row in _every_row(streamed, "Survey_Response__c"))


def test_a_record_naming_no_field_is_refused_with_object_and_key() -> None:
    spec = standard_objects()["Task"]
    with pytest.raises(ValueError, match=r"Task: generated records name 'Colour'"):
        records_table(spec, [{"Subject": "Call"}, {"Subject": "Email", "Colour": "blue"}])


def test_labels_streamed_to_csv_match_the_labels_written_at_once(tmp_path: Path) -> None:
    org = generate_org(accounts=12, seed=3, as_of=AS_OF)
    write_labels(org.labels, tmp_path / "whole.csv")
    with labels_csv(tmp_path / "streamed.csv") as write:
        generate_into(OrgStore.create(standard_objects()), 12, 3, as_of=AS_OF, labels=write)
    whole = (tmp_path / "whole.csv").read_text(encoding="utf-8")
    assert (tmp_path / "streamed.csv").read_text(encoding="utf-8") == whole
    assert len(list(csv.DictReader(whole.splitlines()))) == 12


QUERIES = (
    "SELECT COUNT() FROM Task",
    "SELECT Id, Name, Industry, AnnualRevenue, Relationship_Perceived_Type__c FROM Account "
    "ORDER BY Name, Id",
    "SELECT Id, Subject, ActivityDate, WhoId, Status FROM Task WHERE IsClosed = false "
    "ORDER BY ActivityDate DESC, Id",
    "SELECT Id, Amount, StageName, CloseDate FROM Opportunity "
    "WHERE Amount > 10000 AND CloseDate = LAST_N_DAYS:365 ORDER BY Amount DESC, Id LIMIT 25",
    "SELECT Id, Incoming, MessageDate, RelatedToId FROM EmailMessage "
    "WHERE MessageDate >= 2025-06-01T00:00:00Z ORDER BY MessageDate, Id",
    "SELECT Id, Score__c, Responded_At__c FROM Survey_Response__c WHERE Score__c < 7 ORDER BY Id",
)


def _answers(store: OrgStore) -> list[tuple[int, list[dict]]]:
    answers = []
    for soql in QUERIES:
        result = store.query(soql, today=TODAY)
        answers.append((result.total_size, result.records()))
    return answers


def _change(store: OrgStore) -> None:
    """The same edits on either store: an update, deletes, a new record."""
    tasks = store.query("SELECT Id FROM Task ORDER BY Id LIMIT 30").records()
    errors = store.update_many(
        [("Task", t["Id"], {"Status": "In Progress", "Subject": "Chased"}) for t in tasks[:20]]
    )
    assert errors == [None] * 20
    assert store.delete_many("Task", [t["Id"] for t in tasks[20:]]) == [None] * 10
    store.create_record("Account", {"Name": "Zeta Newcomer", "Industry": "Banking"})


def test_a_file_backed_store_answers_as_the_in_memory_one(tmp_path: Path, state_dir: Path) -> None:
    memory = OrgStore.create(standard_objects())
    generate_into(memory, 30, 8, as_of=AS_OF)
    path = tmp_path / "org.duckdb"
    on_disk = OrgStore.create(standard_objects(), path, memory_limit="64MB")
    generate_into(on_disk, 30, 8, as_of=AS_OF, batch_accounts=4)
    before = _answers(memory)
    # Hundreds of Tasks, and every query finds something: no empty comparison.
    assert before[0][0] > 500 and all(rows for _, rows in before[1:])
    assert _answers(on_disk) == before
    on_disk.set_memory_limit("256MB")  # as the benchmark raises it to serve
    with on_disk._cursor() as cursor:
        assert cursor.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "244.1 MiB"
    for store in (memory, on_disk):
        _change(store)
    after = _answers(memory)
    assert after != before
    assert _answers(on_disk) == after
    on_disk.close()
    reopened = OrgStore.open(path, memory_limit="64MB")
    assert _answers(reopened) == after
    # Served over the API, the file-backed org gives what the store gives.
    with LocalOrg.start(reopened, state_dir=state_dir) as org:
        served = client(org).query_all(QUERIES[2])
    assert served["totalSize"] == after[2][0]
    assert [r["Id"] for r in served["records"]] == [r["Id"] for r in after[2][1]]
