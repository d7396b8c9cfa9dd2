"""`rapport backtest` from the command line: its help, its refusals, and a run on a generated org.

The acceptance run generates an org with five years of history, runs the
real pipeline on it (write-back dry), then calls the CLI with a cut two
years into that history and a one-year horizon, and checks what the command
printed against what it stored in rapport_audit.backtest_results.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from rapport.cli import app
from tests.factories.orgs import AS_OF, generated_store
from tests.factories.output import assert_no_repr

runner = CliRunner()
TODAY = date.fromisoformat(AS_OF)
# Two years into the generator's five years of history (local_org/generator/story.py).
CUT = TODAY - timedelta(days=3 * 365)
HORIZON_DAYS = 365
# Enough customers (about 40% of the accounts had bought by the cut) for AUCs
# that move by a few hundredths, not tenths, from one org to the next.
ACCOUNTS, SEED = 400, 11


def test_help_says_what_the_cut_is_what_is_read_and_what_is_written():
    result = runner.invoke(app, ["backtest", "--help"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert_no_repr(result.output)
    for words in (
        "--as-of",
        "--horizon-days",
        "as_of_date",  # what the cut does to the models
        "No new extract",
        "does not call Salesforce",
        "rapport_audit.backtest_results",
        "rapport_backtest_horizon",
        "BG/NBD",
        "ROC AUC",
        "hostages",
    ):
        assert words in text, words


@pytest.fixture
def empty_settings(monkeypatch, tmp_path: Path) -> Path:
    warehouse = tmp_path / "warehouse" / "rapport.duckdb"
    monkeypatch.setenv("RAPPORT_CONFIG", str(tmp_path / "absent.yml"))
    monkeypatch.setenv("RAPPORT_WAREHOUSE__PATH", str(warehouse))
    monkeypatch.setenv("RAPPORT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("RAPPORT_AS_OF_DATE", AS_OF)
    return warehouse


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """The installed entry point (errors become one paragraph and an exit code)."""
    from rapport.cli import main

    monkeypatch.setattr("sys.argv", ["rapport", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    return exited.value.code, " ".join(capsys.readouterr().err.split())


def test_a_horizon_that_has_not_ended_is_refused(empty_settings, monkeypatch, capsys):
    cut = TODAY - timedelta(days=100)
    code, err = run_main(monkeypatch, capsys, "backtest", "--as-of", cut.isoformat())
    assert code == 2
    assert f"The horizon ends {cut + timedelta(days=365)}, after today ({TODAY})" in err
    assert "shorter --horizon-days" in err
    assert not empty_settings.exists()  # refused before touching the warehouse


def test_a_missing_warehouse_is_refused_without_creating_one(empty_settings, monkeypatch, capsys):
    cut = TODAY - timedelta(days=400)
    code, err = run_main(monkeypatch, capsys, "backtest", "--as-of", cut.isoformat())
    assert code == 2, err
    assert f"No warehouse at {empty_settings}" in err
    assert "Run the pipeline first" in err
    assert not empty_settings.exists()


def test_a_warehouse_without_staged_records_is_refused(empty_settings, monkeypatch, capsys):
    import duckdb

    empty_settings.parent.mkdir(parents=True)
    duckdb.connect(str(empty_settings)).close()
    cut = TODAY - timedelta(days=400)
    code, err = run_main(monkeypatch, capsys, "backtest", "--as-of", cut.isoformat())
    assert code == 2, err
    assert "stg_salesforce__opportunity is not in the warehouse" in err
    assert "Run the pipeline first" in err


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_backtest_on_a_generated_org_prints_stores_and_strength_ranks_as_well_as_bgnbd(
    pipeline_env,
):
    from flows.relationship_intelligence import relationship_intelligence
    from rapport.config import load_settings
    from rapport.warehouse import read_table

    store, _ = generated_store(accounts=ACCOUNTS, seed=SEED)
    pipeline_env(store)
    relationship_intelligence(full_refresh=True, dry_run=True)
    warehouse = load_settings().warehouse

    # The org holds at least two years of history before the cut, and the horizon is over.
    accounts = read_table(warehouse, "rapport_staging", "stg_salesforce__account")
    deals = read_table(warehouse, "rapport_staging", "stg_salesforce__opportunity")
    first = min(
        pd.to_datetime(accounts["created_at"], utc=True).min().date(),
        pd.to_datetime(deals["close_date"]).min().date(),
    )
    assert first <= CUT - timedelta(days=2 * 365)
    assert CUT + timedelta(days=HORIZON_DAYS) <= TODAY

    result = runner.invoke(
        app, ["backtest", "--as-of", CUT.isoformat(), "--horizon-days", str(HORIZON_DAYS)]
    )
    assert result.exit_code == 0, result.output
    output = result.output
    assert_no_repr(output)

    results = read_table(warehouse, warehouse.audit_schema, "backtest_results")
    assert results["run_id"].nunique() == 1
    run_id = results["run_id"].iloc[0]
    assert run_id in output  # the run the command printed is the one stored
    assert set(pd.to_datetime(results["cut_date"]).dt.date) == {CUT}
    assert set(results["horizon_days"]) == {HORIZON_DAYS}

    # Per type at the cut: every type's row printed with its stored count.
    at_cut = read_table(warehouse, "rapport_backtest", "account_relationship")
    counts = results[results["figure"] == "accounts"].set_index("type_at_cut")["value"]
    assert counts.sum() == len(at_cut) > 0
    assert counts.to_dict() == at_cut["relationship_type"].value_counts().astype(float).to_dict()
    assert f"Backtest as of {CUT}, horizon {HORIZON_DAYS} days" in output
    lines = output.splitlines()
    for code, count in counts.items():
        assert any(code in line and f" {int(count)} " in line for line in lines), code
    for outcome in ("bought_again", "renewed", "lapsed", "went_silent"):
        shares = results[results["figure"] == f"share_{outcome}"]
        assert set(shares["type_at_cut"]) == set(counts.index), outcome
        assert shares["value"].between(0, 1).all()

    # The transition matrix covers every account at the cut, once.
    moves = results[results["figure"] == "transition"]
    assert moves.groupby("type_at_cut")["value"].sum().to_dict() == counts.to_dict()
    assert "type at the horizon" in output

    # Hostages against healthy married accounts.
    hostage_rows = results[results["figure"] == "share_left_or_lapsed"]
    assert set(hostage_rows["type_at_cut"]) == {"hostage", "healthy_married"}
    assert "Hostages at the cut vs healthy married" in output

    # Both scores, both outcomes, over the same customers.
    scored = results[results["model"].isin(["rapport", "bgnbd"])]
    aucs = scored[scored["figure"].str.startswith("auc_")].set_index(["model", "figure"])
    assert set(aucs.index) == {
        (m, f) for m in ("rapport", "bgnbd") for f in ("auc_bought_again", "auc_lapsed_or_silent")
    }
    assert aucs["accounts"].nunique() == 1 and aucs["accounts"].iloc[0] >= 100
    strength = aucs.loc[("rapport", "auc_bought_again"), "value"]
    baseline = aucs.loc[("bgnbd", "auc_bought_again"), "value"]
    for value in (strength, baseline):
        assert f"{value:.3f}" in output
    compared = results[results["model"] == "rapport_vs_bgnbd"].set_index("figure")["value"]
    difference = compared["auc_bought_again_difference"]
    error = compared["auc_bought_again_difference_se"]
    assert difference == pytest.approx(strength - baseline)
    assert f"bought again {difference:+.3f}" in output
    print(
        f"\n{ACCOUNTS} accounts, seed {SEED}, cut {CUT}: AUC bought again strength "
        f"{strength:.3f}, BG/NBD {baseline:.3f}, difference {difference:+.3f} (SE {error:.3f})"
    )
    # Both rank who buys again far better than chance ...
    assert min(strength, baseline) > 0.75
    # ... and strength at least as well as the purchase-only specialist: the
    # sample does not show BG/NBD ranking better (the difference's 95% interval
    # reaches zero or above).
    assert difference + 1.96 * error >= 0
    # ... and, as the issue asks it, at least as high an AUC on this org. One
    # org's figure is a point estimate (the interval above is the guard
    # against a real deficit), but the org is seeded, so this fails only when
    # the models (or the generator) change what strength sees.
    assert strength >= baseline
