"""Whether the marts must be rebuilt: a fingerprint of everything a dbt build reads.

An hourly run after no change rebuilt all ~160 dbt nodes and ran every gate
again to produce the same marts: at S that was 20 of the no-change run's 28 s,
a fixed cost that does not shrink with the change. The fingerprint lets the
flow (and ``bench/run.py``) skip ``dbt build`` and the gates when nothing the
models read has changed since the last build whose gates passed.

It covers:

* every raw table: its row count and an order-independent hash of its rows.
  Left out: the loaders' bookkeeping (``_dlt_load_id``, ``_dlt_id``,
  ``_rapport_deleted_seen_at``: a re-read row that does reach dlt, on a
  warehouse where extraction cannot drop unchanged rows first (known_rows.py),
  gets a new load id and stamp), and on the objects write-back writes, the
  fields it writes
  and the stamps any write moves (``SystemModstamp``, ``LastModifiedDate``,
  ``LastModifiedById``): that is Rapport's own output coming back, which no
  model reads (tests/models/test_build_fingerprint.py checks that an echo
  leaves every mart as it was). Row content, not dlt load ids or the max
  SystemModstamp, for those two reasons;
* the dbt project's files (models, macros, seeds, ``dbt_project.yml`` and its
  vars);
* the gates' settings and suites (a skipped build skips its gates too);
* the versions of dbt, its adapter and the engine;
* the build's own vars, with ``as_of_date`` made explicit (today when unset:
  a new day is a change, the models' types depend on the date), and the
  environment profiles.yml and the models read (schemas, loader, target),
  secrets left out.

A fingerprint is recorded (``<audit_schema>.build_fingerprints``) only after
the build *and* its gates passed, and every build first appends a row without
one (``build_started``): only the latest row counts, so a failed or killed
build, which may have rebuilt some marts from its own inputs, leaves no
fingerprint standing and the next run rebuilds, even if the inputs went back
to the last good build's. A warehouse this module cannot hash (Spark,
the remote ones) gets no fingerprint: it always builds.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from rapport.config import Settings
from rapport.warehouse import DBT_PROJECT_DIR, dbt_env, open_warehouse
from rapport.warehouse.sql import WarehouseSql, literal, quote

TABLE = "build_fingerprints"
DDL = "build_id varchar, digest varchar, parts varchar, recorded_at timestamp with time zone"
HASHED_WAREHOUSES = ("duckdb", "postgres")
# dlt's and the extraction's own columns, which no model reads.
BOOKKEEPING_PREFIXES = ("_dlt_", "_rapport_")
# Moved by every write to a record, write-back's included.
WRITE_STAMPS = ("SystemModstamp", "LastModifiedDate", "LastModifiedById")
# Not part of what a build reads: dbt's output and logs, the local user file.
PROJECT_SKIP = frozenset({"target", "logs", "dbt_packages", ".user.yml"})
SECRET_WORDS = ("PASSWORD", "TOKEN", "SECRET", "KEYFILE", "PRIVATE")


@dataclass(frozen=True)
class Fingerprint:
    """What a build read; ``digest`` None when the warehouse cannot be hashed."""

    digest: str | None
    parts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class KeptBuild:
    """The recorded build whose marts still stand for this run's inputs."""

    build_id: str
    recorded_at: datetime

    def describe(self) -> str:
        return (
            f"nothing changed since build {self.build_id} "
            f"({self.recorded_at:%Y-%m-%d %H:%M:%S} UTC): marts kept"
        )


def salesforce_key(name: str) -> str:
    """One key for every loader's spelling of a name (as the dbt macro of that name)."""
    return name.lower().replace("_", "")


def effective_vars(settings: Settings) -> dict[str, Any]:
    """The vars a build uses, as_of_date explicit: the models read today's date when unset."""
    return {"as_of_date": (settings.as_of_date or date.today()).isoformat()}


def written_columns(settings: Settings) -> dict[str, frozenset[str]]:
    """Raw table key → keys of the columns write-back moves on that object."""
    from connectors.salesforce.writeback.mapping import load_mapping

    mapping = load_mapping(settings.writeback.mapping_file)
    written = {}
    for object_name, body in mapping.objects.items():
        fields = [*body.fields, *([body.updated_at_field] if body.updated_at_field else [])]
        written[salesforce_key(object_name)] = frozenset(
            salesforce_key(f) for f in [*fields, *WRITE_STAMPS]
        )
    return written


