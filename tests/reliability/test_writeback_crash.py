"""SIGKILL write-back at random points, run it again, and check nothing is lost or lied about.

Each trial: an org already holding an earlier version of the marts (and a
ledger that says so), new marts, a write-back killed at a seeded point (a
ledger transaction, an insert inside one, a composite batch, or a timer),
then a complete rerun. Afterwards the CRM must hold what an uninterrupted
run writes into an identical org, every record's last log row must be a
settled status, no record may have been written twice with different
values, and ``writeback_state`` must agree with the CRM.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from connectors.salesforce.writeback.rapport_fields import rapport_fields
from connectors.salesforce.writeback.state import ALREADY_IN_CRM, CONFLICT, SUCCESS
from local_org.server import LocalOrg
from rapport.config import WarehouseSettings, WritebackSettings
from tests.factories.writeback import (
    Marts,
    WritebackEnv,
    account_row,
    build_store,
    client,
    contact_row,
)
from tests.reliability.crash import Kill, Tally, choose, run_and_kill

pytestmark = pytest.mark.slow

ACCOUNTS, CONTACTS, BATCH = 24, 8, 4
SEEDS = [11, 23, 37, 41, 53, 67, 79, 97, 101, 113, 127, 131, 137, 149, 151, 163, 173, 181, 191, 199]
HOOKS = [
    "connectors.salesforce.writeback.state:WritebackLedger.record",
    "rapport.warehouse.duckdb_sql:DuckDbSql._write",
    "connectors.salesforce.writeback.send:_send_composite_batch",
]
SETTLED = {SUCCESS, ALREADY_IN_CRM, CONFLICT}
# Stamped with each run's time on every write: never equal across runs by design.
STAMPS = {f.name for f in rapport_fields() if f.name.endswith("Updated_At__c")}
FIELDS = {
    obj: sorted(f.name for f in rapport_fields() if f.object_name == obj and f.name not in STAMPS)
    for obj in ("Account", "Contact")
}


def options(bulk: bool) -> WritebackSettings:
    return WritebackSettings(batch_size=BATCH, bulk_threshold_records=1 if bulk else 10_000)


def writeback_child(instance_url: str, token: str, ca_cert: str, path: str, bulk: bool) -> None:
    """The child's whole job: one write-back of the marts at ``path``."""
    from simple_salesforce import Salesforce

    from connectors.salesforce.api.local_routing import local_org_session
    from connectors.salesforce.writeback.sync import sync_writeback

    sf = Salesforce(
        instance_url=instance_url,
        session_id=token,
        session=local_org_session(instance_url, ca_cert),
    )
    sync_writeback(sf, warehouse=WarehouseSettings(path=Path(path)), options=options(bulk))


def crm_values(org: LocalOrg) -> dict[tuple[str, str], dict[str, Any]]:
    values = {}
    for obj, count, make in (
        ("Account", ACCOUNTS, account_row),
        ("Contact", CONTACTS, contact_row),
    ):
        key = "account_id" if obj == "Account" else "contact_id"
        for n in range(count):
            record_id = make(n)[key]
            record = org.store.get(obj, record_id)
            values[(obj, record_id)] = {name: record[name] for name in FIELDS[obj]}
    return values


