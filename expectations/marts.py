"""Mart suites: what dbt cannot see about ``account_relationship`` and ``contact_relationship``.

The marts' own invariants (keys, accepted values, score ranges, contracts)
are dbt tests, which stop ``dbt build`` before the gate runs. What is left
here compares a mart with something outside it: the raw tables (one row per
live record) and the last accepted run (the type distribution). Both are
computed in SQL and validated by GX as metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from expectations.context import GateContext
from expectations.gate import SAMPLE_SIZE, Check, CheckResult, Measurement
from expectations.landed import find_landed_table
from expectations.suites import CheckSpec, MartSuite
from rapport.warehouse.sql import quote


@dataclass
class MartOutcome:
    table: str
    results: list[CheckResult] = field(default_factory=list)
    # Rows per value of the distribution_shift column, recorded as the next baseline.
    distribution: dict[str, int] | None = None


def total_variation_distance(before: dict[str, int], after: dict[str, int]) -> float:
    """Half the summed absolute differences of the two share vectors: 0 same, 1 disjoint."""
    before_total, after_total = sum(before.values()), sum(after.values())
    if before_total == 0 or after_total == 0:
        return 0.0 if before_total == after_total else 1.0
    kinds = set(before) | set(after)
    return 0.5 * sum(
        abs(before.get(k, 0) / before_total - after.get(k, 0) / after_total) for k in kinds
    )


def _matches_live_raw_rows(
    ctx: GateContext, suite: MartSuite, spec: CheckSpec, relation: str
) -> Measurement:
    raw_table = str(spec.params["raw_table"])
    check = ctx.check(suite.table, spec, "expect_one_row_per_live_raw_row", suite.id_column)
    mart_id = quote(suite.id_column)
    landed = find_landed_table(ctx.sql, ctx.warehouse.raw_schema, raw_table)
    if landed is None:
        ctx.notes.append(f"{suite.table}.{spec.name}: no raw {raw_table} table; zero live rows.")
        live_ids = "select cast(null as varchar) as id where 1 = 0"
    else:
        live_ids = f"select {landed.quoted('id')} as id from {landed.relation} where {landed.live}"
    missing = (
        f"select live.id from ({live_ids}) as live where not exists "
        f"(select 1 from {relation} as mart where mart.{mart_id} = live.id)"
    )
    extra = (
        f"select mart.{mart_id} as id from {relation} as mart where not exists "
        f"(select 1 from ({live_ids}) as live where live.id = mart.{mart_id})"
    )
    counts = ctx.sql.rows(
        f"select (select count(*) from ({live_ids}) as l), (select count(*) from {relation}), "
        f"(select count(*) from ({missing}) as m), (select count(*) from ({extra}) as e)"
    )[0]
    live_count, mart_count, missing_count, extra_count = (int(v) for v in counts)
    sample: list[str] = []
    if missing_count or extra_count:
        sample = [
            str(row[0])
            for row in ctx.sql.rows(
                f"select id from ({missing} union all {extra}) as wrong "
                f"where id is not null order by id limit {SAMPLE_SIZE}"
            )
        ]
    return Measurement(
        check,
        missing_count + extra_count,
        0,
        0,
        f"{mart_count} rows for {live_count} live {raw_table} rows: "
        f"{missing_count} live {raw_table} rows missing, {extra_count} rows with no live {raw_table}",
        sample,
    )


def _distribution_shift(
    ctx: GateContext, suite: MartSuite, spec: CheckSpec, relation: str
) -> tuple[Measurement, dict[str, int]]:
    column = spec.columns[0]
    check = ctx.check(suite.table, spec, "expect_distribution_shift_to_be_below", column)
    rows = ctx.sql.rows(
        f"select {quote(column)}, count(*) from {relation} group by {quote(column)}"
    )
    current = {str(kind): int(count) for kind, count in rows}
    limit = ctx.gates.max_type_shift
    previous = ctx.audit.previous_type_distribution()
    if previous is None:
        return Measurement(check, 0.0, None, limit, "first run: no previous distribution"), current
    run_id, before = previous
    shift = total_variation_distance(before, current)
    changes = sorted(set(before) | set(current))
    detail = ", ".join(f"{k} {before.get(k, 0)}→{current.get(k, 0)}" for k in changes)
    observed = f"total variation distance {shift:.3f} since run {run_id} (limit {limit}); {detail}"
    return Measurement(check, shift, None, limit, observed), current


def check_mart(ctx: GateContext, suite: MartSuite) -> MartOutcome:
    """Run one mart suite; a missing mart is itself an error."""
    schema = ctx.warehouse.marts_schema
    columns = ctx.sql.columns(schema, suite.table)
    if columns is None:
        missing = Measurement(
            Check("expect_table_to_exist", {}, "error", "table_exists"),
            1,
            0,
            0,
            f"no table {schema}.{suite.table}: was the transform run?",
        )
        return MartOutcome(suite.table, ctx.session.validate_measurements(suite.table, [missing]))
    relation = ctx.sql.relation(schema, suite.table)
    measurements: list[Measurement] = []
    distribution = None
    for spec in suite.checks:
        if spec.what == "matches_live_raw_rows":
            measurements.append(_matches_live_raw_rows(ctx, suite, spec, relation))
        elif spec.what == "distribution_shift":
            measurement, distribution = _distribution_shift(ctx, suite, spec, relation)
            measurements.append(measurement)
    return MartOutcome(
        suite.table, ctx.session.validate_measurements(suite.table, measurements), distribution
    )
