"""A Prefect global concurrency limit of one run per warehouse.

The hourly and nightly deployments are separate deployments, so their own
``concurrency_limit`` does not stop one overlapping the other; both write the
same warehouse. A global concurrency limit named after the warehouse does,
across every worker that shares the Prefect server. (Runs started by hand
against the ephemeral API share no server: ``rapport.run_lock`` covers them.)

Prefect 3.8 no longer creates a missing limit on acquisition
(``create_if_missing`` is deprecated and, with ``strict=False``, acquisition
is silently skipped), so the limit is created here first, with one slot, if
it does not exist; an operator's later change to it is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress

from rapport.config import WarehouseSettings
from rapport.errors import RunLockedError
from rapport.run_lock import identity_digest, warehouse_identity

logger = logging.getLogger(__name__)


def limit_name(warehouse: WarehouseSettings) -> str:
    """The limit's name: stable per warehouse, and a valid Prefect name."""
    return f"rapport-warehouse-{identity_digest(warehouse_identity(warehouse))}"


def ensure_limit(name: str) -> None:
    """Create the one-slot limit unless it exists (a concurrent creation is fine too)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            with suppress(ObjectAlreadyExists):
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=1)
                )


@contextmanager
def warehouse_slot(warehouse: WarehouseSettings, timeout_seconds: float) -> Iterator[None]:
    """Hold the warehouse's slot; wait up to ``timeout_seconds`` (0: one try), then RunLockedError."""
    from prefect.concurrency._asyncio import (
        AcquireConcurrencySlotTimeoutError,
        ConcurrencySlotAcquisitionError,
    )
    from prefect.concurrency.sync import concurrency

    name = limit_name(warehouse)
    ensure_limit(name)
    identity = warehouse_identity(warehouse)
    logger.info("Warehouse %s: concurrency limit %s", identity, name)
    # One attempt when not waiting: timeout 0 would cancel before the request.
    wait = {"timeout_seconds": timeout_seconds} if timeout_seconds else {"max_retries": 0}
    with ExitStack() as held:
        try:
            held.enter_context(concurrency(name, occupy=1, strict=True, **wait))
        except (AcquireConcurrencySlotTimeoutError, ConcurrencySlotAcquisitionError) as busy:
            if isinstance(busy, ConcurrencySlotAcquisitionError) and not _is_locked(busy):
                raise
            raise RunLockedError(
                f"Warehouse {identity} is in use by another flow run "
                f"(Prefect global concurrency limit {name} is full)."
            ) from busy
        yield


def _is_locked(error: BaseException) -> bool:
    """True when the server answered 423 Locked: the slot is taken."""
    cause = error.__cause__
    response = getattr(cause, "response", None)
    return getattr(response, "status_code", None) == 423
