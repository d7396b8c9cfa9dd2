"""Sign in to Salesforce through simple-salesforce's own sign-in code.

The local org is reached with the very same calls: only the ``requests``
session differs (sign-in hosts routed to 127.0.0.1, TLS verified against the
local org's certificate), so the code path the tests run is the one that signs
in to a real org.
"""

from __future__ import annotations

import requests
from simple_salesforce import Salesforce

from rapport.config import SalesforceSettings


class SalesforceConfigError(ValueError):
    """The settings do not hold what the chosen sign-in mode needs."""


def _secret(value) -> str | None:
    return value.get_secret_value() if value is not None else None


def _require(settings: SalesforceSettings, *names: str) -> None:
    missing = [name for name in names if getattr(settings, name) in (None, "")]
    if missing:
        fields = ", ".join(f"salesforce.{name}" for name in missing)
        raise SalesforceConfigError(f"Sign-in mode '{settings.auth}' needs {fields}.")


def build_session(settings: SalesforceSettings) -> requests.Session:
    if settings.local_org_url:
        from connectors.salesforce.local_routing import local_org_session

        return local_org_session(settings.local_org_url, str(settings.ca_cert))
    return requests.Session()


def connect(settings: SalesforceSettings) -> Salesforce:
    """Return a signed-in client for the configured mode."""
    session = build_session(settings)
    common = {"session": session, "version": settings.api_version}
    if settings.auth == "password":
        _require(settings, "username", "password")
        return Salesforce(
            username=settings.username,
            password=_secret(settings.password),
            security_token=_secret(settings.security_token) or "",
            domain=settings.domain,
            **common,
        )
    if settings.auth == "client_credentials":
        _require(settings, "consumer_key", "consumer_secret")
        return Salesforce(
            consumer_key=settings.consumer_key,
            consumer_secret=_secret(settings.consumer_secret),
            domain=settings.domain,
            **common,
        )
    if settings.auth == "jwt":
        _require(settings, "username", "consumer_key", "private_key_file")
        return Salesforce(
            username=settings.username,
            consumer_key=settings.consumer_key,
            privatekey_file=str(settings.private_key_file),
            domain=settings.domain,
            **common,
        )
    _require(settings, "instance_url", "session_id")
    return Salesforce(
        instance_url=settings.instance_url,
        session_id=_secret(settings.session_id),
        **common,
    )
