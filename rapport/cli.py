"""The ``rapport`` command line.

Every command loads its settings from ``rapport.yml`` (or ``--config``) and the
environment. Errors print as one paragraph with what to do about them; pass
``--debug`` for the traceback. Exit codes: 0 success, 1 unexpected error,
2 configuration, 3 a quality gate stopped the run, 4 Salesforce sign-in,
5 a check failed (doctor), 6 another run holds the warehouse.

Commands that write the warehouse (demo, run, extract, transform, validate,
writeback) hold its run lock (``rapport.run_lock``) for their whole run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from rapport import prefect_defaults
from rapport.config import CONFIG_ENV_VAR
from rapport.consoles import make_console
from rapport.errors import explain
from rapport.gc_settings import collect_for_a_pipeline_run

if TYPE_CHECKING:
    from rapport.progress_tracker import ProgressTracker

prefect_defaults.apply()

app = typer.Typer(
    help="Relationship intelligence for Salesforce: measure every account's relationship and write it back to the CRM.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
local_org_app = typer.Typer(
    help="Run, generate or export Rapport's local Salesforce-compatible org.", no_args_is_help=True
)
app.add_typer(local_org_app, name="local-org")
# Results on stdout, progress and errors on stderr (so `run --json` prints JSON only);
# made again when a command starts, for the stream it will actually write to.
console = make_console()
err_console = make_console(stderr=True)

DEFAULT_WAREHOUSE = Path("warehouse/rapport.duckdb")
DEFAULT_STATE_DIR = Path(".rapport")
_debug = False

AccountsOption = Annotated[int, typer.Option(help="Accounts in the generated org.", min=1)]
SeedOption = Annotated[int, typer.Option(help="Seed of the org generator (same seed, same org).")]
OrgDataOption = Annotated[
    Path | None,
    typer.Option(
        help="Seed the org from a folder of Salesforce CSV exports (<Object>.csv) instead.",
        exists=True,
        file_okay=False,
    ),
]


@app.callback()
def _options(
    config: Annotated[
        Path | None,
        typer.Option(help="Settings file (default: ./rapport.yml).", envvar=CONFIG_ENV_VAR),
    ] = None,
    debug: Annotated[
        bool, typer.Option(help="Show tracebacks instead of one-paragraph errors.")
    ] = False,
) -> None:
    global _debug, console, err_console
    _debug = debug
    console, err_console = make_console(), make_console(stderr=True)
    if not debug:
        # Flow logs (and the tracebacks Prefect logs for failed tasks) stay in
        # the Prefect API; the terminal gets progress, the result, or one
        # paragraph about what went wrong. --debug shows everything.
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_LEVEL", "CRITICAL")
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_TASK_RUNS_LEVEL", "CRITICAL")
    if config is not None:
        os.environ[CONFIG_ENV_VAR] = str(config)


@contextmanager
def _progress() -> Iterator[ProgressTracker]:
    """Show each stage's progress on stderr while the block runs; yields what it counted.

    When a stage fails, what the run did up to then is summarised before the error.
    """
    from rapport.progress_display import showing_progress
    from rapport.summary import run_summary, summary_renderable

    with showing_progress(err_console) as tracker:
        try:
            yield tracker
        except Exception:
            if tracker.stages:
                err_console.print(summary_renderable(run_summary(tracker)))
            raise


def _print_summary(tracker: ProgressTracker) -> None:
    from rapport.summary import run_summary, summary_renderable

    console.print(summary_renderable(run_summary(tracker)))


@contextmanager
def _holding_warehouse(
    command: str, warehouse: Path | None = None, state_dir: Path | None = None
) -> Iterator[None]:
    """Hold the run lock of the configured warehouse (or of ``warehouse``) while writing it."""
    from rapport.config import load_settings
    from rapport.run_lock import run_lock

    settings = load_settings()
    target = settings.warehouse
    if warehouse is not None:
        target = target.model_copy(update={"type": "duckdb", "path": warehouse})
    with run_lock(
        target,
        state_dir if state_dir is not None else settings.state_dir,
        f"rapport {command}",
        settings.run_lock_timeout_seconds,
    ):
        yield


@app.command()
def demo(
    accounts: AccountsOption = 1000,
    seed: SeedOption = 42,
    org_data: OrgDataOption = None,
    warehouse: Annotated[
        Path, typer.Option(help="DuckDB file of the warehouse.")
    ] = DEFAULT_WAREHOUSE,
    state_dir: Annotated[
        Path, typer.Option(help="Where pipeline state and the local org's files go.")
    ] = DEFAULT_STATE_DIR,
) -> None:
    """Start a local org, run the whole flow against it, and read the result back from the CRM."""
    from rapport.demo import run_demo
    from rapport.demo_org import OrgProcessFailed

    source = "your export" if org_data else f"{accounts} generated accounts"
    err_console.print(
        f"Demo: a local org with {source} → extract → dbt → gates → write-back", markup=False
    )
    with _holding_warehouse("demo", warehouse, state_dir), _progress() as tracker:
        try:
            result = run_demo(accounts, seed, org_data, warehouse, state_dir)
        except OrgProcessFailed as stopped:
            # The org's own process has explained the problem (a refused export
            # folder, say) on stderr; its exit code is the one to give.
            raise typer.Exit(stopped.exit_code) from None
    _print_summary(tracker)
    table = Table(title=f"Relationship types read back from the CRM ({result.accounts} accounts)")
    table.add_column("Relationship_Type__c")
    table.add_column("accounts", justify="right")
    table.add_column("share", justify="right")
    for label, count in sorted(result.distribution_in_crm.items(), key=lambda kv: -kv[1]):
        table.add_row(label, str(count), f"{count / max(result.accounts, 1):.0%}")
    console.print(table)
    console.print(
        f"Warehouse: {warehouse}  (marts in schema [bold]rapport[/bold]); report: rapport report --warehouse {warehouse}"
    )
    if result.ground_truth:
        console.print(f"Generator ground truth (outside the org): {result.ground_truth}")


@app.command()
def run(
    full_refresh: Annotated[
        bool,
        typer.Option(help="Re-extract every object from scratch and rebuild incremental models."),
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="Do everything but write to the CRM.")] = False,
    objects: Annotated[
        list[str] | None, typer.Option("--object", help="Extract only this object (repeatable).")
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the run summary as JSON on stdout, and nothing else."),
    ] = False,
) -> None:
    """Extract → transform → validate → write back, as the scheduled deployments do."""
    # The lock first: a run that must wait or stop says so before loading Prefect.
    with _holding_warehouse("run"):
        from flows.relationship_intelligence import relationship_intelligence

        started_at = datetime.now(UTC)
        with _progress() as tracker:
            distribution = relationship_intelligence(
                full_refresh=full_refresh, dry_run=dry_run, objects=objects or None
            )
    if as_json:
        import json

        from rapport.summary import run_summary

        summary = {**run_summary(tracker), "relationship_types": distribution}
        print(json.dumps(summary, indent=2, sort_keys=False))
        return
    _print_summary(tracker)
    _print_distribution(distribution)
    if dry_run:
        from rapport.cli_output import markdown_renderable
        from rapport.dry_run import dry_run_report_since

        report = dry_run_report_since(started_at)
        console.print(
            markdown_renderable(report)
            if report
            else "No write-back was computed (see the run's log)."
        )


@app.command()
def extract(
    full_refresh: Annotated[
        bool, typer.Option(help="Drop watermarks and extract everything again.")
    ] = False,
    objects: Annotated[
        list[str] | None, typer.Option("--object", help="Extract only this object (repeatable).")
    ] = None,
) -> None:
    """Load Salesforce objects into the warehouse's raw schema (incremental by default)."""
    with _holding_warehouse("extract"):
        from flows.extract import extract as extract_flow

        with _progress() as tracker:
            extract_flow(full_refresh=full_refresh, objects=objects or None)
    _print_summary(tracker)


