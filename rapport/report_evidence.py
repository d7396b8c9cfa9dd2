"""The report's "why": the evidence behind each verdict and the expectations each type broke.

Kept apart from ``report_figures`` (the charts) because both read marts that
an older warehouse may lack (``relationship_evidence``,
``fct_expectation_violations``): then the report shows no reasons and says
so, rather than failing.
"""

from __future__ import annotations

import pandas as pd

from rapport.report_data import Marts
from rapport.report_figures import TypeStyle, _style

# Evidence lines shown per account on the act-on list: the rule, then the records.
RECORDS_PER_ACCOUNT = 3


def evidence_by_account(marts: Marts, account_ids: list[str]) -> dict[str, list[str]]:
    """For each account, the rule that typed it (with its signals) and the records that weighed most."""
    evidence = marts.evidence
    if evidence.empty or not account_ids:
        return {}
    wanted = evidence[evidence["account_id"].isin(account_ids)].copy()
    if "evidence_rank" not in wanted.columns:
        wanted["evidence_rank"] = 0
    wanted = wanted.sort_values(["account_id", "evidence_rank"], na_position="last")
    reasons: dict[str, list[str]] = {}
    for account, rows in wanted.groupby("account_id", sort=False):
        rule = rows[rows["evidence_kind"] == "type_rule"]["detail"].dropna().tolist()
        records = rows[rows["evidence_kind"] == "record"]["detail"].dropna().tolist()
        reasons[str(account)] = [*rule[:1], *records[:RECORDS_PER_ACCOUNT]]
    return reasons


def violations_by_type(marts: Marts, styles: dict[str, TypeStyle]) -> list[dict]:
    """Broken expectations counted by the type whose rules they break, most frequent first."""
    violations = marts.violations
    if violations.empty:
        return []
    rows = []
    grouped = violations.groupby(["relationship_type", "expectation"], dropna=False)
    for (type_code, expectation), group in grouped:
        label = _label(group)
        latest = pd.to_datetime(group["violated_on"], errors="coerce").max()
        rows.append(
            {
                "type": _style(styles, type_code),
                "expectation": str(expectation),
                "label": label or str(expectation),
                "violations": len(group),
                "accounts": group["account_id"].nunique(),
                "latest": None if pd.isna(latest) else latest.date(),
            }
        )
    order = {code: index for index, code in enumerate(styles)}
    rows.sort(key=lambda r: (order.get(r["type"].code, len(order)), -r["violations"]))
    return rows


def _label(group: pd.DataFrame) -> str:
    if "expectation_label" not in group.columns:
        return ""
    values = [v for v in group["expectation_label"] if isinstance(v, str) and v]
    return values[0] if values else ""
