"""Benchmark: a large Task extraction through Bulk API 2.0, with its peak memory.

The local org runs in a child process, so its memory (the whole Task table and
the job's snapshot) is not counted against the extraction; it is reported
separately. The extraction runs in this process through the real path:
``open_client`` + ``load_salesforce`` (COUNT() picks Bulk API 2.0, result pages
streamed through pyarrow's CSV reader into dlt, merged into DuckDB).

Memory: ``peak_rss_mb`` is this process's lifetime peak (``ru_maxrss``, which
includes Python, dlt, DuckDB and pyarrow); a sampler thread also reads the
resident size every 20 ms so the peak can be told apart per dlt step
(extract, normalize, load). Target: peak RSS under 1 GB for 2M rows.

The extract step is bounded by the connector (two pages on disk, the one read
and the next downloading; one CSV block in memory). The load step is DuckDB
merging into the warehouse; the merge skips dlt's stage deduplication (a
window over every row, which needed ~1.4 GB at 2M rows), since each run
delivers an Id once. DuckDB's buffer pool is held to Rapport's default
(``warehouse.duckdb_memory_limit``, a quarter of the machine, at most 2 GiB);
``--duckdb-memory-limit 512MB`` sets another, ``18.8GiB`` DuckDB's own default
on this machine (80% of it).

    .venv/bin/python bench/extract_bulk.py --rows 2000000

``--vs-wire`` instead times the extraction against a plain download of the
same pages (bench/wire.py); ``--latency-ms`` makes the org take that long to
answer each call, as a real org does before a results page starts:

    .venv/bin/python bench/extract_bulk.py --vs-wire --rows 300000 --latency-ms 500
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

from bench.org_process import serve_in_child
from bench.process_memory import RssSampler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_PEAK_RSS_MB = 1024


def serve(rows: int, seed: int, state_dir: Path, latency_ms: float = 0.0) -> None:
    """Child process: an org holding ``rows`` Tasks; prints its sign-in info, then serves.

    ``latency_ms`` delays every answer, as a real org takes a while to start
    sending a results page; on localhost the org otherwise answers at once.
    """
    from bench.local_org_bulk import task_table
    from local_org.faults import FaultConfig
    from local_org.schema import standard_objects
    from local_org.server import serve_forever
    from local_org.store import OrgStore

    store = OrgStore.create(standard_objects())
    store.insert("Task", task_table(rows, seed))
    faults = FaultConfig(latency_ms=latency_ms) if latency_ms else None
    serve_forever(store, state_dir=state_dir, faults=faults)


def start_org(
    rows: int, seed: int, workdir: Path, latency_ms: float = 0.0
) -> tuple[subprocess.Popen, dict]:
    return serve_in_child(
        __file__,
        *("--rows", str(rows), "--seed", str(seed), "--latency-ms", str(latency_ms)),
        *("--state-dir", str(workdir / "local-org")),
    )


def vs_wire(rows: int, seed: int, latency_ms: float) -> dict:
    """Extraction ÷ the wire (bench/wire.py) for these Tasks, after one warm-up round."""
    from bench.wire import compare

    with tempfile.TemporaryDirectory(prefix="rapport-bench-") as tmp:
        workdir = Path(tmp)
        os.environ["RAPPORT_CONFIG"] = str(workdir / "absent.yml")
        org, info = start_org(rows, seed, workdir, latency_ms)
        try:
            settings = settings_for(info, workdir)
            compare(settings, workdir, "Task", repeats=1)  # imports, dlt's first pipeline
            return {"latency_ms": latency_ms, **compare(settings, workdir, "Task")}
        finally:
            org.terminate()
            org.wait(timeout=30)


def settings_for(info: dict, workdir: Path, duckdb_memory_limit: str | None = None):
    from rapport.config import SalesforceSettings, Settings, WarehouseSettings

    return Settings(
        salesforce=SalesforceSettings(
            auth="password",
            username=info["username"],
            password=info["password"],
            security_token=info["security_token"],
            local_org_url=info["instance_url"],
            ca_cert=Path(info["ca_cert"]),
        ),
        warehouse=WarehouseSettings(
            path=workdir / "warehouse" / "rapport.duckdb", duckdb_memory_limit=duckdb_memory_limit
        ),
        state_dir=workdir / "state",
    )


def run(rows: int, seed: int, duckdb_memory_limit: str | None) -> dict:
    import duckdb

    from connectors.salesforce.extract.load import load_salesforce, open_client, pipeline

    with tempfile.TemporaryDirectory(prefix="rapport-bench-") as tmp:
        workdir = Path(tmp)
        os.environ["RAPPORT_CONFIG"] = str(workdir / "absent.yml")
        org_started = time.perf_counter()
        org, info = start_org(rows, seed, workdir)
        org_seconds = time.perf_counter() - org_started
        try:
            settings = settings_for(info, workdir, duckdb_memory_limit)
            with RssSampler() as sampler:
                started = time.perf_counter()
                summary = load_salesforce(open_client(settings), settings, objects=["Task"])
                total_seconds = time.perf_counter() - started
            steps = {
                step.step: step
                for step in pipeline(settings).last_trace.steps
                if step.step in ("extract", "normalize", "load")
            }
            with duckdb.connect(str(settings.warehouse.path), read_only=True) as connection:
                loaded = connection.execute("select count(*) from salesforce.task").fetchone()[0]
        finally:
            org.terminate()
            org.wait(timeout=30)
    if loaded != rows:
        raise RuntimeError(f"loaded {loaded} Tasks, expected {rows}")

    def seconds(step: str) -> float:
        return (steps[step].finished_at - steps[step].started_at).total_seconds()

    def peak_mb(step: str) -> float:
        window = steps[step].started_at.timestamp(), steps[step].finished_at.timestamp()
        return round(sampler.peak_between(*window) / 2**20, 1)

    peak_rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return {
        "rows": rows,
        "duckdb_memory_limit": duckdb_memory_limit or "Rapport's default",
        "transport": summary.transports.get("Task"),
        "api_calls": summary.api_requests_used,
        "org_start_s": round(org_seconds, 1),
        "extract_s": round(seconds("extract"), 1),
        "normalize_s": round(seconds("normalize"), 1),
        "load_s": round(seconds("load"), 1),
        "total_s": round(total_seconds, 1),
        "extract_rows_per_s": round(rows / seconds("extract")),
        "rows_per_s": round(rows / total_seconds),
        "peak_rss_extract_mb": peak_mb("extract"),
        "peak_rss_normalize_mb": peak_mb("normalize"),
        "peak_rss_load_mb": peak_mb("load"),
        "peak_rss_mb": peak_rss_mb,
        "org_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "target_peak_rss_mb": TARGET_PEAK_RSS_MB,
        "meets_target": peak_rss_mb < TARGET_PEAK_RSS_MB,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duckdb-memory-limit", help="default: Rapport's (warehouse config)")
    parser.add_argument(
        "--vs-wire", action="store_true", help="time extraction against the wire (bench/wire.py)"
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="the org's delay per call")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--state-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.rows, args.seed, args.state_dir, args.latency_ms)
        return
    if args.vs_wire:
        print(json.dumps(vs_wire(args.rows, args.seed, args.latency_ms)))
        return
    result = run(args.rows, args.seed, args.duckdb_memory_limit)
    width = max(len(key) for key in result)
    print("Task extraction through Bulk API 2.0 (local org in a separate process)")
    for key, value in result.items():
        print(f"  {key:<{width}}  {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