def project_digest(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """sha256 over the dbt project's files (relative path and bytes), in a stable order."""
    digest = hashlib.sha256()
    for path in sorted(project_dir.rglob("*")):
        relative = path.relative_to(project_dir)
        if not path.is_file() or relative.parts[0] in PROJECT_SKIP:
            continue
        digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_environment(settings: Settings) -> dict[str, str]:
    """What profiles.yml and the models read from the environment (target, schemas,
    loader), secrets left out."""
    env = dbt_env(settings.warehouse)
    return {k: v for k, v in sorted(env.items()) if not any(w in k for w in SECRET_WORDS)}


def engine_versions() -> dict[str, str | None]:
    """dbt, its adapters and the engines: an upgrade may change what the same SQL gives."""
    versions: dict[str, str | None] = {}
    for package in ("dbt-core", "dbt-duckdb", "duckdb", "dbt-postgres"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def gates_digest(settings: Settings) -> str:
    """The gate settings and suites: a tightened gate must run again on the same marts."""
    from expectations.suites import SUITES_PATH

    text = json.dumps(settings.gates.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode() + SUITES_PATH.read_bytes()).hexdigest()


def _row_hash(sql_type: str, columns: list[str]) -> str:
    """SQL summing a 60-bit hash of each row: order-free and duplicate rows still count."""
    quoted = ", ".join(quote(c) for c in columns)
    if sql_type == "duckdb":
        return f"sum(hash({quoted}) >> 4)"
    row = f"md5(cast(row({quoted}) as text))"
    return f"sum(cast(cast(('x' || substr({row}, 1, 15)) as bit(60)) as bigint))"


def raw_tables(sql: WarehouseSql, schema: str) -> list[str]:
    rows = sql.rows(
        "select table_name from information_schema.tables "
        f"where table_schema = {literal(schema)} and table_catalog = current_database()"
    )
    return sorted(str(r[0]) for r in rows if not str(r[0]).startswith("_dlt"))


def raw_parts(settings: Settings) -> dict[str, list]:
    """Raw table → [rows, content hash] over the columns a build reads."""
    written = written_columns(settings)
    schema = settings.warehouse.raw_schema
    parts = {}
    with open_warehouse(settings.warehouse) as sql:
        for table in raw_tables(sql, schema):
            skipped = written.get(salesforce_key(table), frozenset())
            columns = [
                c
                for c in (sql.columns(schema, table) or {})
                if not c.startswith(BOOKKEEPING_PREFIXES) and salesforce_key(c) not in skipped
            ]
            if not columns:
                continue
            count, content = sql.rows(
                f"select count(*), {_row_hash(settings.warehouse.type, columns)} "
                f"from {sql.relation(schema, table)}"
            )[0]
            parts[table] = [int(count), str(content)]
    return parts


def fingerprint(settings: Settings, project_dir: Path = DBT_PROJECT_DIR) -> Fingerprint:
    """Everything the next ``dbt build`` reads, hashed; no digest where we cannot hash."""
    if settings.warehouse.type not in HASHED_WAREHOUSES:
        return Fingerprint(None, {"why": f"{settings.warehouse.type} is not fingerprinted"})
    if settings.warehouse.type == "duckdb" and not settings.warehouse.path.exists():
        return Fingerprint(None, {"why": "no warehouse yet"})
    parts = {
        "warehouse": settings.warehouse.type,
        "vars": effective_vars(settings),
        "environment": build_environment(settings),
        "project": project_digest(project_dir),
        "engine": engine_versions(),
        "gates": gates_digest(settings),
        "raw": raw_parts(settings),
    }
    text = json.dumps(parts, sort_keys=True, default=str)
    return Fingerprint(hashlib.sha256(text.encode()).hexdigest(), parts)


def mart_names(project_dir: Path = DBT_PROJECT_DIR) -> list[str]:
    return sorted(p.stem for p in (project_dir / "models" / "marts").glob("*.sql"))


def kept_build(settings: Settings, current: Fingerprint) -> KeptBuild | None:
    """The last recorded build, when its fingerprint is this one and its marts all exist."""
    if current.digest is None:
        return None
    warehouse = settings.warehouse
    with open_warehouse(warehouse) as sql:
        row = _latest(sql, warehouse.audit_schema, "build_id, digest, recorded_at")
        if row is None or row[1] != current.digest:
            return None
        if any(sql.columns(warehouse.marts_schema, m) is None for m in mart_names()):
            return None
    recorded = pd.Timestamp(row[2])
    recorded = recorded.tz_localize(UTC) if recorded.tzinfo is None else recorded.tz_convert(UTC)
    return KeptBuild(str(row[0]), recorded.to_pydatetime())


def unit_tests_due(settings: Settings, current: Fingerprint) -> bool:
    """Whether ``dbt build`` must run the unit tests this time.

    They check the models' logic on fixed rows, never the warehouse's data, so
    their verdict depends on the project and the engine alone: due when either
    changed since the last build whose gates passed (it ran them, or inherited
    their verdict the same way). They cost ~70 of the 185 node-seconds of an
    incremental build at S (run_results.json), on every hourly run.
    """
    if current.digest is None:
        return True
    warehouse = settings.warehouse
    with open_warehouse(warehouse) as sql:
        row = _latest(sql, warehouse.audit_schema, "parts", where="digest is not null")
    if row is None:
        return True
    last = json.loads(row[0])
    return any(last.get(k) != current.parts.get(k) for k in ("project", "engine", "warehouse"))


def _latest(sql: WarehouseSql, schema: str, columns: str, where: str = "true") -> tuple | None:
    """The newest recorded row's ``columns`` (None when nothing is recorded yet)."""
    if sql.columns(schema, TABLE) is None:
        return None
    rows = sql.rows(
        f"select {columns} from {sql.relation(schema, TABLE)} "
        f"where {where} order by recorded_at desc limit 1"
    )
    return tuple(rows[0]) if rows else None


def build_started(settings: Settings) -> None:
    """A build begins: from now until its gates pass, no recorded build's marts stand."""
    if settings.warehouse.type in HASHED_WAREHOUSES:
        _append(settings, uuid.uuid4().hex, None, {"started": True})


def record_build(settings: Settings, built: Fingerprint, build_id: str | None = None) -> None:
    """Remember a build whose gates passed: the next run with the same inputs keeps its marts.

    ``build_id`` is the gate run's id (``validation_results.run_id``), which
    ties the kept build to the gate results that let it through.
    """
    if built.digest is not None:
        _append(settings, build_id or uuid.uuid4().hex, built.digest, built.parts)


def _append(settings: Settings, build_id: str, digest: str | None, parts: dict) -> None:
    frame = pd.DataFrame(
        {
            "build_id": [build_id],
            "digest": pd.Series([digest], dtype="object"),
            "parts": [json.dumps(parts, sort_keys=True, default=str)],
            "recorded_at": [datetime.now(UTC)],
        }
    )
    with open_warehouse(settings.warehouse) as sql:
        sql.append(settings.warehouse.audit_schema, TABLE, DDL, frame)
