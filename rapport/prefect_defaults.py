"""Prefect settings that suit Rapport when no Prefect server is configured.

Without PREFECT_API_URL, Prefect starts a temporary local server; its first
start runs database migrations, which can take longer than Prefect's default
20 s on a small machine. Telemetry would try to reach the internet. Both are
defaults only: an environment or profile that sets them wins.

Block auto-registration is off for the same temporary server: at each start
it imports every installed Prefect collection to look for block types
(prefect-dbt imports all of dbt), about 5 s of CPU in a start-up that gates
the first flow run (profile of ``rapport demo``), only to find the same
types each time. Rapport's one block type, ``Secret``, registers itself
when a block is saved (``Block.save``), so nothing Rapport reads is lost.
"""

from __future__ import annotations

import os

DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
    # The memoised path imports the collections before it even checks the flag above.
    "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}


def apply() -> None:
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
