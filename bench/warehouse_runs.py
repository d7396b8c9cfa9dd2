"""``rapport run`` on each warehouse for the same generated org: wall time and peak memory.

    .venv/bin/python -m bench.warehouse_runs --accounts 60 --warehouse duckdb spark

The org is served by a child process (bench/run.py --serve), so its memory
is not counted. Each warehouse gets one ``rapport run --full-refresh
--dry-run`` in a child process of its own (a dry run writes nothing to the
CRM, so every warehouse sees the same org), and the peak resident memory of
that process and all its descendants (Spark's JVM is one) is sampled from
/proc: ``ru_maxrss`` would miss the JVM and overcount nothing it should.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.org_process import serve_in_child

_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
RUN_PY = Path(__file__).resolve().parent / "run.py"


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and every process descended from it."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    total = 0
    for pid in tree:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_BYTES
        except (OSError, IndexError):
            continue
    return total


def measured_run(env: dict[str, str], log: Path) -> dict:
    """One ``rapport run --full-refresh --dry-run``: seconds, peak tree RSS, exit code."""
    started = time.perf_counter()
    with log.open("w") as output:
        child = subprocess.Popen(
            [sys.executable, "-m", "rapport.cli", "run", "--full-refresh", "--dry-run"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        peak, done = 0, threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.1):
                peak = max(peak, tree_rss(child.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = child.wait()
        done.set()
        sampler.join()
    return {
        "wall_s": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(peak / 2**20),
        "exit_code": code,
        "log": str(log),
    }


def main() -> None:
    from local_org.server import LocalOrgInfo
    from rapport.demo import local_org_env

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=60)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--warehouse", nargs="+", default=["duckdb", "spark"])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rapport-warehouse-runs-"))
    org, info = serve_in_child(
        str(RUN_PY),
        *("--accounts", str(args.accounts), "--seed", str(args.seed)),
        *("--state-dir", str(work / "local-org"), "--stats", str(work / "generation.json")),
    )
    results = {}
    try:
        for kind in args.warehouse:
            home = work / kind
            env = os.environ | local_org_env(
                LocalOrgInfo(**info), home / "rapport.duckdb", home / "state"
            )
            env |= {
                "RAPPORT_CONFIG": str(work / "absent.yml"),
                "RAPPORT_WAREHOUSE__TYPE": kind,
                "RAPPORT_WAREHOUSE__SPARK__WAREHOUSE_DIR": str(home / "spark"),
                "RAPPORT_WAREHOUSE__SPARK__RAW_PATH": str(home / "raw"),
            }
            results[kind] = measured_run(env, work / f"{kind}.log")
            print(kind, json.dumps(results[kind]), flush=True)
    finally:
        org.terminate()
        org.wait()
    print(json.dumps({"accounts": args.accounts, "runs": results}, indent=2))


if __name__ == "__main__":
    main()