@app.command()
def transform(
    full_refresh: Annotated[
        bool, typer.Option(help="Rebuild incremental models (history is kept).")
    ] = False,
) -> None:
    """Build and test the dbt models."""
    with _holding_warehouse("transform"):
        from flows.transform import transform as transform_flow

        with _progress() as tracker:
            transform_flow(full_refresh=full_refresh)
    _print_summary(tracker)


@app.command()
def validate() -> None:
    """Run the quality gates on the raw tables and the marts."""
    with _holding_warehouse("validate"):
        from flows.validate import validate as validate_flow

        with _progress() as tracker:
            results = validate_flow()
    _print_summary(tracker)
    from rapport.cli_output import failed_checks_renderable

    failed = failed_checks_renderable(results)
    console.print(failed if failed is not None else "Every check passed.")


@app.command()
def writeback(
    dry_run: Annotated[
        bool, typer.Option(help="Print counts and a before/after sample; write nothing.")
    ] = False,
) -> None:
    """Write changed relationship fields to Account and Contact records."""
    with _holding_warehouse("writeback"):
        from flows.writeback import writeback as writeback_flow

        with _progress() as tracker:
            report = writeback_flow(dry_run=dry_run)
    _print_summary(tracker)
    from rapport.cli_output import markdown_renderable

    console.print(markdown_renderable(report.to_markdown()))


