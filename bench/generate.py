"""Benchmark: generating an org into a local org's store, and whether its memory stays flat.

Each size runs in a child process of its own (peak RSS is a process's
lifetime peak), which streams the generator into a store batch by batch
(``local_org.generator.seeding.generate_into``): by default a DuckDB file in
a temporary folder with a DuckDB memory limit, as ``make bench`` serves it;
``--store memory`` for the in-memory store. Recorded per size: wall time,
CPU time (user + system, all threads: DuckDB inserts on its own threads),
peak RSS, and the resident size after every batch, so that flat memory is
seen, not assumed; then the rates per account.

    .venv/bin/python -m bench.generate --accounts 1000 5000 20000

L (200,000 accounts) is not run here: its time is extrapolated from the
largest size's CPU time per account, and said to be an extrapolation.
Writes bench/results/generate.json (gitignored) and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RESULTS = Path(__file__).resolve().parent / "results" / "generate.json"
L_ACCOUNTS = 200_000
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return round(int(statm.read().split()[1]) * _PAGE_BYTES / 2**20, 1)


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def generate(accounts: int, seed: int, store_kind: str, memory_limit: str | None) -> dict:
    """Child process: one org generated into a store, measured."""
    from local_org.generator.seeding import generate_into
    from local_org.schema import standard_objects
    from local_org.store import OrgStore

    started_rss = _rss_mb()
    with tempfile.TemporaryDirectory(prefix="rapport-generate-") as tmp:
        path = Path(tmp) / "org.duckdb" if store_kind == "file" else None
        wall, cpu = time.perf_counter(), _cpu_s()
        store = OrgStore.create(standard_objects(), path, memory_limit=memory_limit)
        done = 0
        rss_by_accounts: list[tuple[int, float]] = []

        def after_batch(labels: list[dict]) -> None:
            nonlocal done
            done += len(labels)
            rss_by_accounts.append((done, _rss_mb()))

        counts = generate_into(store, accounts, seed, labels=after_batch)
        store.close()
        figures = {
            "wall_s": round(time.perf_counter() - wall, 2),
            "cpu_s": round(_cpu_s() - cpu, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "file_mb": round(path.stat().st_size / 2**20, 1) if path else None,
        }
    records = sum(counts.values())
    return {
        "accounts": accounts,
        "store": store_kind,
        "memory_limit": memory_limit,
        **figures,
        "rss_after_imports_mb": started_rss,
        "rss_by_accounts": rss_by_accounts,
        "records": records,
        "records_per_object": counts,
        "contacts_per_account": round(counts.get("Contact", 0) / max(accounts, 1), 2),
        "activities_per_account": round(
            sum(counts.get(o, 0) for o in ("Task", "Event", "EmailMessage")) / max(accounts, 1), 2
        ),
        "cpu_ms_per_account": round(1000 * figures["cpu_s"] / max(accounts, 1), 2),
        "wall_ms_per_account": round(1000 * figures["wall_s"] / max(accounts, 1), 2),
    }


def _in_child(accounts: int, seed: int, store_kind: str, memory_limit: str | None) -> dict:
    command = [sys.executable, __file__, "--child", "--accounts", str(accounts)]
    command += ["--seed", str(seed), "--store", store_kind]
    if memory_limit:
        command += ["--memory-limit", memory_limit]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(runs: list[dict]) -> dict:
    """Flatness (resident size half-way through each run against its end) and L's
    figures extrapolated from the largest run's rates."""
    largest = max(runs, key=lambda r: r["accounts"])
    flat = {}
    for run in runs:
        sizes = [rss for _, rss in run["rss_by_accounts"]]
        middle, end = sizes[len(sizes) // 2], sizes[-1]
        flat[run["accounts"]] = {
            "after_first_batch_mb": sizes[0],
            "half_way_mb": middle,
            "end_mb": end,
            "growth_second_half_mb": round(end - middle, 1),
            "max_mb": max(sizes),
        }
    return {
        "rss": flat,
        "l_extrapolated": {
            "note": f"extrapolated from {largest['accounts']:,} accounts, not measured",
            "accounts": L_ACCOUNTS,
            "cpu_min": round(largest["cpu_ms_per_account"] * L_ACCOUNTS / 60_000, 1),
            "wall_min_at_this_load": round(largest["wall_ms_per_account"] * L_ACCOUNTS / 60_000, 1),
            "contacts": round(largest["contacts_per_account"] * L_ACCOUNTS),
            "activity_rows": round(largest["activities_per_account"] * L_ACCOUNTS),
        },
    }


def markdown(result: dict) -> str:
    lines = [
        f"Load average {result['load_average_at_start']} at start, "
        f"{result['load_average_at_end']} at end; {result['cpus']} CPUs.",
        "",
        "| accounts | records | store | wall s | CPU s | CPU ms/account | peak RSS MB "
        "| RSS after 1st batch → half-way → end MB | file MB |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in result["runs"]:
        rss = result["summary"]["rss"][run["accounts"]]
        store = run["store"] + (f" ({run['memory_limit']})" if run["memory_limit"] else "")
        lines.append(
            f"| {run['accounts']:,} | {run['records']:,} | {store} | {run['wall_s']} "
            f"| {run['cpu_s']} | {run['cpu_ms_per_account']} | {run['peak_rss_mb']} "
            f"| {rss['after_first_batch_mb']} → {rss['half_way_mb']} → {rss['end_mb']} "
            f"| {run['file_mb'] or ''} |"
        )
    l_figures = result["summary"]["l_extrapolated"]
    lines += [
        "",
        f"L ({l_figures['accounts']:,} accounts), {l_figures['note']}: "
        f"{l_figures['cpu_min']} min CPU, {l_figures['wall_min_at_this_load']} min wall at "
        f"this load; about {l_figures['contacts']:,} contacts and "
        f"{l_figures['activity_rows']:,} activity rows (Task, Event, EmailMessage).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--store", choices=("file", "memory"), default="file")
    parser.add_argument(
        "--memory-limit", default="128MB", help="DuckDB's memory limit for the store"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    limit = args.memory_limit or None
    if args.child:
        print(json.dumps(generate(args.accounts[0], args.seed, args.store, limit)))
        return
    result: dict = {
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 1) for x in os.getloadavg()],
        "runs": [_in_child(n, args.seed, args.store, limit) for n in args.accounts],
    }
    result["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    result["summary"] = summary(result["runs"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(markdown(result))


if __name__ == "__main__":
    main()
