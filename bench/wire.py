"""Extraction ÷ the wire: our Bulk extraction of one object against a plain download.

Ours: ``load_salesforce`` for that object alone, into a scratch pipeline and
warehouse (the benchmark's own state is not touched), from the start of dlt's
extract step to its end, when the rows are in dlt's extracted files. That
includes the COUNT() that picks the transport, creating the job, polling it,
downloading, parsing and dlt's writing.

The wire: the same SOQL as a Bulk API 2.0 job driven by nothing but
``requests``: create it, poll every 10 ms until it completes (the tightest
a client could notice), then stream every result page (same page size) and
drop the bytes.

Two views, since the job's own run time on the org is the same on both sides:

* whole job: our extract step ÷ (create + wait + download) on the wire;
* pages: ours from the first page request (the end of our wait) to the rows
  in dlt's files ÷ the wire's download of the same pages.

The two sides run ``repeats`` times, each going first in turn, and the
medians are kept, with CPU time (this process, all threads), since wall time
on a shared machine is mostly waiting for a core.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from simple_salesforce import Salesforce

from connectors.salesforce.extract.bulk import BulkQuery

WIRE_POLL_SECONDS = 0.01


@contextmanager
def record_bulk_queries() -> Iterator[list[tuple[str, bool]]]:
    """The SOQL of every Bulk query job the connector starts, while in the block."""
    seen: list[tuple[str, bool]] = []
    original = BulkQuery.create

    def create(self, soql: str, include_deleted: bool) -> str:
        seen.append((soql, include_deleted))
        return original(self, soql, include_deleted)

    BulkQuery.create = create
    try:
        yield seen
    finally:
        BulkQuery.create = original


@contextmanager
def record_job_waits() -> Iterator[list[float]]:
    """When (``time.time()``) each Bulk job the connector waits for was seen complete."""
    seen: list[float] = []
    original = BulkQuery.wait

    def wait(self, job_id: str) -> None:
        original(self, job_id)
        seen.append(time.time())

    BulkQuery.wait = wait
    try:
        yield seen
    finally:
        BulkQuery.wait = original


@contextmanager
def record_extract_cpu() -> Iterator[list[float]]:
    """CPU seconds (this process, all threads) of each dlt extract step in the block."""
    import dlt

    seen: list[float] = []
    original = dlt.Pipeline.extract

    def extract(self, *args, **kwargs):
        cpu = _cpu_seconds()
        try:
            return original(self, *args, **kwargs)
        finally:
            seen.append(_cpu_seconds() - cpu)

    dlt.Pipeline.extract = extract
    try:
        yield seen
    finally:
        dlt.Pipeline.extract = original


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def download(sf: Salesforce, soql: str, include_deleted: bool, page_rows: int) -> dict:
    """One Bulk query job by plain requests: seconds to create, to complete, to download."""
    session, url = sf.session, sf.bulk2_url
    headers = {**sf.headers, "Content-Type": "application/json"}
    body = {
        "operation": "queryAll" if include_deleted else "query",
        "query": soql,
        "contentType": "CSV",
        "columnDelimiter": "COMMA",
        "lineEnding": "LF",
    }
    cpu, started = _cpu_seconds(), time.perf_counter()
    job = session.post(f"{url}query", json=body, headers=headers).json()["id"]
    created = time.perf_counter()
    while session.get(f"{url}query/{job}", headers=headers).json()["state"] != "JobComplete":
        time.sleep(WIRE_POLL_SECONDS)
    complete = time.perf_counter()
    locator, pages, received = "", 0, 0
    while True:
        params = {"maxRecords": page_rows, **({"locator": locator} if locator else {})}
        with session.get(
            f"{url}query/{job}/results",
            headers={**headers, "Accept": "text/csv"},
            params=params,
            stream=True,
        ) as response:
            response.raise_for_status()
            for chunk in response.iter_content(1 << 20):
                received += len(chunk)
            locator = response.headers.get("Sforce-Locator") or ""
        pages += 1
        if not locator or locator == "null":
            break
    done = time.perf_counter()
    # Untimed: the org drops the job's results (our extraction deletes its
    # jobs too); a local org holding every run's results ran out of memory at L.
    session.delete(f"{url}query/{job}", headers=headers).raise_for_status()
    return {
        "create_s": created - started,
        "job_s": complete - created,
        "download_s": done - complete,
        "seconds": done - started,
        "cpu_s": _cpu_seconds() - cpu,
        "pages": pages,
        "bytes": received,
    }


def download_seconds(sf: Salesforce, queries: list[tuple[str, bool]], page_rows: int) -> dict:
    """Seconds and bytes to run ``queries`` as Bulk jobs and stream every page."""
    runs = [download(sf, soql, deleted, page_rows) for soql, deleted in queries]
    return {
        "seconds": round(sum(r["seconds"] for r in runs), 2),
        "bytes": sum(r["bytes"] for r in runs),
    }


def ours(settings, object_name: str) -> dict:
    """Our extraction of ``object_name`` alone: the extract step, and from its job's end."""
    from connectors.salesforce.extract.load import load_salesforce, open_client, pipeline

    client = open_client(settings)
    with record_bulk_queries() as queries, record_job_waits() as waits, record_extract_cpu() as cpu:
        summary = load_salesforce(client, settings, full_refresh=True, objects=[object_name])
    if summary.transports.get(object_name) != "bulk" or len(queries) != 1 or len(waits) != 1:
        raise RuntimeError(f"{object_name} was not read by one Bulk job: {summary.transports}")
    trace = pipeline(settings).last_trace
    step = next(s for s in trace.steps if s.step == "extract")
    started, finished = step.started_at.timestamp(), step.finished_at.timestamp()
    return {
        "extract_s": finished - started,
        "pages_s": finished - waits[0],
        "cpu_s": sum(cpu),
        "rows": sum(summary.rows_per_table.values()),
        "query": queries[0],
        "client": client,
    }