@pytest.fixture
def start_env(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tls = tmp_path_factory.getbasetemp() / "crash-tls"
    tls.mkdir(exist_ok=True)
    started: list[LocalOrg] = []

    def start(name: str, version: int) -> WritebackEnv:
        org = LocalOrg.start(build_store(ACCOUNTS, CONTACTS), state_dir=tls)
        started.append(org)
        marts = Marts(
            tmp_path / f"{name}.duckdb",
            [account_row(n, version) for n in range(ACCOUNTS)],
            [contact_row(n, version) for n in range(CONTACTS)],
        )
        marts.write()
        return WritebackEnv(org, client(org), marts, WarehouseSettings(path=marts.path))

    yield start
    for org in started:
        org.stop()


def new_version(env: WritebackEnv) -> None:
    env.marts.accounts = [account_row(n, 1) for n in range(ACCOUNTS)]
    env.marts.contacts = [contact_row(n, 1) for n in range(CONTACTS)]
    env.marts.write()


def record_writes(org: LocalOrg) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Every update the org applies from now on, by record, Rapport's stamps left out."""
    writes: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    original = org.store.update_many

    def recording(updates, **kwargs):
        for obj, record_id, values in updates:
            writes[(obj, record_id)].append({k: v for k, v in values.items() if k not in STAMPS})
        return original(updates, **kwargs)

    org.store.update_many = recording  # type: ignore[method-assign]
    return writes


def problems(
    env: WritebackEnv, expected: dict, writes: dict, earlier_runs: frozenset[str] = frozenset()
) -> list[str]:
    """What is wrong after the rerun; empty when write-back survived the crash.

    ``earlier_runs``: runs before ``writes`` were recorded, whose log rows
    cannot account for them.
    """
    found = []
    crm = crm_values(env.org)
    found += [f"CRM {key} is {crm[key]}, expected {want}" for key, want in expected.items()
              if crm[key] != want]  # fmt: skip
    last: dict[tuple[str, str], str] = {}
    for row in env.ledger_rows():  # ordered by logged_at
        last[(row["object"], row["record_id"])] = row["status"]
    found += [f"{key} never logged" for key in expected if key not in last]
    found += [
        f"{key} last logged {status}" for key, status in last.items() if status not in SETTLED
    ]
    # Every write the CRM received is in the log: sent and confirmed, or found
    # already in the CRM by the rerun (sent by the killed run before it logged).
    in_crm = {
        (row["object"], row["record_id"])
        for row in env.ledger_rows()
        if row["status"] in (SUCCESS, ALREADY_IN_CRM) and row["run_id"] not in earlier_runs
    }
    found += [
        f"{key} written to the CRM, never logged as in it" for key in writes if key not in in_crm
    ]
    for key, sent in writes.items():
        distinct = {repr(sorted(v.items())) for v in sent}
        if len(distinct) > 1:
            found.append(f"{key} written with different values: {sent}")
    for obj in FIELDS:
        for record_id, fields in env.last_pushed(obj).items():
            for name, value in fields.items():
                if name in STAMPS:
                    continue
                actual = crm[(obj, record_id)][name]
                if not _same(value, actual):
                    found.append(f"ledger says {obj} {record_id}.{name}={value!r}, CRM {actual!r}")
    return found


def _same(ledger: Any, crm: Any) -> bool:
    if isinstance(ledger, int | float) and isinstance(crm, int | float):
        return abs(ledger - crm) < 1e-9
    return ledger == crm


@pytest.fixture(scope="module")
def survived() -> Iterator[Tally]:
    tally = Tally("write-back")
    yield tally
    print(f"\n{tally.line()}; {tally.needed_repair} left the CRM behind the marts until the rerun")


_REFERENCE: dict[bool, tuple[dict, float]] = {}  # per transport: what an uninterrupted
# run leaves, and how long the write of the new version took (timed kills fall within it)


def reference_values(start_env: Any, bulk: bool) -> tuple[dict, float]:
    if bulk not in _REFERENCE:
        reference = start_env(f"reference-{bulk}", 0)
        reference.sync(options=options(bulk))
        new_version(reference)
        began = time.monotonic()
        reference.sync(options=options(bulk))
        _REFERENCE[bulk] = (crm_values(reference.org), time.monotonic() - began)
    return _REFERENCE[bulk]


# Fifteen composite trials (batches of four: kills land between batches) and
# five Bulk ones (a job is one batch, so fewer points to hit).
CASES = [(seed, False) for seed in SEEDS[:15]] + [(seed, True) for seed in SEEDS[15:]]


@pytest.mark.parametrize(("seed", "bulk"), CASES)
def test_writeback_survives_sigkill(start_env, tmp_path, seed, bulk, survived):
    expected, seconds = reference_values(start_env, bulk)

    env = start_env("crashed", 0)
    env.sync(options=options(bulk))
    new_version(env)
    writes = record_writes(env.org)
    earlier_runs = frozenset(row["run_id"] for row in env.ledger_rows())
    hooks = HOOKS[:2] if bulk else HOOKS
    kill = choose(seed, hooks, max_call=5, max_delay=seconds)
    info = env.org.info
    args = (info.instance_url, info.access_token, str(info.ca_cert), str(env.marts.path), bulk)
    outcome = run_and_kill(writeback_child, args, kill, tmp_path, timeout=120)

    with duckdb.connect(str(env.marts.path)):  # the killed child's file reopens
        pass
    stale = sum(1 for key, want in expected.items() if crm_values(env.org)[key] != want)
    env.sync(options=options(bulk))  # the rerun

    found = problems(env, expected, writes, earlier_runs)
    survived.run += 1
    survived.killed += outcome.killed
    survived.needed_repair += bool(stale)
    assert not found, f"seed {seed} ({kill.describe()}): " + "; ".join(found[:5])
    survived.survived += 1


def test_the_checks_catch_a_corrupted_outcome(start_env):
    """A CRM value changed behind the ledger's back, and a half-done run, are both reported."""
    env = start_env("checked", 0)
    writes = record_writes(env.org)
    env.sync(options=options(False))
    expected = crm_values(env.org)
    assert problems(env, expected, writes) == []

    account = account_row(0)["account_id"]
    env.org.store.update("Account", account, {FIELDS["Account"][0]: None})
    found = problems(env, expected, writes)
    assert any("CRM ('Account'" in p for p in found)
    assert any("ledger says Account" in p for p in found)
    assert any("different values" in p for p in found)
    writes[("Account", account_row(1)["account_id"])] = [{}]
    runs = frozenset(row["run_id"] for row in env.ledger_rows())
    assert any("never logged as in it" in p for p in problems(env, expected, writes, runs))


def test_a_kill_is_not_a_silent_success(start_env, tmp_path):
    """Killed after the first batch, the marts are not yet in the CRM: the rerun repairs it."""
    env = start_env("half", 0)
    info = env.org.info
    kill = Kill(hook=HOOKS[2], call=2, when="before")
    args = (info.instance_url, info.access_token, str(info.ca_cert), str(env.marts.path), False)
    assert run_and_kill(writeback_child, args, kill, tmp_path, timeout=120).killed
    # Only the first batch was confirmed; the ledger claims nothing more.
    assert [row["status"] for row in env.ledger_rows()].count(SUCCESS) == BATCH
    before = crm_values(env.org)
    env.sync(options=options(False))
    after = crm_values(env.org)
    assert before != after
    assert problems(env, after, {}) == []
