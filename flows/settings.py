"""The settings a flow run uses: the configured ones, with the run's own choices applied.

A run's ``target`` is passed to every stage flow as a parameter and applied
here, to that run's copy of the settings, rather than written to
``os.environ`` where it would outlive the run and reach everything else the
process does.
"""

from __future__ import annotations

from rapport.config import Settings, WarehouseType, load_settings

Target = WarehouseType


def run_settings(target: Target | None = None) -> Settings:
    """Settings from rapport.yml and the environment, on ``target`` when given."""
    settings = load_settings()
    if target is None or target == settings.warehouse.type:
        return settings
    warehouse = settings.warehouse.model_copy(update={"type": target})
    return settings.model_copy(update={"warehouse": warehouse})