def compare(settings, workdir: Path, object_name: str = "Task", repeats: int = 3) -> dict:
    """Ours ÷ the wire for ``object_name``, alternating ``repeats`` times; medians."""
    scratch = settings.model_copy(
        update={
            "state_dir": workdir / "wire-state",
            "warehouse": settings.warehouse.model_copy(update={"path": workdir / "wire.duckdb"}),
        }
    )
    first = ours(scratch, object_name)
    soql, deleted = first.pop("query")
    client = first.pop("client")
    page_rows = settings.extract.bulk_page_rows

    def our_run() -> dict:
        run = ours(scratch, object_name)
        run.pop("query"), run.pop("client")
        return run

    def wire_run() -> dict:
        return download(client.sf, soql, deleted, page_rows)

    our_runs, wire_runs = [first], [wire_run()]
    for repeat in range(1, repeats):
        # Each side goes first in turn, so neither always meets the org (its
        # caches, the machine's load) as the other just left it.
        if repeat % 2:
            wire_runs.append(wire_run())
            our_runs.append(our_run())
        else:
            our_runs.append(our_run())
            wire_runs.append(wire_run())

    def median(runs: list[dict], key: str) -> float:
        return round(statistics.median(r[key] for r in runs), 3)

    our = {k: median(our_runs, k) for k in ("extract_s", "pages_s", "cpu_s")}
    wire = {k: median(wire_runs, k) for k in ("create_s", "job_s", "download_s", "seconds")}
    wire["cpu_s"] = median(wire_runs, "cpu_s")
    return {
        "object": object_name,
        "rows": our_runs[-1]["rows"],
        "bytes": wire_runs[-1]["bytes"],
        "pages": wire_runs[-1]["pages"],
        "repeats": repeats,
        "ours": our,
        "wire": wire,
        "whole_job_ratio": round(our["extract_s"] / wire["seconds"], 2),
        "pages_ratio": round(our["pages_s"] / wire["download_s"], 2),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
