"""SIGKILL the extraction at random points, run it again, and check the raw tables equal the org.

Twenty trials from a fixed seed list. Each trial: a small org; for half of
them a complete extraction first and then changes in the org, so the killed
run is an incremental one; an extraction in a child process killed at a
seeded point (a REST page or Bulk page read, a dlt step, a SQL statement of
the load, or a timer within the measured run time); for half of them more
updates, deletes, an undelete and new records in the org before the rerun;
then one complete rerun. Afterwards every raw table must hold exactly the
org's Ids with the org's values, deleted records marked deleted (and stamped
when they were seen deleted), and no Id twice.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from connectors.salesforce.api.ids import make_id
from local_org.server import LocalOrg
from local_org.store import OrgStore
from rapport.config import Settings
from tests.factories import account_id
from tests.factories.connector import Extraction, changed, connector_store, settings_for
from tests.reliability.crash import Kill, Tally, choose_point, run_and_kill

pytestmark = pytest.mark.slow

SEEDS = [3, 8, 14, 19, 26, 31, 38, 44, 50, 57, 62, 69, 73, 81, 86, 90, 95, 102, 108, 113]
OBJECTS = ["User", "Account", "Contact", "Opportunity", "Survey_Response__c"]
# 450 accounts: three REST pages of 200 (the smallest page Salesforce serves),
# and several Bulk pages of 100, so kills land between pages of one object.
ACCOUNTS = 450
REST = {"bulk_threshold_rows": 1_000_000, "rest_batch_size": 200}
BULK = {"bulk_threshold_rows": 0, "bulk_page_rows": 100}
# Kill points and how many calls every run makes (counted: an incremental run makes
# fewer than a first one, and a call past the last would never be reached).
HOOKS = {
    "rest": {"connectors.salesforce.extract.source:records_to_arrow": 5},
    "bulk": {"connectors.salesforce.extract.bulk:BulkQuery.download_page": 5},
    "dlt": {
        "dlt.pipeline.pipeline:Pipeline.extract": 1,
        "dlt.pipeline.pipeline:Pipeline.normalize": 1,
        "dlt.pipeline.pipeline:Pipeline.load": 1,
        "dlt.destinations.impl.duckdb.sql_client:DuckDbSqlClient.execute_sql": 16,
    },
}


def extract_child(settings: Settings) -> None:
    """The child's whole job: one extraction of ``OBJECTS``."""
    from connectors.salesforce.extract.load import load_salesforce, open_client

    load_salesforce(open_client(settings), settings, objects=OBJECTS)


def change_org(store: OrgStore, rng: random.Random, tag: str) -> None:
    """Updates, deletes, an undelete and new records, as users make them between two runs."""
    live = [account_id(n) for n in rng.sample(range(1, ACCOUNTS + 1), 12)]
    for record_id in live[:8]:
        if store.get("Account", record_id) is not None:
            store.update("Account", record_id, {"Name": f"Renamed {tag}", "Industry": "Energy"})
    for record_id in live[8:10]:
        if store.get("Account", record_id) is not None:
            store.delete("Account", record_id)
    for n in rng.sample(range(1, 31), 4):
        record_id = make_id("006", n)
        if store.get("Opportunity", record_id) is not None:
            store.update("Opportunity", record_id, {"Amount": rng.randint(1, 10**6) / 100})
    for n in rng.sample(range(1, 41), 2):
        record_id = make_id("003", n)
        if store.get("Contact", record_id) is not None:
            store.delete("Contact", record_id)
    gone = account_id(ACCOUNTS + 1)  # deleted before the first run
    if store.get("Account", gone) is None:
        store.undelete("Account", gone)
    store.create_record(
        "Opportunity",
        {"Name": f"New deal {tag}", "StageName": "Prospecting", "CloseDate": "2026-12-31"},
    )


def assert_deletes_marked(run: Extraction) -> None:
    """A row is stamped as seen deleted exactly when it is marked deleted."""
    for object_name in OBJECTS:
        for row in run.raw_rows(object_name):
            if "is_deleted" in row:
                seen = row.get("_rapport_deleted_seen_at") is not None
                assert seen == bool(row["is_deleted"]), f"{object_name} {row['id']}: {row}"


@pytest.fixture(scope="module")
def tally() -> Iterator[Tally]:
    found = Tally("extraction")
    yield found
    print(f"\n{found.line()}")


