"""One run per warehouse: a second run stops with a clear message, or waits and proceeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport import run_lock as run_lock_module
from rapport.config import WarehouseSettings
from rapport.errors import RUN_LOCKED, RunLockedError
from rapport.run_lock import read_holder, run_lock, warehouse_identity

HOLD = """
import sys
from pathlib import Path
from rapport.config import WarehouseSettings
from rapport.run_lock import run_lock

warehouse = WarehouseSettings(path=Path(sys.argv[1]))
with run_lock(warehouse, Path(sys.argv[2]), "rapport run"):
    print("held", flush=True)
    sys.stdin.readline()
"""


class Holder:
    """Another run: a process holding the warehouse until told to let go (or killed)."""

    def __init__(self, warehouse: Path, state_dir: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(warehouse), str(state_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "held"

    def release(self) -> None:
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        self.process.wait(timeout=30)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A warehouse file and a state dir, configured through the environment as a user would."""
    warehouse, state_dir = tmp_path / "warehouse" / "rapport.duckdb", tmp_path / "state"
    monkeypatch.setenv("RAPPORT_CONFIG", str(tmp_path / "absent.yml"))
    monkeypatch.setenv("RAPPORT_WAREHOUSE__PATH", str(warehouse))
    monkeypatch.setenv("RAPPORT_STATE_DIR", str(state_dir))
    return warehouse, state_dir


@pytest.fixture
def holder(place):
    started: list[Holder] = []

    def start() -> Holder:
        started.append(Holder(*place))
        return started[-1]

    yield start
    for held in started:
        if held.process.poll() is None:
            held.kill()


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys, *args: str) -> tuple[int, str]:
    """``rapport <args>`` through the real entry point, in this process: (exit code, stderr)."""
    from rapport import cli

    monkeypatch.setattr(sys, "argv", ["rapport", *args])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    return exited.value.code, capsys.readouterr().err


def test_a_second_writeback_stops_at_once_naming_the_warehouse_and_the_holder(
    place, holder, monkeypatch, capsys
):
    first = holder()

    code, stderr = run_cli(monkeypatch, capsys, "writeback")

    assert code == RUN_LOCKED
    text = " ".join(stderr.split())
    assert "Another run is using the warehouse" in text
    assert str(place[0].resolve()) in stderr
    assert f"pid {first.process.pid}" in text
    assert "rapport run" in text
    assert "IOException" not in text


@pytest.mark.parametrize("command", ["run", "extract", "transform", "validate", "writeback"])
def test_every_command_that_writes_the_warehouse_takes_the_lock(
    command, holder, monkeypatch, capsys
):
    holder()
    code, _ = run_cli(monkeypatch, capsys, command)
    assert code == RUN_LOCKED


def test_with_a_timeout_the_second_run_waits_and_proceeds(place, holder, monkeypatch):
    first = holder()
    monkeypatch.setenv("RAPPORT_RUN_LOCK_TIMEOUT_SECONDS", "120")
    waiting = threading.Event()
    sleep = run_lock_module.time.sleep

    def sleep_and_tell(seconds: float) -> None:
        waiting.set()  # only a run that found the lock taken sleeps
        sleep(seconds)

    monkeypatch.setattr(run_lock_module.time, "sleep", sleep_and_tell)
    releaser = threading.Thread(target=lambda: waiting.wait(60) and first.release())
    releaser.start()
    ran: list[dict] = []

    class Report:
        def to_markdown(self) -> str:
            return "written"

    def fake_writeback(**options):
        ran.append({"holder": read_holder(lock_path(place))})
        return Report()

    # The command imports its flow once it holds the lock: a stand-in records that moment.
    stand_in = types.ModuleType("flows.writeback")
    stand_in.writeback = fake_writeback
    monkeypatch.setitem(sys.modules, "flows.writeback", stand_in)
    from rapport.cli import app

    result = CliRunner().invoke(app, ["writeback"])
    releaser.join()

    assert result.exit_code == 0, result.output
    assert waiting.is_set()
    assert len(ran) == 1
    assert ran[0]["holder"].pid == os.getpid()


def lock_path(place: tuple[Path, Path]) -> Path:
    warehouse, state_dir = place
    identity = warehouse_identity(WarehouseSettings(path=warehouse))
    return run_lock_module.lock_file(state_dir, identity)


def test_a_killed_holder_leaves_no_stale_lock(place, holder):
    first = holder()
    warehouse, state_dir = place
    with pytest.raises(RunLockedError):
        run_lock(WarehouseSettings(path=warehouse), state_dir, "rapport run").__enter__()

    first.kill()

    with run_lock(WarehouseSettings(path=warehouse), state_dir, "rapport extract"):
        assert read_holder(lock_path(place)).command == "rapport extract"


def test_the_lock_is_reentrant_within_a_process_and_released_after(place):
    warehouse, state_dir = place
    settings = WarehouseSettings(path=warehouse)
    with run_lock(settings, state_dir, "rapport run"), run_lock(settings, state_dir, "flow"):
        assert read_holder(lock_path(place)).command == "rapport run"
    probe = subprocess.run(
        [sys.executable, "-c", HOLD, str(warehouse), str(state_dir)],
        input="\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0 and probe.stdout.strip() == "held"


def test_warehouses_are_told_apart_by_identity(tmp_path):
    same = WarehouseSettings(path=tmp_path / "a.duckdb")
    relative = WarehouseSettings(path=Path(os.path.relpath(tmp_path / "a.duckdb")))
    other = WarehouseSettings(path=tmp_path / "b.duckdb")
    pg = WarehouseSettings(type="postgres", host="db", port=5433, database="crm")
    assert warehouse_identity(same) == warehouse_identity(relative)
    assert warehouse_identity(same) != warehouse_identity(other)
    assert warehouse_identity(pg) == "postgres://db:5433/crm"
    with run_lock(same, tmp_path, "a"), run_lock(other, tmp_path, "b"):
        pass  # two warehouses, two locks: neither blocks the other
