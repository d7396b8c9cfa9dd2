"""Raw suites: one per extracted object, over its table in the raw schema.

Raw tables can hold millions of rows (tasks, emails), so they are never read
whole into pandas. The checks that must be exact — unique and non-null Ids,
required foreign keys, far-future dates, the row count against the last run —
are aggregates pushed down into SQL; GX then validates the computed metric
against its bounds (so they show in Data Docs), and offending Ids are fetched
with a LIMIT only when a metric fails. Row-level checks that need the values
themselves (picklists from describe, the Id format) run in GX over a bounded,
repeatable sample (``gates.sample_rows``, DuckDB's reservoir sample) and are
warnings by default, since a sample may miss a rare bad value. On PostgreSQL
they run over the whole table instead, through GX's own Postgres datasource.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from dlt.common.normalizers.naming.snake_case import NamingConvention

from expectations.context import GateContext
from expectations.describes import picklist_values
from expectations.gate import SAMPLE_SIZE, Check, CheckResult, Measurement
from expectations.landed import LandedTable, find_landed_table
from expectations.suites import CheckSpec, default_suites, raw_suite
from rapport.warehouse.sql import literal

_NAMING = NamingConvention()

EXPECTATION_OF_METRIC = {
    "duplicate_values": "expect_column_values_to_be_unique",
    "null_values": "expect_column_values_to_not_be_null",
    "missing_values": "expect_column_values_to_not_be_null",
    "unattributed_share": "expect_column_null_share_to_be_at_most",
    "orphan_references": "expect_column_values_to_reference_existing_rows",
    "far_future_dates": "expect_column_values_to_not_be_in_far_future",
    "negative_values": "expect_column_values_to_be_between",
    "unparseable_dates": "expect_column_values_to_be_dateutil_parseable",
    "row_count_drop": "expect_table_row_count_not_to_drop",
}


@dataclass
class RawOutcome:
    table: str
    results: list[CheckResult] = field(default_factory=list)
    row_count: int | None = None


class _RawTable:
    """One raw table and the SQL fragments its checks share.

    Checks name columns as dlt does (``account_id``); ``q`` gives the column
    as the loader landed it (``AccountId`` from Airbyte), quoted.
    """

    def __init__(self, ctx: GateContext, table: str, landed: LandedTable) -> None:
        self.ctx = ctx
        self.table = table
        self.suite = raw_suite(table)
        self.landed = landed
        self.relation = landed.relation
        self.live = landed.live

    def q(self, column: str) -> str:
        return self.landed.quoted(column)

    def scalar(self, sql: str):
        return self.ctx.sql.rows(sql)[0][0]

    def ids(self, where: str) -> list[str]:
        id_ = self.q("id")
        rows = self.ctx.sql.rows(
            f"select {id_} from {self.relation} where {where} order by {id_} limit {SAMPLE_SIZE}"
        )
        return [str(row[0]) for row in rows]

    def has(self, spec: CheckSpec, column: str) -> bool:
        if self.landed.column(column) is not None:
            return True
        self.ctx.skip(self.suite, spec, f"{self.table} has no column {column}")
        return False


def _horizon(ctx: GateContext) -> datetime:
    return datetime.combine(ctx.as_of + timedelta(days=ctx.gates.future_horizon_days), time())


def _duplicate_values(t: _RawTable, spec: CheckSpec, column: str) -> Measurement:
    c = t.q(column)
    total, extra = t.ctx.sql.rows(
        f"select count(*), count({c}) - count(distinct {c}) from {t.relation}"
    )[0]
    sample: list[str] = []
    if extra:
        rows = t.ctx.sql.rows(
            f"select {c} from {t.relation} where {c} is not null group by {c} "
            f"having count(*) > 1 order by {c} limit {SAMPLE_SIZE}"
        )
        sample = [str(row[0]) for row in rows]
    return Measurement(
        t.ctx.check(t.suite, spec, EXPECTATION_OF_METRIC[spec.what], column),
        extra,
        0,
        0,
        f"{extra} duplicate {column} values among {total} rows",
        sample,
    )


def _null_values(t: _RawTable, spec: CheckSpec, column: str) -> Measurement:
    c = t.q(column)
    total, nulls = t.ctx.sql.rows(f"select count(*), count(*) - count({c}) from {t.relation}")[0]
    return Measurement(
        t.ctx.check(t.suite, spec, EXPECTATION_OF_METRIC[spec.what], column),
        nulls,
        0,
        0,
        f"{nulls} of {total} rows with a null {column}",
    )


def _offending_rows(
    t: _RawTable, spec: CheckSpec, column: str, where: str, count: int, observed: str
) -> Measurement:
    """A count of rows that must be zero, with sample Ids of the rows when it is not."""
    return Measurement(
        t.ctx.check(t.suite, spec, EXPECTATION_OF_METRIC[spec.what], column),
        count,
        0,
        0,
        observed,
        t.ids(where) if count else [],
    )


def _count_where(t: _RawTable, where: str) -> int:
    return t.scalar(f"select count(*) from {t.relation} where {where}")


def _missing_values(t: _RawTable, spec: CheckSpec, column: str) -> Measurement:
    where = f"{t.live} and {t.q(column)} is null"
    missing = _count_where(t, where)
    return _offending_rows(t, spec, column, where, missing, f"{missing} live rows without {column}")


def _unattributed_share(t: _RawTable, spec: CheckSpec, column: str) -> Measurement:
    """Share of live rows without ``column``: legal in Salesforce, fatal only in bulk.

    Such rows cannot be attributed to an account, so the models leave them
    out; a run stops only when they exceed ``gates.max_unattributed_share``
    of the table (a broken export, not a CRM habit).
    """
    where = f"{t.live} and {t.q(column)} is null"
    missing, live = t.ctx.sql.rows(
        f"select count(*) filter (where {where}), count(*) filter (where {t.live}) "
        f"from {t.relation}"
    )[0]
    share = missing / live if live else 0.0
    limit = t.ctx.gates.max_unattributed_share
    return Measurement(
        t.ctx.check(t.suite, spec, EXPECTATION_OF_METRIC[spec.what], column),
        share,
        None,
        limit,
        f"{missing} of {live} live rows ({share:.1%}) without {column}, left out of the "
        f"account-level models (limit {limit:.0%})",
        t.ids(where) if share > limit else [],
    )


def _orphan_references(t: _RawTable, spec: CheckSpec, column: str) -> Measurement | None:
    parent = str(spec.params["references"])
    landed = find_landed_table(t.ctx.sql, t.ctx.warehouse.raw_schema, parent)
    if landed is None or landed.column("id") is None:
        t.ctx.skip(t.suite, spec, f"the referenced table {parent} is absent")
        return None
    c = t.q(column)
    where = (
        f"{t.live} and {c} is not null and not exists (select 1 from {landed.relation} "
        f"as parent where parent.{landed.quoted('id')} = {t.relation}.{c})"
    )
    orphans = _count_where(t, where)
    observed = f"{orphans} live rows whose {column} matches no {parent} row"
    return _offending_rows(t, spec, column, where, orphans, observed)


def _scope(t: _RawTable, spec: CheckSpec) -> str | None:
    """The live rows a check looks at, narrowed to those where its boolean column
    ``where`` holds; None when that column is absent (``t.has`` records the skip)."""
    condition = spec.params.get("where")
    if condition is None:
        return t.live
    if not t.has(spec, str(condition)):
        return None
    return f"{t.live} and coalesce({t.q(str(condition))}, false)"


def _far_future_dates(t: _RawTable, spec: CheckSpec, column: str) -> Measurement | None:
    scope = _scope(t, spec)
    if scope is None:
        return None
    value = t.ctx.sql.timestamp_of(t.landed.column(column), t.landed.type_of(column))
    horizon = _horizon(t.ctx)
    where = f"{scope} and {value} > timestamp {literal(horizon.isoformat(sep=' '))}"
    late, latest = t.ctx.sql.rows(
        f"select count(*) filter (where {where}), max({value}) from {t.relation} where {scope}"
    )[0]
    observed = f"{late} live rows after {horizon.date()} (latest {latest})"
    return _offending_rows(t, spec, column, where, late, observed)


def _negative_values(t: _RawTable, spec: CheckSpec, column: str) -> Measurement | None:
    """Live rows (where the boolean column ``where`` holds, if given) with ``column`` below zero.

    For values the org accepts but that are implausible, such as a negative
    Amount on a won deal (a refund booked as a deal, a sign typo): the models
    count it as it is, so the gate names the records for someone to look at.
    """
    scope = _scope(t, spec)
    if scope is None:
        return None
    condition = spec.params.get("where")
    where = f"{scope} and {t.q(column)} < 0"
    negative, lowest = t.ctx.sql.rows(
        f"select count(*) filter (where {where}), min({t.q(column)}) from {t.relation} "
        f"where {scope}"
    )[0]
    rows = f"live rows where {condition}" if condition is not None else "live rows"
    observed = f"{negative} {rows} with a negative {column} (lowest {lowest})"
    return _offending_rows(t, spec, column, where, negative, observed)


def _unparseable_dates(t: _RawTable, spec: CheckSpec, column: str) -> Measurement:
    value = t.ctx.sql.timestamp_of(t.landed.column(column), t.landed.type_of(column))
    where = f"{t.q(column)} is not null and {value} is null"
    bad = _count_where(t, where)
    observed = f"{bad} {column} values that do not parse as dates"
    return _offending_rows(t, spec, column, where, bad, observed)


def _row_count_drop(t: _RawTable, spec: CheckSpec, count: int, previous) -> Measurement:
    check = t.ctx.check(t.suite, spec, EXPECTATION_OF_METRIC[spec.what])
    limit = t.ctx.gates.max_row_count_drop
    if previous is None:
        return Measurement(check, 0, None, limit, f"{count} rows; first count, nothing to compare")
    run_id, before = previous
    drop = max(0.0, 1 - count / before) if before else 0.0
    return Measurement(
        check,
        drop,
        None,
        limit,
        f"{count} rows against {before} at run {run_id}: {drop:.0%} fewer (limit {limit:.0%})",
    )


def _date_columns(specs: tuple[CheckSpec, ...]) -> list[str]:
    columns = [c for s in specs if s.what == "far_future_dates" for c in s.columns]
    return list(dict.fromkeys(columns))


def _measurements(
    t: _RawTable, specs: tuple[CheckSpec, ...], count: int, previous
) -> list[Measurement]:
    measured: list[Measurement | None] = []
    per_column = {
        "duplicate_values": _duplicate_values,
        "null_values": _null_values,
        "missing_values": _missing_values,
        "unattributed_share": _unattributed_share,
        "orphan_references": _orphan_references,
        "far_future_dates": _far_future_dates,
        "negative_values": _negative_values,
    }
    for spec in specs:
        if spec.kind != "metric":
            continue
        if spec.what == "row_count_drop":
            measured.append(_row_count_drop(t, spec, count, previous))
        elif spec.what == "unparseable_dates":
            for column in _date_columns(specs):
                kind = t.landed.type_of(column)
                if t.landed.column(column) and not kind.startswith(("date", "timestamp")):
                    measured.append(_unparseable_dates(t, spec, column))
        else:
            measured += [per_column[spec.what](t, spec, c) for c in spec.columns if t.has(spec, c)]
    return [m for m in measured if m is not None]


def _row_checks(t: _RawTable, specs: tuple[CheckSpec, ...], object_name: str) -> list[Check]:
    checks: list[Check] = []
    for spec in specs:
        if spec.kind == "expect":
            checks += [c for c in spec.checks(t.suite, t.ctx.severities) if t.has(spec, c.column)]
        elif spec.kind == "from_describe" and spec.what == "picklists":
            describe = t.ctx.describes.describe(object_name)
            if describe is None:
                continue
            severity = t.ctx.severities.resolve(t.suite, spec.name, spec.severity)
            for field_name, values in picklist_values(describe).items():
                column = _NAMING.normalize_identifier(field_name)
                if t.landed.column(column) is not None:
                    checks.append(
                        Check(
                            "expect_column_values_to_be_in_set",
                            {"column": column, "value_set": values},
                            severity,
                            spec.name,
                        )
                    )
    return checks


def _validate_rows(t: _RawTable, checks: list[Check], count: int) -> list[CheckResult]:
    if not checks:
        return []
    ctx = t.ctx
    columns = list(dict.fromkeys(["id", *(c.column for c in checks if c.column)]))
    # GX reads a PostgreSQL table whole by its own names; another loader's
    # names are read through the sample, renamed to dlt's.
    if ctx.postgres_url is not None and not t.landed.renamed(columns):
        return ctx.session.validate_postgres_table(
            t.suite, checks, ctx.postgres_url, ctx.warehouse.raw_schema, t.landed.name, "id"
        )
    landed = [t.landed.column(c) for c in columns]
    frame = ctx.sql.sample(t.relation, landed, ctx.gates.sample_rows)
    frame.columns = columns
    # Sorted so that the sample ids a failure reports are the same on every run.
    frame = frame.sort_values("id")
    results = ctx.session.validate_frame(t.suite, checks, frame, "id")
    if len(frame) >= count:
        return results
    scope = f" (in a sample of {len(frame)} of {count} rows)"
    return [
        CheckResult(
            r.suite,
            r.expectation,
            r.column,
            r.severity,
            r.success,
            r.observed_value + scope,
            r.sample_ids,
            r.check,
        )
        for r in results
    ]


def check_raw_table(
    ctx: GateContext, table: str, object_name: str, previous: tuple[str, int] | None
) -> RawOutcome:
    """Run the raw suite of one table; an absent table is skipped with a note.

    ``previous`` is the (run id, row count) of the last accepted run, if any.
    """
    landed = find_landed_table(ctx.sql, ctx.warehouse.raw_schema, table, object_name)
    if landed is None:
        ctx.notes.append(
            f"{raw_suite(table)} skipped: no table {ctx.warehouse.raw_schema}.{table}."
        )
        return RawOutcome(table)
    t = _RawTable(ctx, table, landed)
    specs = default_suites().raw_checks(table)
    count = int(t.scalar(f"select count(*) from {t.relation}"))
    measurements = _measurements(t, specs, count, previous)
    results = ctx.session.validate_measurements(t.suite, measurements)
    results += _validate_rows(t, _row_checks(t, specs, object_name), count)
    return RawOutcome(table, results, count)
