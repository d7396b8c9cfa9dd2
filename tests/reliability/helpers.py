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


def generated_org_store(accounts: int = 8, seed: int = 3) -> OrgStore:
    """A small generated org, its ground truth left out (these tests do not score typology)."""
    from local_org.generator import generate_org
    from local_org.schema import standard_objects
    from tests.reliability.corpus import AS_OF

    generated = generate_org(accounts=accounts, seed=seed, as_of=AS_OF)
    store = OrgStore.create(standard_objects())
    for object_name, records in generated.records.items():
        store.insert(object_name, records)
    return store


def run_cli(*args: str) -> int:
    """``rapport ARGS`` in this process, as the console script runs it; returns the exit code."""
    import sys
    from unittest import mock

    from rapport import cli

    with mock.patch.object(sys, "argv", ["rapport", *args]):
        try:
            cli.main()
        except SystemExit as done:
            return int(done.code or 0)
        finally:
            cli._debug = False
    return 0
