"""Backtest on a generated org: the command's figures on five years of synthetic history.

Generates an org, runs the real pipeline against it (extract → dbt → gates,
dry-run write-back), then ``rapport backtest``'s run at a cut two years into
the org's history (three years before its "today") over a one-year horizon.
Prints the backtest table and writes the figures to the warehouse's
``rapport_audit.backtest_results``, as the command does.

    .venv/bin/python -m bench.backtest --accounts 2000 --seed 2026
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console

from rapport import prefect_defaults

# The generator writes about five years of history (local_org/generator/story.py).
CUT_YEARS_BEFORE_TODAY = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--horizon-days", type=int, default=365)
    args = parser.parse_args()
    prefect_defaults.apply()

    from bench.pipeline import dry_run_on_generated_org
    from rapport.backtest import run_backtest
    from rapport.backtest.results import print_run, store
    from rapport.config import load_settings

    console = Console()
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    cut = (today - timedelta(days=365 * CUT_YEARS_BEFORE_TODAY)).date()
    with (
        tempfile.TemporaryDirectory(prefix="rapport-backtest-") as tmp,
        dry_run_on_generated_org(args.accounts, args.seed, today, Path(tmp)),
    ):
        settings = load_settings()
        run = run_backtest(settings, cut, args.horizon_days)
        rows = store(settings.warehouse, settings.warehouse.audit_schema, run)
    console.print(f"Org of {args.accounts} accounts, seed {args.seed}, cut {cut}")
    print_run(run, console)
    if run.bgnbd_params is not None:
        p = run.bgnbd_params
        console.print(
            f"BG/NBD fit (weeks): r={p.r:.3f} alpha={p.alpha:.3f} a={p.a:.3f} b={p.b:.3f}"
        )
    console.print(f"{rows} figures written to rapport_audit.backtest_results")


if __name__ == "__main__":
    main()
