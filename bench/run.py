"""``make bench SIZE=S|M|L``: the whole pipeline on a generated org, stage by stage.

The org is generated in a child process (its generation time and peak RSS
are reported apart, and its memory is not counted against the pipeline),
then three passes run in this process against it, each stage measured for
wall time, CPU time, peak RSS and HTTP requests (bench/measure.py):

(a) full: a full refresh, extraction split into the Bulk objects and the REST
    ones so records/s is per transport;
(b) incremental after about 1% of the records changed (updates, deletes,
    late-arriving activities: bench/org_changes.py);
(c) incremental after nothing changed.

Before dbt, each pass fingerprints what the build reads, as the flow does
(rapport/build_fingerprint.py): the incremental passes skip dbt and the gates
when it matches the last build whose gates passed.

Side by side, measured in the same run: dbt build ÷ its own SQL as one DuckDB
script (bench/hand_sql.py), Bulk extraction ÷ streaming the same result pages
with requests (bench/wire.py), write-back calls ÷ the fewest the limits allow.
Stages run as plain functions, not Prefect flows: Prefect's own cost is what
``rapport demo`` measures. Writes bench/results/<size>.json and .md (gitignored).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.measure import Recorder, recording
from bench.org_process import serve_in_child
from bench.report import markdown

SIZES = {"S": 1_000, "M": 20_000, "L": 200_000}
RESULTS_DIR = Path(__file__).resolve().parent / "results"
# Composite sObject collections take 200 records a call; a Bulk ingest job
# needs at least create, upload, close and one poll: when the job says every
# record was processed and none failed, no result file is needed. (A
# multipart create that carries the data takes at most 100,000 characters.)
COMPOSITE_RECORDS_PER_CALL = 200
BULK_INGEST_MIN_CALLS = 4
INGEST_JOB_PATH = re.compile(r"/jobs/ingest/[^/?]+$")


# DuckDB's memory limits in the org's process. Its store is a file in the work
# dir: appending stays flat under a small limit while L is generated
# (bench/generate.py); serving (sorts, Bulk snapshots) gets a larger one.
GENERATE_MEMORY_LIMIT = "128MB"
SERVE_MEMORY_LIMIT = "1GB"


def serve(accounts: int, seed: int, state_dir: Path, stats: Path) -> None:
    """Child process: stream the org into a store file, note what that cost, then serve it."""
    from local_org.generator.seeding import generate_into
    from local_org.schema import standard_objects
    from local_org.server import serve_forever
    from local_org.store import OrgStore

    started, cpu = time.perf_counter(), time.process_time()
    path = state_dir.parent / "org.duckdb"
    store = OrgStore.create(standard_objects(), path, memory_limit=GENERATE_MEMORY_LIMIT)
    generate_into(store, accounts, seed)
    store.set_memory_limit(SERVE_MEMORY_LIMIT)
    stats.write_text(
        json.dumps(
            {
                "wall_s": round(time.perf_counter() - started, 2),
                "cpu_s": round(time.process_time() - cpu, 2),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "store": f"DuckDB file, memory_limit {GENERATE_MEMORY_LIMIT}",
                "store_mb": round(path.stat().st_size / 2**20, 1),
            }
        )
    )
    serve_forever(store, state_dir=state_dir)


def start_org(accounts: int, seed: int, workdir: Path) -> tuple[subprocess.Popen, dict, dict]:
    stats = workdir / "generation.json"
    org, info = serve_in_child(
        __file__,
        *("--accounts", str(accounts), "--seed", str(seed)),
        *("--state-dir", str(workdir / "local-org"), "--stats", str(stats)),
    )
    return org, info, json.loads(stats.read_text())


def object_counts(sf, settings) -> dict[str, int]:
    from connectors.salesforce.extract.catalog import configured_objects

    extract = settings.extract
    counts = {}
    for obj in configured_objects(extract.objects, extract.add_objects, extract.drop_objects):
        try:
            counts[obj.name] = sf.query(f"SELECT COUNT() FROM {obj.source_name or obj.name}")[
                "totalSize"
            ]
        except Exception:  # absent from this org: the connector skips it too
            continue
    return counts


def _dlt_steps(settings) -> dict[str, float]:
    from connectors.salesforce.extract.load import pipeline

    trace = pipeline(settings).last_trace
    return {
        step.step: round((step.finished_at - step.started_at).total_seconds(), 2)
        for step in (trace.steps if trace else [])
        if step.step in ("extract", "normalize", "load")
    }


def extract_stage(recorder: Recorder, settings, label: str, objects, full: bool):
    """One load_salesforce call as a stage; dlt's step times say extract from load."""
    from bench.wire import record_bulk_queries
    from connectors.salesforce.extract.load import load_salesforce, open_client

    client = open_client(settings)
    with record_bulk_queries() as queries, recorder.stage(label) as figures:
        summary = load_salesforce(client, settings, full_refresh=full, objects=objects)
    steps = _dlt_steps(settings)
    rows = sum(summary.rows_per_table.values())
    figures.extra = {
        "rows": rows,
        # Read again in the overlap window, held unchanged by the warehouse: not loaded.
        "rows_unchanged": sum(summary.unchanged_rows.values()),
        "transports": summary.transports,
        **{f"dlt_{k}_s": v for k, v in steps.items()},
        "extract_records_per_s": round(rows / steps["extract"]) if steps.get("extract") else None,
    }
    return client, queries, steps


