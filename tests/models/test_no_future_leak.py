"""The marts computed as of a past cut must not see anything dated after it.

A backtest replays the models as of a cut on today's warehouse, which holds
the deals, cases, tasks and contracts that came after it. If one of them
changed a mart as of the cut, the backtest would grade the models with the
answers in hand. Every record planted here is a copy of a real one moved
after the cut (all its dates shifted), attached to the same accounts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from tests.factories.dbt import mart, write_raw_tables

CUT = dt.date(2025, 3, 1)
PLANTED_PER_OBJECT = 12
MARTS = ("account_relationship", "contact_relationship", "fct_relationship_moments")


def future_copies(records: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Records plus, per object, copies of some of them with every date after the cut."""
    planted = {name: list(rows) for name, rows in records.items()}
    for name, rows in records.items():
        if name == "User":
            continue
        for index, row in enumerate(rows[:: max(1, len(rows) // PLANTED_PER_OBJECT)]):
            dates = [v for v in row.values() if isinstance(v, dt.date)]
            if not dates:
                continue
            oldest = min(v.date() if isinstance(v, dt.datetime) else v for v in dates)
            shift = (CUT - oldest) + dt.timedelta(days=5 + index)
            copy = {
                key: value + shift if isinstance(value, dt.date) else value
                for key, value in row.items()
            }
            copy["Id"] = f"{row['Id'][:5]}FUTURE{index:07d}"
            planted[name].append(copy)
    return planted


def marts_as_of_cut(records, workdir: Path, dbt_build) -> dict[str, pd.DataFrame]:
    workdir.mkdir()
    warehouse = workdir / "warehouse.duckdb"
    write_raw_tables(warehouse, records)
    for command in ("seed", "run"):
        dbt_build(warehouse, vars={"as_of_date": CUT.isoformat()}, command=command)
    return {name: mart(warehouse, name) for name in MARTS}


@pytest.mark.slow
def test_records_dated_after_the_cut_change_no_mart(generated_records, tmp_path, dbt_build):
    records, _ = generated_records
    planted = future_copies(records)
    assert sum(map(len, planted.values())) > sum(map(len, records.values())) + 100

    clean = marts_as_of_cut(records, tmp_path / "clean", dbt_build)
    with_future = marts_as_of_cut(planted, tmp_path / "future", dbt_build)

    for name in MARTS:
        pd.testing.assert_frame_equal(
            clean[name].reset_index(drop=True),
            with_future[name].reset_index(drop=True),
            check_like=True,
            obj=name,
        )
    assert len(clean["account_relationship"]) > 0
