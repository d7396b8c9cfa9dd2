"""Prefect settings that suit Rapport when no Prefect server is configured.

Without PREFECT_API_URL, Prefect starts a temporary local server; its first
start runs database migrations, which can take longer than Prefect's default
20 s on a small machine. Telemetry would try to reach the internet. Both are
defaults only: an environment or profile that sets them wins.
"""

from __future__ import annotations

import os

DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
}


def apply() -> None:
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
