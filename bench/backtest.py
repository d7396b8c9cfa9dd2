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

    from flows.relationship_intelligence import relationship_intelligence
    from local_org.generator import generate_org
    from local_org.schema import standard_objects
    from local_org.server import LocalOrg
    from local_org.store import OrgStore
    from rapport.backtest import run_backtest
    from rapport.backtest.results import print_run, store
    from rapport.config import load_settings
    from rapport.demo import local_org_env
    from rapport.environment import scoped_environ

    console = Console()
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    cut = (today - timedelta(days=365 * CUT_YEARS_BEFORE_TODAY)).date()
    generated = generate_org(accounts=args.accounts, seed=args.seed, as_of=today)
    org_store = OrgStore.create(standard_objects())
    for object_name, records in generated.records.items():
        org_store.insert(object_name, records)
    with tempfile.TemporaryDirectory(prefix="rapport-backtest-") as tmp:
        workdir = Path(tmp)
        warehouse = workdir / "warehouse" / "rapport.duckdb"
        with (
            LocalOrg.start(org_store, state_dir=workdir / "local-org") as org,
            scoped_environ(
                local_org_env(org.info, warehouse, workdir / "state")
                | {
                    "RAPPORT_AS_OF_DATE": today.date().isoformat(),
                    "RAPPORT_CONFIG": str(workdir / "none.yml"),
                }
            ),
        ):
            relationship_intelligence(full_refresh=True, dry_run=True)
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
