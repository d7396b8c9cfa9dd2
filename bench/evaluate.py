"""Accuracy of the typology against the generator's ground truth.

Generates an org, serves it as a local org, runs the real pipeline against it
(extract → dbt → gates, with a dry-run write-back) and compares
``relationship_type`` and ``is_hostage`` with the labels the generator wrote
outside the org. Prints, per seed, per-type precision/recall/F1, macro-F1,
hostage F1, a confusion matrix, the error rate per confidence band (low
confidence should mean wrong more often) and the median strength per true
type, hostages apart (a hostage must not look strong); then the same as JSON.

    .venv/bin/python -m bench.evaluate --accounts 2000 --seeds 2026 7
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.metrics import (
    binary_f1,
    calibration_bands,
    confusion_matrix,
    macro_f1,
    median,
    per_class_scores,
)
from rapport import prefect_defaults

TARGET_MACRO_F1 = 0.95
TARGET_HOSTAGE_F1 = 0.90
# Hostages' median strength must be this many points below each healthy group's.
TARGET_HOSTAGE_STRENGTH_GAP = 20.0
HEALTHY_GROUPS = ("married", "partner", "steady")


def run_pipeline(accounts: int, seed: int, workdir: Path, orphan_share: float | None = None):
    """Return (labels, mart dataframe) after a full dry run against a generated org."""
    from bench.pipeline import dry_run_on_generated_org
    from rapport.config import load_settings
    from rapport.warehouse import read_table

    as_of = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    orphans = {} if orphan_share is None else {"orphan_share": orphan_share}
    with dry_run_on_generated_org(accounts, seed, as_of, workdir, **orphans) as generated:
        settings = load_settings()
        mart = read_table(
            settings.warehouse, settings.warehouse.marts_schema, "account_relationship"
        )
    return generated.labels, mart


def evaluate(labels: list[dict], mart) -> dict:
    from rapport.typology import type_codes

    predicted = mart.set_index("account_id")
    rows = [(label, predicted.loc[label["account_id"]]) for label in labels]
    truth = [label["relationship_type"] for label, _ in rows]
    guess = [str(row["relationship_type"]) for _, row in rows]
    codes = type_codes()
    scores = per_class_scores(truth, guess, codes)
    hostage = binary_f1(
        [bool(label["is_hostage"]) for label, _ in rows],
        [bool(row["is_hostage"]) for _, row in rows],
    )
    return {
        "accounts": len(rows),
        "per_type": [s.__dict__ for s in scores],
        "macro_f1": round(macro_f1(scores), 4),
        "hostage": hostage.__dict__,
        "confusion_matrix": {
            "labels": codes,
            "rows_truth_columns_predicted": confusion_matrix(truth, guess, codes),
        },
        "calibration": calibration(rows, truth, guess),
        "strength": strength_medians(rows),
        "targets": {
            "macro_f1": TARGET_MACRO_F1,
            "hostage_f1": TARGET_HOSTAGE_F1,
            "hostage_strength_gap": TARGET_HOSTAGE_STRENGTH_GAP,
        },
        "meets_targets": macro_f1(scores) >= TARGET_MACRO_F1 and hostage.f1 >= TARGET_HOSTAGE_F1,
    }


def calibration(rows: list, truth: list[str], guess: list[str]) -> list[dict]:
    """Error rate per confidence quartile, lowest confidence first."""
    confidence = [float(row["confidence"]) for _, row in rows]
    correct = [t == g for t, g in zip(truth, guess, strict=True)]
    return [
        {
            "confidence_low": band.low,
            "confidence_high": band.high,
            "accounts": band.accounts,
            "error_rate": round(band.error_rate, 4),
        }
        for band in calibration_bands(confidence, correct)
    ]


def strength_medians(rows: list) -> dict:
    """Median strength per true type of healthy accounts, hostages as a group of their own."""
    groups: dict[str, list[float]] = {}
    for label, row in rows:
        group = "hostage" if label["is_hostage"] else label["relationship_type"]
        groups.setdefault(group, []).append(float(row["strength_score"]))
    medians = {group: median(values) for group, values in sorted(groups.items())}
    hostage = medians.get("hostage")
    gaps = {
        group: round(medians[group] - hostage, 1)
        for group in HEALTHY_GROUPS
        if hostage is not None and medians.get(group) is not None
    }
    return {
        "median_by_true_type": medians,
        "hostage_gap": gaps,
        "meets_gap": bool(gaps) and min(gaps.values()) >= TARGET_HOSTAGE_STRENGTH_GAP,
    }


def print_report(result: dict, console: Console) -> None:
    table = Table(title=f"Typology against ground truth ({result['accounts']} accounts)")
    for column in ("type", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "type" else "right")
    for score in result["per_type"]:
        table.add_row(
            score["label"],
            f"{score['precision']:.3f}",
            f"{score['recall']:.3f}",
            f"{score['f1']:.3f}",
            str(score["support"]),
        )
    console.print(table)
    hostage = result["hostage"]
    console.print(f"macro-F1: {result['macro_f1']:.3f} (target ≥ {TARGET_MACRO_F1})")
    console.print(
        f"hostage: precision {hostage['precision']:.3f}, recall {hostage['recall']:.3f}, F1 {hostage['f1']:.3f} (target ≥ {TARGET_HOSTAGE_F1})"
    )
    labels = result["confusion_matrix"]["labels"]
    matrix = Table(title="Confusion matrix (rows: truth, columns: predicted)")
    matrix.add_column("")
    for label in labels:
        matrix.add_column(label[:8], justify="right")
    for label, row in zip(
        labels, result["confusion_matrix"]["rows_truth_columns_predicted"], strict=True
    ):
        matrix.add_row(label, *map(str, row))
    console.print(matrix)
    bands = Table(title="Confidence calibration (error rate per confidence band)")
    for column in ("confidence", "accounts", "typed wrong"):
        bands.add_column(column, justify="right")
    for band in result["calibration"]:
        bands.add_row(
            f"{band['confidence_low']:.2f}-{band['confidence_high']:.2f}",
            str(band["accounts"]),
            f"{band['error_rate']:.1%}",
        )
    console.print(bands)
    strength = result["strength"]
    medians = Table(title="Median strength by true type (hostages apart)")
    medians.add_column("true type")
    medians.add_column("median strength", justify="right")
    for group, value in strength["median_by_true_type"].items():
        medians.add_row(group, "-" if value is None else f"{value:.1f}")
    console.print(medians)
    gaps = ", ".join(f"{group} {gap:+.1f}" for group, gap in strength["hostage_gap"].items())
    console.print(
        f"hostage strength gap (healthy minus hostage): {gaps} "
        f"(target ≥ {TARGET_HOSTAGE_STRENGTH_GAP:.0f} each)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[2026, 7])
    parser.add_argument(
        "--orphan-share", type=float, default=None, help="opportunities without an account"
    )
    parser.add_argument("--json", type=Path, default=Path("bench/out/evaluate.json"))
    args = parser.parse_args()
    prefect_defaults.apply()
    console = Console()
    results = []
    for seed in args.seeds:
        with tempfile.TemporaryDirectory(prefix="rapport-evaluate-") as workdir:
            labels, mart = run_pipeline(args.accounts, seed, Path(workdir), args.orphan_share)
        result = evaluate(labels, mart) | {"seed": seed}
        console.rule(f"seed {seed}")
        print_report(result, console)
        results.append(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    for result in results:
        print(
            json.dumps(
                {k: result[k] for k in ("accounts", "seed", "macro_f1", "meets_targets")}
                | {
                    "hostage_f1": round(result["hostage"]["f1"], 4),
                    "hostage_strength_gap": result["strength"]["hostage_gap"],
                }
            )
        )


if __name__ == "__main__":
    main()
