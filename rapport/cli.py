"""The ``rapport`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from rapport import prefect_defaults

prefect_defaults.apply()

app = typer.Typer(help="Relationship intelligence for Salesforce.", no_args_is_help=True)
local_org_app = typer.Typer(help="Run or manage the local Salesforce-compatible org.")
app.add_typer(local_org_app, name="local-org")
console = Console()

DEFAULT_WAREHOUSE = Path("warehouse/rapport.duckdb")
DEFAULT_STATE_DIR = Path(".rapport")


@app.command()
def demo(
    accounts: Annotated[int, typer.Option(help="Accounts in the generated org.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the org generator.")] = 42,
    org_data: Annotated[
        Path | None,
        typer.Option(
            help="Seed the org from a folder of Salesforce CSV exports instead.",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    warehouse: Annotated[
        Path, typer.Option(help="DuckDB file of the warehouse.")
    ] = DEFAULT_WAREHOUSE,
    state_dir: Annotated[
        Path, typer.Option(help="Where pipeline state and the local org's files go.")
    ] = DEFAULT_STATE_DIR,
) -> None:
    """Start a local org, run the whole flow against it, and read the result back from the CRM."""
    from rapport.demo import run_demo

    result = run_demo(accounts, seed, org_data, warehouse, state_dir)
    table = Table(title=f"Relationship types read back from the CRM ({result.accounts} accounts)")
    table.add_column("Relationship_Type__c")
    table.add_column("accounts", justify="right")
    table.add_column("share", justify="right")
    for label, count in sorted(result.distribution_in_crm.items(), key=lambda kv: -kv[1]):
        table.add_row(label, str(count), f"{count / max(result.accounts, 1):.0%}")
    console.print(table)
    console.print(f"Warehouse: {warehouse}  (marts in schema [bold]rapport[/bold])")
    if result.ground_truth:
        console.print(f"Generator ground truth (outside the org): {result.ground_truth}")


@local_org_app.command("serve")
def local_org_serve(
    accounts: Annotated[int, typer.Option(help="Accounts in the generated org.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the org generator.")] = 42,
    org_data: Annotated[
        Path | None,
        typer.Option(
            help="Seed from a folder of Salesforce CSV exports.", exists=True, file_okay=False
        ),
    ] = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1; 0 picks a free one.")] = 0,
    state_dir: Annotated[
        Path, typer.Option(help="Where the certificate and labels go.")
    ] = DEFAULT_STATE_DIR,
) -> None:
    """Serve a local org in the foreground. The first line of output is its connection info as JSON."""
    from connectors.local_org.server import serve_forever
    from rapport.demo import seed_store

    store, _ = seed_store(accounts, seed, org_data, state_dir)
    serve_forever(store, port=port or None, state_dir=state_dir / "local-org")


if __name__ == "__main__":
    app()