@pytest.fixture
def start(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[], Extraction]]:
    tls = tmp_path_factory.getbasetemp() / "crash-tls"
    tls.mkdir(exist_ok=True)
    monkeypatch.setenv("RAPPORT_CONFIG", str(tls / "absent.yml"))
    started: list[LocalOrg] = []

    def make() -> Extraction:
        org = LocalOrg.start(connector_store(ACCOUNTS), state_dir=tls)
        started.append(org)
        return Extraction(org, settings_for(org, tmp_path))

    yield make
    for org in started:
        org.stop()


_RUN_SECONDS: list[float] = []


def run_seconds(start: Callable[[], Extraction]) -> float:
    """How long a whole extraction takes here, once warm: timed kills are drawn within it."""
    if not _RUN_SECONDS:
        run = start()
        run.run(objects=OBJECTS)  # the first in this process also pays for warming up
        began = time.monotonic()
        run.run(objects=OBJECTS, full_refresh=True)
        _RUN_SECONDS.append(time.monotonic() - began)
    return _RUN_SECONDS[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_extraction_survives_sigkill(start, tmp_path, seed, tally):
    rng = random.Random(-seed)  # the story's own draws, apart from the kill point's
    transport = "bulk" if seed % 2 else "rest"
    incremental, change_after = rng.random() < 0.5, rng.random() < 0.5
    # The child's start signal comes once it is forked, its imports done: the
    # timer covers the run itself.
    kill = choose_point(seed, HOOKS[transport] | HOOKS["dlt"], run_seconds(start))
    run = start()
    run.settings = run.settings.model_copy(
        update={"extract": changed(run.settings.extract, **(REST if transport == "rest" else BULK))}
    )
    if incremental:
        run.run(objects=OBJECTS)
        change_org(run.org.store, rng, "before")

    outcome = run_and_kill(extract_child, (run.settings,), kill, tmp_path, timeout=120)
    if change_after:
        change_org(run.org.store, rng, "after")
    summary = run.run(objects=OBJECTS)  # the rerun

    tally.run += 1
    tally.killed += outcome.killed
    story = (
        f"seed {seed}: {transport}, {'incremental' if incremental else 'first'} run killed "
        f"{kill.describe()}{', org changed before the rerun' if change_after else ''}"
    )
    assert summary.complete, story
    for object_name in OBJECTS:
        try:
            run.assert_raw_equals_org(object_name)
        except AssertionError as error:
            raise AssertionError(f"{story}: {error}") from None
    assert_deletes_marked(run)
    tally.survived += 1


@pytest.mark.parametrize("step", ["normalize", "load"])
def test_a_rerun_after_a_kill_between_dlt_steps_also_reads_the_new_changes(start, tmp_path, step):
    """Killed after extracting but before loading, a run leaves a package pending.

    dlt's ``run`` then only loads that package and returns without extracting,
    so the rerun must not stop there: changes made in between must arrive too.
    """
    run = start()
    run.run(objects=OBJECTS)
    kill = Kill(hook=f"dlt.pipeline.pipeline:Pipeline.{step}", call=1, when="before")
    assert run_and_kill(extract_child, (run.settings,), kill, tmp_path, timeout=120).killed
    change_org(run.org.store, random.Random(7), "after")

    run.run(objects=OBJECTS)

    for object_name in OBJECTS:
        run.assert_raw_equals_org(object_name)
    assert_deletes_marked(run)


@pytest.mark.parametrize(
    "hook",
    # The normalized package committed, its extracted copy not yet removed:
    # dlt then failed every later run with "Directory not empty".
    ["dlt.common.storages.load_storage:LoadStorage.commit_new_load_package"],
    ids=["normalized-extracted-copy-left"],
)
def test_a_rerun_recovers_a_package_caught_between_two_of_dlts_commits(start, tmp_path, hook):
    run = start()
    run.run(objects=OBJECTS)
    change_org(run.org.store, random.Random(11), "before")
    kill = Kill(hook=hook, call=1, when="after")
    assert run_and_kill(extract_child, (run.settings,), kill, tmp_path, timeout=120).killed

    run.run(objects=OBJECTS)

    for object_name in OBJECTS:
        run.assert_raw_equals_org(object_name)