def dbt_stage(recorder: Recorder, settings, full: bool, unit_tests: bool = True):
    from flows.transform import run_dbt
    from rapport.environment import scoped_environ
    from rapport.warehouse import dbt_env

    args = ["build", *(["--full-refresh"] if full else [])]
    args += [] if unit_tests else ["--exclude-resource-type", "unit_test"]
    with scoped_environ(dbt_env(settings.warehouse)), recorder.stage("dbt build") as figures:
        result = run_dbt(args, log=lambda _: None)
    nodes = list(getattr(result.result, "results", None) or [])
    # Node-seconds by kind and the slowest nodes: where a build's time went.
    by_kind: dict[str, float] = {}
    for node in nodes:
        kind = node.node.resource_type
        by_kind[kind] = round(by_kind.get(kind, 0.0) + node.execution_time, 2)
    slowest = sorted(nodes, key=lambda n: n.execution_time, reverse=True)[:8]
    figures.extra = {
        "success": result.success,
        "nodes": len(nodes),
        "node_seconds": by_kind,
        "slowest_nodes": {n.node.name: round(n.execution_time, 2) for n in slowest},
    }
    return figures


def writeback_stage(recorder: Recorder, settings) -> dict:
    from connectors.salesforce.api.client import connect
    from connectors.salesforce.writeback.sync import sync_writeback
    from flows.writeback import payload_gate

    kinds: dict[str, int] = {}
    ingest_ms: dict[str, int] = {}

    def note_call(response, *_, **__) -> None:
        kind = _call_kind(response)
        kinds[kind] = kinds.get(kind, 0) + 1
        # How long the org itself took on each ingest job, by its own report:
        # what write-back's wait before its first poll is set against.
        if response.request.method == "GET" and INGEST_JOB_PATH.search(response.request.path_url):
            info = response.json()
            if info.get("state") == "JobComplete":
                ingest_ms[info["id"]] = int(info.get("totalProcessingTime") or 0)

    def sign_in():
        """Signs in only if the sync needs the org, as the flow does; sorts its calls by kind."""
        sf = connect(settings.salesforce)
        kinds["sign-in"] = 1
        sf.session.hooks["response"].append(note_call)
        return sf

    with recorder.stage("write-back") as figures:
        report = sync_writeback(
            sign_in,
            warehouse=settings.warehouse,
            options=settings.writeback,
            log=lambda *_: None,
            payload_check=payload_gate(settings, None),
        )
    sent = {o.object_name: o.sent for o in report.objects}
    minimum = sum(
        min(math.ceil(n / COMPOSITE_RECORDS_PER_CALL), BULK_INGEST_MIN_CALLS) for n in sent.values()
    )
    figures.extra = {
        "records_sent": sent,
        "transports": {o.object_name: o.transport for o in report.objects},
        "min_send_calls": minimum,
        "calls_by_kind": kinds,
        "org_ingest_processing_s": round(sum(ingest_ms.values()) / 1000, 2),
    }
    return figures.extra


def _call_kind(response) -> str:
    """describe, read (REST or Bulk query), write (composite, Bulk ingest) or install (Tooling)."""
    path = response.request.path_url
    if "/tooling/" in path:
        return "install"
    if "/describe" in path:
        return "describe"
    if "/query" in path:  # REST query pages and Bulk query jobs alike
        return "read"
    return "write"


def run_pass(recorder: Recorder, settings, name: str, full: bool, counts: dict[str, int]) -> dict:
    from expectations.runner import run_gates
    from rapport.build_fingerprint import (
        build_started,
        fingerprint,
        kept_build,
        record_build,
        unit_tests_due,
    )

    started = len(recorder.stages)
    wall = time.perf_counter()
    extra: dict = {}
    if full:
        threshold = settings.extract.bulk_threshold_rows
        bulk = [o for o, n in counts.items() if n >= threshold]
        rest = [o for o, n in counts.items() if n < threshold]
        if bulk:
            client, queries, steps = extract_stage(
                recorder, settings, "extract+load (Bulk)", bulk, True
            )
            extra["bulk_queries"], extra["bulk_extract_s"] = queries, steps.get("extract")
            extra["client"] = client
        extract_stage(recorder, settings, "extract+load (REST)", rest, True)
    else:
        extract_stage(recorder, settings, "extract+load", None, False)
    with recorder.stage("fingerprint") as figures:
        current = fingerprint(settings)
        kept = None if full else kept_build(settings, current)
    figures.extra = {"kept": kept.describe() if kept else None}
    if kept is None:
        unit_tests = full or unit_tests_due(settings, current)
        build_started(settings)
        dbt_stage(recorder, settings, full, unit_tests)
        with recorder.stage("gates") as figures:
            gates = run_gates(settings)
        figures.extra = {"checks": len(gates.results), "errors": len(gates.errors)}
        if gates.passed:
            record_build(settings, current, gates.run_id)
    writeback_stage(recorder, settings)
    stages = [s.as_dict() for s in recorder.stages[started:]]
    return {"name": name, "wall_s": round(time.perf_counter() - wall, 2), "stages": stages, **extra}


