"""Benchmark: how fast the local org serves a Bulk API 2.0 query as CSV.

Generates a large Task table straight into an in-memory store (numpy and
Arrow, not the per-account generator), starts the org over HTTPS on
127.0.0.1, runs one Bulk API 2.0 query job and downloads every results page
with ``requests`` exactly as a client would (``maxRecords`` per page,
following ``Sforce-Locator``). It prints a table and a JSON line.

    .venv/bin/python bench/local_org_bulk.py --rows 2000000 --page-size 100000

Measured: ``job`` is create-to-JobComplete (the query and its Arrow
snapshot); ``download`` is the first results request to the last byte of the
last page, which is what the target (>= 100k records/s) is about. Throughput
counts records from ``Sforce-NumberOfRecords`` and bytes actually received.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.salesforce.api.local_routing import local_org_session
from local_org.schema import standard_objects
from local_org.server import LocalOrg
from local_org.store import OrgStore

FIELDS = (
    "Id, Subject, Status, Priority, Type, ActivityDate, WhatId, WhoId, OwnerId, IsClosed, "
    "CreatedDate, SystemModstamp"
)
SUBJECTS = ["Call", "Email: follow-up", 'Meeting "kick-off"', "Send quote, v2", "Check in"]
TARGET_RECORDS_PER_SECOND = 100_000


def ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    """18-character ids (the suffix is not a real checksum; nothing here checks it)."""
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width=10, padding="0")
    return pc.binary_join_element_wise(prefix + "BN", digits, "AAA", "")


def task_table(rows: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    created = datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1_000_000
    stamps = (created + rng.integers(0, 700 * 86_400, rows) * 1_000_000).astype("int64")
    created_at = pa.array(stamps, pa.timestamp("us", tz="UTC"))
    modified = pa.array(
        stamps + rng.integers(0, 86_400_000_000, rows), pa.timestamp("us", tz="UTC")
    )
    days = (stamps // 86_400_000_000).astype("int32")

    def pick(values: list[str]) -> pa.Array:
        return pa.DictionaryArray.from_arrays(
            pa.array(rng.integers(0, len(values), rows).astype("int32")), pa.array(values)
        ).cast(pa.string())

    return pa.table(
        {
            "Id": ids("00T", np.arange(rows)),
            "Subject": pick(SUBJECTS),
            "Status": pick(["Not Started", "In Progress", "Completed"]),
            "Priority": pick(["High", "Normal", "Low"]),
            "Type": pick(["Call", "Email", "Meeting", "Other"]),
            "ActivityDate": pa.array(days, pa.date32()),
            "WhatId": ids("001", rng.integers(0, rows // 20 + 1, rows)),
            "WhoId": pc.if_else(
                pa.array(rng.random(rows) < 0.2), None, ids("003", rng.integers(0, rows, rows))
            ),
            "OwnerId": ids("005", rng.integers(0, 50, rows)),
            "IsClosed": pa.array(rng.random(rows) < 0.6),
            "CreatedDate": created_at,
            "LastModifiedDate": modified,
            "SystemModstamp": modified,
        }
    )


def run(rows: int, page_size: int, seed: int) -> dict:
    started = time.perf_counter()
    store = OrgStore.create(standard_objects())
    store.insert("Task", task_table(rows, seed))
    generate_seconds = time.perf_counter() - started
    with (
        tempfile.TemporaryDirectory() as state_dir,
        LocalOrg.start(store, state_dir=Path(state_dir)) as org,
    ):
        session = local_org_session(org.info.instance_url, org.info.ca_cert)
        session.headers["Authorization"] = f"Bearer {org.info.access_token}"
        jobs = f"{org.info.instance_url}/services/data/v62.0/jobs/query"
        started = time.perf_counter()
        job = session.post(jobs, json={"operation": "query", "query": f"SELECT {FIELDS} FROM Task"})
        job.raise_for_status()
        job_id = job.json()["id"]
        while (state := session.get(f"{jobs}/{job_id}").json()["state"]) != "JobComplete":
            if state in ("Failed", "Aborted"):
                raise RuntimeError(f"the query job ended {state}")
            time.sleep(0.02)
        job_seconds = time.perf_counter() - started

        records = received = pages = 0
        locator: str | None = None
        started = time.perf_counter()
        while True:
            params = {"maxRecords": page_size, **({"locator": locator} if locator else {})}
            with session.get(f"{jobs}/{job_id}/results", params=params, stream=True) as page:
                page.raise_for_status()
                for chunk in page.iter_content(chunk_size=1 << 20):
                    received += len(chunk)
                records += int(page.headers["Sforce-NumberOfRecords"])
                locator = page.headers["Sforce-Locator"]
            pages += 1
            if locator == "null":
                break
        download_seconds = time.perf_counter() - started
    if records != rows:
        raise RuntimeError(f"downloaded {records} records, expected {rows}")
    return {
        "rows": rows,
        "page_size": page_size,
        "pages": pages,
        "generate_s": round(generate_seconds, 2),
        "job_s": round(job_seconds, 2),
        "download_s": round(download_seconds, 2),
        "records_per_s": round(records / download_seconds),
        "mb_per_s": round(received / download_seconds / 1e6, 1),
        "csv_mb": round(received / 1e6, 1),
        "target_records_per_s": TARGET_RECORDS_PER_SECOND,
        "meets_target": records / download_seconds >= TARGET_RECORDS_PER_SECOND,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--page-size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = run(args.rows, args.page_size, args.seed)
    width = max(len(key) for key in result)
    print("local org Bulk API 2.0 query download")
    for key, value in result.items():
        print(f"  {key:<{width}}  {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