@app.command("install-fields")
def install_fields() -> None:
    """Create any missing Rapport field on Account and Contact (Tooling API) and list those that exist."""
    from connectors.salesforce.writeback.install import run_install_fields
    from rapport.cli_output import install_renderable

    console.print(install_renderable(run_install_fields()))


@app.command()
def report(
    out: Annotated[Path, typer.Option(help="HTML file to write.")] = Path(
        "warehouse/rapport-report.html"
    ),
    warehouse: Annotated[
        Path | None, typer.Option(help="DuckDB warehouse file (default: from settings).")
    ] = None,
) -> None:
    """Write the relationship report: one self-contained HTML file that works offline."""
    from rapport.config import load_settings
    from rapport.report import write_report

    settings = load_settings()
    if warehouse is not None:
        settings.warehouse.path = warehouse
    path = write_report(settings, out)
    console.print(f"Report written to {path}")


@app.command()
def doctor() -> None:
    """Check the settings, the sign-in, the API budget, the CRM fields and the warehouse; say what to fix."""
    from rapport.doctor import run_checks

    checks = run_checks()
    table = Table(title="rapport doctor")
    table.add_column("check")
    table.add_column("")
    table.add_column("details / what to do")
    for check in checks:
        table.add_row(
            check.name, "[green]ok[/green]" if check.ok else "[red]problem[/red]", check.detail
        )
    console.print(table)
    if not all(check.ok for check in checks):
        raise typer.Exit(5)


@local_org_app.command("serve")
def local_org_serve(
    accounts: AccountsOption = 1000,
    seed: SeedOption = 42,
    org_data: OrgDataOption = None,
    store: Annotated[
        Path | None,
        typer.Option(
            help="Serve an org saved by `local-org generate`.", exists=True, dir_okay=False
        ),
    ] = None,
    port: Annotated[
        int, typer.Option(help="Port on 127.0.0.1; 0 picks a free one.", min=0, max=65535)
    ] = 0,
    state_dir: Annotated[
        Path, typer.Option(help="Where the certificate and ground truth go.")
    ] = DEFAULT_STATE_DIR,
    config_out: Annotated[
        Path | None,
        typer.Option(
            help="Also write a rapport.yml that points Rapport at this org.", dir_okay=False
        ),
    ] = None,
    until_stdin_closes: Annotated[
        bool,
        typer.Option(
            help="Stop when standard input closes: for a program that starts the org and "
            "may itself be killed before it can stop it."
        ),
    ] = False,
) -> None:
    """Serve a local org in the foreground. The first line of output is its connection info as JSON."""
    from local_org.server import serve_forever
    from local_org.store import OrgStore
    from rapport.demo import ConnectionInfoSink, seed_store
    from rapport.parent_watch import interrupt_when_stdin_closes

    if until_stdin_closes:
        interrupt_when_stdin_closes()
    org_store = (
        OrgStore.open(store) if store else seed_store(accounts, seed, org_data, state_dir)[0]
    )
    serve_forever(
        org_store,
        port=port or None,
        state_dir=state_dir / "local-org",
        out=ConnectionInfoSink(config_out),
    )


@local_org_app.command("generate")
def local_org_generate(
    out: Annotated[
        Path,
        typer.Option(help="Org file to write (DuckDB); serve it with `local-org serve --store`."),
    ],
    accounts: AccountsOption = 1000,
    seed: SeedOption = 42,
    labels: Annotated[
        Path | None,
        typer.Option(help="Where to write the ground truth (default: beside the org file)."),
    ] = None,
) -> None:
    """Generate a synthetic org; its ground-truth labels are written outside it."""
    from rapport.demo import generate_store

    # Straight into the file, batch by batch: no copy of the whole org held in memory.
    org_store, truth = generate_store(accounts, seed, path=out)
    org_store.close()
    from local_org.generator import write_labels

    labels = labels or out.with_suffix(".labels.csv")
    write_labels(truth, labels)
    console.print(f"Org with {accounts} accounts written to {out}; ground truth in {labels}")


