"""Markdown for the run's Prefect artifacts: what a data engineer checks first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def models_markdown(node_results: Iterable) -> str:
    """dbt node results (RunResult objects) as a table."""
    lines = ["# dbt models built", "", "| node | status | seconds |", "|---|---|---:|"]
    for result in sorted(node_results, key=lambda r: r.node.unique_id):
        lines.append(f"| {result.node.unique_id} | {result.status} | {result.execution_time:.1f} |")
    return "\n".join(lines)


def distribution_markdown(current: Mapping[str, int], previous: Mapping[str, int] | None) -> str:
    """Accounts per type now, and the change since the previous snapshot."""
    total = sum(current.values()) or 1
    lines = ["# Relationship types", ""]
    if previous is None:
        lines.append("First snapshot: no earlier run to compare with.")
        previous = {}
    lines += ["", "| type | accounts | share | change since last run |", "|---|---:|---:|---:|"]
    for code in sorted(set(current) | set(previous), key=lambda c: -current.get(c, 0)):
        change = current.get(code, 0) - previous.get(code, 0)
        lines.append(
            f"| {code} | {current.get(code, 0):,} | {current.get(code, 0) / total:.0%} | {change:+,} |"
        )
    return "\n".join(lines)
