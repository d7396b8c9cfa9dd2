"""The Prefect global concurrency limit: one flow run per warehouse across workers."""

from __future__ import annotations

import pytest

from flows.warehouse_limit import limit_name, warehouse_slot
from rapport.config import WarehouseSettings
from rapport.errors import RunLockedError

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def test_a_second_run_on_the_warehouse_stops_and_the_slot_comes_back(tmp_path):
    from prefect.client.orchestration import get_client

    warehouse = WarehouseSettings(path=tmp_path / "rapport.duckdb")
    with warehouse_slot(warehouse, timeout_seconds=0):
        with (
            pytest.raises(RunLockedError, match="in use by another flow run"),
            warehouse_slot(warehouse, timeout_seconds=0),
        ):
            pass
        other = WarehouseSettings(path=tmp_path / "other.duckdb")
        with warehouse_slot(other, timeout_seconds=0):
            pass  # another warehouse is not blocked

    with warehouse_slot(warehouse, timeout_seconds=0):
        pass  # released when the first run ended
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(limit_name(warehouse))
    assert limit.limit == 1 and limit.active_slots == 0


def test_a_waiting_run_times_out_with_the_clear_error(tmp_path):
    warehouse = WarehouseSettings(path=tmp_path / "rapport.duckdb")
    with (
        warehouse_slot(warehouse, timeout_seconds=0),
        pytest.raises(RunLockedError, match="rapport-warehouse-"),
        warehouse_slot(warehouse, timeout_seconds=1),
    ):
        pass