@local_org_app.command("export")
def local_org_export(
    store: Annotated[
        Path,
        typer.Option(help="Org file written by `local-org generate`.", exists=True, dir_okay=False),
    ],
    out: Annotated[Path, typer.Option(help="Folder for <Object>.csv files.", file_okay=False)],
) -> None:
    """Export an org as Salesforce CSV files (the format `--org-data` reads)."""
    from local_org.csv_seed import export_csv
    from local_org.store import OrgStore

    files = export_csv(OrgStore.open(store), out)
    console.print(f"{len(files)} files written to {out}")


@app.command()
def backtest(
    as_of: Annotated[
        datetime,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help=(
                "The cut (YYYY-MM-DD): the models see only what was dated on or before it, "
                "as if the pipeline had run that day."
            ),
        ),
    ],
    horizon_days: Annotated[
        int,
        typer.Option(
            help=(
                "Days after the cut over which outcomes are counted; the cut plus the horizon "
                "must be in the past."
            ),
            min=30,
        ),
    ] = 365,
) -> None:
    """Backtest the typology: replay the models at a past date and grade them on what happened next.

    [bold]The cut.[/bold] --as-of is a past date. The dbt models are rebuilt with
    the var as_of_date set to it, so every mart is what Rapport would have said
    that day: records dated after the cut change nothing. They are rebuilt a
    second time as of the cut plus --horizon-days, for the type each account
    had by then.

    [bold]No new extract.[/bold] The backtest reads the warehouse as the last run
    left it (the staged CRM records); it does not call Salesforce. Run the
    pipeline first (`rapport run` or `rapport demo`). The live marts and the
    write-back are not touched.

    [bold]What it measures[/bold], over the horizon, per account: bought again (a
    won deal worth something), renewed (a contract started or a renewal won),
    lapsed (a contract ended with none covering the horizon's end), went silent
    (no inbound touch), and its type at the horizon. Printed: per type at the
    cut, the accounts and the share of each outcome; the transition matrix to
    the type at the horizon; the ROC AUC of strength_score for "bought again"
    and for "lapsed or went silent", next to a BG/NBD baseline fitted on
    purchases up to the cut (expected purchases over the horizon), over the
    accounts that had bought before the cut; and the share of hostages at the
    cut that left or lapsed, against healthy married accounts.

    [bold]Written where.[/bold] The replayed marts go to the schemas
    rapport_backtest and rapport_backtest_horizon (with their _intermediate
    schemas), replaced on every backtest. Every figure is appended to
    rapport_audit.backtest_results, one row per run and figure (run_id,
    cut_date, horizon_days, model, figure, type_at_cut, type_at_horizon,
    value, accounts, computed_at); `rapport report` shows the latest run.

    Example: rapport backtest --as-of 2024-06-30 --horizon-days 180
    """
    with _holding_warehouse("backtest"):
        from rapport.backtest import run_backtest
        from rapport.backtest.results import print_run, store
        from rapport.config import load_settings

        settings = load_settings()
        err_console.print(
            f"Replaying the models as of {as_of.date()} and {horizon_days} days later…"
        )
        run = run_backtest(settings, as_of.date(), horizon_days)
        rows = store(settings.warehouse, settings.warehouse.audit_schema, run)
    print_run(run, console)
    console.print(
        f"{rows} figures written to {settings.warehouse.audit_schema}.backtest_results (run {run.run_id})"
    )


def _print_distribution(distribution: dict[str, int]) -> None:
    table = Table(title="Relationship types")
    table.add_column("type")
    table.add_column("accounts", justify="right")
    for code, count in sorted(distribution.items(), key=lambda kv: -kv[1]):
        table.add_row(code, str(count))
    console.print(table)


def main() -> None:
    """Entry point: run the app, turning errors into one clear paragraph and an exit code.

    Click itself handles --help, usage errors and exit codes (standalone mode);
    what reaches here is an error from a command.
    """
    collect_for_a_pipeline_run()
    try:
        app()
    except Exception as error:
        if _debug:
            raise
        problem = explain(error)
        # Soft-wrapped so paths and Ids in the message stay whole and copyable.
        err_console.print(f"[bold red]{problem.title}[/bold red]", soft_wrap=True)
        err_console.print(problem.message, soft_wrap=True, markup=False, highlight=False)
        sys.exit(problem.exit_code)


if __name__ == "__main__":
    main()
