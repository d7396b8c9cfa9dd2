"""The dbt build's own SQL run as one plain DuckDB script: what dbt costs on top.

Not written by hand model by model (the project is too big to keep a second
copy in step): the script is every model's compiled SQL from the manifest of
the build just measured, in dependency order, as ``create or replace table``
(views as views), followed by every data test's compiled query. That is the
work the build does minus dbt itself (parsing, its adapter, run artifacts,
per-node transactions); unit tests are left out, as they read fixtures, not
the warehouse. The copy's ``account_relationship`` must equal dbt's, row for row.
"""

from __future__ import annotations

import json
import shutil
import time
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

MODEL_MATERIALIZATIONS = {"table", "incremental", "view"}


def _nodes(manifest_path: Path) -> tuple[list[dict], list[dict]]:
    manifest = json.loads(manifest_path.read_text())
    nodes = manifest["nodes"]
    models = {
        uid: n
        for uid, n in nodes.items()
        if n["resource_type"] == "model"
        and n["config"]["materialized"] in MODEL_MATERIALIZATIONS
        and n.get("compiled_code")
    }
    graph = {uid: [d for d in n["depends_on"]["nodes"] if d in models] for uid, n in models.items()}
    ordered = [models[uid] for uid in TopologicalSorter(graph).static_order()]
    tests = [n for n in nodes.values() if n["resource_type"] == "test" and n.get("compiled_code")]
    return ordered, tests


def run_script(
    warehouse: Path, manifest_path: Path, workdir: Path, resources: dict[str, str] | None = None
) -> dict:
    """Time the script on a copy of the warehouse; compare account_relationship with dbt's.

    ``resources`` are the threads and memory limit dbt's connection had (``duckdb_resources``): the script gets the same, or the
    ratio would measure a bigger buffer pool rather than dbt.
    """
    models, tests = _nodes(manifest_path)
    copy = workdir / "hand" / warehouse.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    # dbt-duckdb's connection stays open in this process: same (default)
    # configuration, and a checkpoint so the copy holds what the WAL does.
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("checkpoint")
    shutil.copyfile(warehouse, copy)
    started = time.perf_counter()
    with duckdb.connect(str(copy)) as connection:
        connection.execute("set TimeZone = 'UTC'")
        for name, value in _settings(resources or {}).items():
            connection.execute(f"set {name} = '{value}'")
        for node in models:
            kind = "view" if node["config"]["materialized"] == "view" else "table"
            connection.execute(
                f"create or replace {kind} {node['relation_name']} as {node['compiled_code']}"
            )
        models_s = time.perf_counter() - started
        for node in tests:
            connection.execute(f"select count(*) from ({node['compiled_code']}) as t").fetchone()
        total_s = time.perf_counter() - started
        relation = next(n["relation_name"] for n in models if n["name"] == "account_relationship")
        rows = connection.execute(f"select count(*) from {relation}").fetchone()[0]
        differing = _differing_values(connection, warehouse, relation)
    shutil.rmtree(copy.parent)
    return {
        "models": len(models),
        "tests": len(tests),
        "models_s": round(models_s, 2),
        "total_s": round(total_s, 2),
        "account_relationship_rows": rows,
        "rows_match": not differing,
        "differing_values": differing,
    }


def _differing_values(
    connection: duckdb.DuckDBPyConnection, warehouse: Path, relation: str
) -> dict[str, int]:
    """Per column of ``relation``, how many accounts' values differ from dbt's (none listed: equal).

    Compared in SQL, column by column, on a full join by account: a value
    that is null on one side only, or a row on one side only, differs; two
    nulls do not (``is distinct from``). Counting per column says where a
    difference is, where comparing whole rows only said whether.
    """
    connection.execute(f"attach '{warehouse}' as built_by_dbt (read_only)")
    theirs = "built_by_dbt." + relation.split(".", 1)[1]
    columns = [row[0] for row in connection.execute(f"describe {relation}").fetchall()]
    counts = ", ".join(
        f'count(*) filter (where ours."{c}" is distinct from theirs."{c}")' for c in columns
    )
    found = connection.execute(
        f"select {counts} from {relation} as ours full join {theirs} as theirs using (account_id)"
    ).fetchone()
    connection.execute("detach built_by_dbt")
    return {column: n for column, n in zip(columns, found, strict=True) if n}


def _settings(resources: dict[str, str]) -> dict[str, str]:
    names = {
        "RAPPORT_DUCKDB_THREADS": "threads",
        "RAPPORT_DUCKDB_MEMORY_LIMIT": "memory_limit",
    }
    return {names[key]: value for key, value in resources.items() if key in names}
