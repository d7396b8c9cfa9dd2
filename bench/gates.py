"""How much the quality gates add to a full run, on a generated org.

Generates an org (default 20,000 accounts), loads its raw tables into a fresh
DuckDB warehouse the way dlt names them, builds the marts with ``dbt build``,
then runs the gates twice (a first run, and a second one that has baselines
to compare with). The target: the gates add less than 20% to the rest of the
run (load + dbt build; the HTTPS extract is left out, which only makes the
share look larger than it is).

    .venv/bin/python bench/gates.py [--accounts 20000] [--keep DIR]

Prints a table and a JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dlt.common.normalizers.naming.snake_case import NamingConvention

from connectors.salesforce.extract.field_types import arrow_type_for
from connectors.salesforce.extract.source import table_name
from expectations.describes import StaticDescribes
from expectations.runner import run_gates
from local_org.describe import describe_field
from local_org.generator import generate_org
from local_org.schema import standard_objects
from rapport.config import GateSettings, Settings, WarehouseSettings
from rapport.warehouse import DBT_PROJECT_DIR

AS_OF = date(2026, 11, 23)
TARGET_SHARE = 0.20
_NAMING = NamingConvention()


def load_raw(path: Path, records: dict[str, list[dict]]) -> dict[str, int]:
    """Raw tables as the connector types them (Arrow from describe), named as dlt names them."""
    specs = standard_objects(include_rapport_fields=False)
    counts = {}
    with duckdb.connect(str(path)) as connection:
        catalog = connection.sql("select current_database()").fetchone()[0]
        connection.execute(f'create schema "{catalog}".salesforce')
        for object_name, rows in records.items():
            schema = pa.schema(
                [
                    pa.field(f.name, arrow_type_for(f.type))
                    for f in specs[object_name].fields.values()
                    if not f.is_compound
                ]
            )
            table = pa.Table.from_pylist(rows, schema=schema)
            table = table.rename_columns(
                [_NAMING.normalize_identifier(n) for n in table.column_names]
            )
            table = table.append_column("_dlt_load_id", pa.array(["1"] * len(table)))
            connection.register("arrow_rows", table)
            connection.execute(
                f'create table "{catalog}".salesforce."{table_name(object_name)}" '
                "as select * from arrow_rows"
            )
            connection.unregister("arrow_rows")
            counts[table_name(object_name)] = len(table)
    return counts


def dbt_build(path: Path, work: Path) -> None:
    from dbt.cli.main import dbtRunner

    os.environ.update({"RAPPORT_DUCKDB_PATH": str(path), "RAPPORT_TARGET": "duckdb"})
    result = dbtRunner().invoke(
        [
            "build",
            "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(work / "dbt_target"),
            "--log-path", str(work / "dbt_logs"),
            "--vars", json.dumps({"as_of_date": AS_OF.isoformat()}),
            "--quiet",
        ]
    )  # fmt: skip
    if not result.success:
        failed = [r.node.name for r in result.result or [] if str(r.status) in ("error", "fail")]
        raise SystemExit(f"dbt build failed: {result.exception or ', '.join(failed)}")


def describes() -> StaticDescribes:
    """The local org's describes, so the picklist checks run as against a real org."""
    specs = standard_objects()
    return StaticDescribes(
        {
            name: {"name": name, "fields": [describe_field(spec, f) for f in spec.fields.values()]}
            for name, spec in specs.items()
        }
    )


def timed(label: str, timings: dict[str, float], action):
    start = time.perf_counter()
    result = action()
    timings[label] = time.perf_counter() - start
    print(f"  {label}: {timings[label]:.1f} s", file=sys.stderr)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="build the warehouse here and keep it")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="rapport-bench-gates-"))
    work.mkdir(parents=True, exist_ok=True)
    warehouse = work / "rapport.duckdb"
    warehouse.unlink(missing_ok=True)
    shutil.rmtree(work / "state", ignore_errors=True)
    timings: dict[str, float] = {}
    try:
        org = timed(
            "generate",
            timings,
            lambda: generate_org(
                accounts=args.accounts, seed=7, as_of=datetime(2026, 11, 23, tzinfo=UTC)
            ),
        )
        counts = timed("load raw", timings, lambda: load_raw(warehouse, org.records))
        org = None  # the records are in the warehouse now; free their memory for dbt
        timed("dbt build", timings, lambda: dbt_build(warehouse, work))
        settings = Settings(
            warehouse=WarehouseSettings(path=warehouse),
            state_dir=work / "state",
            as_of_date=AS_OF,
            gates=GateSettings(),
        )
        first = timed(
            "gates (first run)", timings, lambda: run_gates(settings, describes=describes())
        )
        second = timed(
            "gates (next run)", timings, lambda: run_gates(settings, describes=describes())
        )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    rest = timings["load raw"] + timings["dbt build"]
    gates = max(timings["gates (first run)"], timings["gates (next run)"])
    share = gates / rest
    rows = sum(counts.values())
    print(f"\nQuality gates on a {args.accounts:,}-account org ({rows:,} raw rows)\n")
    print(f"{'stage':<22}{'seconds':>10}")
    for label, seconds in timings.items():
        print(f"{label:<22}{seconds:>10.1f}")
    print(f"{'rest of run (load+dbt)':<22}{rest:>10.1f}")
    print(f"\ngates / rest of run: {share:.1%} (target < {TARGET_SHARE:.0%})")
    print(
        f"checks: {len(second.results)}, errors {len(second.errors)}, "
        f"warnings {len(second.warnings)}; first run errors {len(first.errors)}"
    )
    for failure in (second.errors + second.warnings)[:10]:
        print(f"  {failure.describe()}")
    print(
        json.dumps(
            {
                "accounts": args.accounts,
                "raw_rows": rows,
                "raw_rows_per_table": counts,
                "seconds": {k: round(v, 2) for k, v in timings.items()},
                "rest_of_run_seconds": round(rest, 2),
                "gates_seconds": round(gates, 2),
                "gates_share": round(share, 4),
                "target_share": TARGET_SHARE,
                "meets_target": share < TARGET_SHARE,
                "checks": len(second.results),
                "errors": len(second.errors),
                "warnings": len(second.warnings),
            }
        )
    )


if __name__ == "__main__":
    main()