def hand_sql_ratio(settings, full: dict, workdir: Path) -> dict:
    """The full pass's dbt build against the same models and tests as one DuckDB script."""
    from bench.hand_sql import run_script
    from rapport.warehouse import DBT_PROJECT_DIR
    from rapport.warehouse.connection import duckdb_resources

    dbt = next(s for s in full["stages"] if s["stage"] == "dbt build")
    hand = run_script(
        settings.warehouse.path,
        DBT_PROJECT_DIR / "target" / "manifest.json",
        workdir,
        duckdb_resources(settings.warehouse),
    )
    return {**hand, "dbt_s": dbt["wall_s"], "ratio": _ratio(dbt["wall_s"], hand["total_s"])}


def ratios(recorder: Recorder, settings, full: dict, workdir: Path) -> dict:
    from bench.wire import compare as compare_with_wire
    from bench.wire import download_seconds

    out = {"dbt_vs_hand_sql": hand_sql_ratio(settings, full, workdir)}
    queries, client = full.pop("bulk_queries", None), full.pop("client", None)
    if queries:
        wire = download_seconds(client.sf, queries, settings.extract.bulk_page_rows)
        out["extract_vs_wire"] = {
            **wire,
            "bulk_extract_s": full["bulk_extract_s"],
            "ratio": _ratio(full["bulk_extract_s"], wire["seconds"]),
        }
        # The ratio: Task alone, both views (bench/wire.py), in scratch state.
        try:
            out["task_vs_wire"] = compare_with_wire(settings, workdir, "Task")
        except RuntimeError as error:  # Task below the Bulk threshold in this org
            out["task_vs_wire_skipped"] = str(error)
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def machine() -> dict:
    load = os.getloadavg()
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 1) for x in load],
    }


def run(size: str, seed: int, share: float, full_only: bool = False) -> dict:
    from bench.extract_bulk import settings_for
    from bench.org_changes import apply_changes
    from connectors.salesforce.api.client import connect

    accounts = SIZES[size]
    result: dict = {"size": size, "accounts": accounts, "seed": seed, "machine": machine()}
    with tempfile.TemporaryDirectory(prefix="rapport-bench-") as tmp:
        workdir = Path(tmp)
        os.environ["RAPPORT_CONFIG"] = str(workdir / "absent.yml")
        org, info, result["generation"] = start_org(accounts, seed, workdir)
        try:
            settings = settings_for(info, workdir)
            sf = connect(settings.salesforce)
            counts = object_counts(sf, settings)
            result["records"] = counts
            with recording(org.pid) as recorder:
                full = run_pass(recorder, settings, "full", True, counts)
                if full_only:
                    result["ratios"] = {"dbt_vs_hand_sql": hand_sql_ratio(settings, full, workdir)}
                    result["passes"] = [full]
                    return finish(result)
                result["ratios"] = ratios(recorder, settings, full, workdir)
                changes = apply_changes(sf, sum(counts.values()), share, seed)
                result["changes"] = changes.__dict__ | {"total": changes.total}
                changed = run_pass(
                    recorder, settings, f"incremental after {share:.0%}", False, counts
                )
                unchanged = run_pass(recorder, settings, "incremental, no change", False, counts)
            result["passes"] = [full, changed, unchanged]
            return finish(result)
        finally:
            org.terminate()
            org.wait(timeout=60)


def finish(result: dict) -> dict:
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["machine"]["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--share", type=float, default=0.01, help="share of records changed for (b)"
    )
    parser.add_argument(
        "--full-only",
        action="store_true",
        help="the full pass and dbt ÷ its SQL only (at L, 20 of the 32 minutes)",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--accounts", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--state-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--stats", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.accounts, args.seed, args.state_dir, args.stats)
        return
    result = run(args.size, args.seed, args.share, args.full_only)
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / f"{args.size}.json").write_text(json.dumps(result, indent=2, default=str))
    table = markdown(result)
    (RESULTS_DIR / f"{args.size}.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
