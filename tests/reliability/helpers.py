"""Helpers for the reliability suite: a local org to aim at, and settings that reach it.

Kept here rather than in a conftest so the suite depends on nothing another
folder's fixtures may move or rename.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from local_org.server import LocalOrg
from local_org.store import OrgStore
from rapport.config import SalesforceSettings

FAST_RETRIES = {"retry_backoff_seconds": 0.01, "retry_max_backoff_seconds": 0.05}


def empty_store() -> OrgStore:
    from local_org.schema import standard_objects

    return OrgStore.create(standard_objects())


@contextmanager
def running_org(store: OrgStore, state_dir: Path) -> Iterator[LocalOrg]:
    with LocalOrg.start(store, state_dir=state_dir) as org:
        yield org


def sign_in_settings(org: LocalOrg, auth: str = "password", **changes: Any) -> SalesforceSettings:
    """Settings for ``auth`` against ``org``, with quick retries; ``changes`` override."""
    info = org.info
    values: dict[str, Any] = {
        "auth": auth,
        "local_org_url": info.instance_url,
        "ca_cert": info.ca_cert,
        "max_attempts": 4,
        **FAST_RETRIES,
    }
    if auth == "password":
        values |= {
            "username": info.username,
            "password": SecretStr(info.password),
            "security_token": SecretStr(info.security_token),
        }
    elif auth == "client_credentials":
        values |= {
            "domain": "acme.my",
            "consumer_key": info.consumer_key,
            "consumer_secret": SecretStr(info.consumer_secret),
        }
    for key, value in changes.items():
        secret = key in ("password", "security_token", "consumer_secret", "private_key")
        values[key] = SecretStr(value) if secret and isinstance(value, str) else value
    return SalesforceSettings(**values)


def sign_in_calls(org: LocalOrg) -> list[tuple[str, int]]:
    """(path, status) of every sign-in request the org has logged."""
    return [
        (entry.path, entry.status)
        for entry in org.request_log.entries()
        if entry.path.startswith(("/services/oauth2/token", "/services/Soap/"))
    ]
