"""Where Salesforce secrets come from, and how they are kept out of messages.

Secrets arrive as ``SecretStr`` settings (environment variables) or from
Prefect Secret blocks named in the settings. Once signed in, the access token
is a secret too. simple-salesforce and requests put URLs and response bodies
into their exception messages, so every message that leaves the connector
goes through ``Redactor.scrub`` first.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from pydantic import SecretStr

from rapport.config import SalesforceSettings
from rapport.errors import ConfigurationError

# Setting name -> the setting naming the Prefect Secret block that may hold it.
SECRET_BLOCK_SETTINGS = {
    "password": "password_secret_block",
    "security_token": "security_token_secret_block",
    "consumer_secret": "consumer_secret_secret_block",
    "session_id": "session_id_secret_block",
    "private_key": "private_key_secret_block",
}
REDACTED = "***"

# Shapes of credentials worth hiding even when their value is not known here:
# bearer headers, Salesforce session ids (org id "!" token), token fields and
# PEM private keys. Group 1 is kept, so the message still says what was hidden.
_CREDENTIAL_PATTERNS = (
    re.compile(r"(?i)((?:bearer|oauth)\s+)[^\s'\",;]+"),
    re.compile(r"()\b00D[0-9A-Za-z]{12,15}![0-9A-Za-z._\-]+"),
    re.compile(
        r"(?i)((?:access_token|refresh_token|client_secret|password|sessionId|sid|assertion)"
        r"[\"']?\s*[:=]\s*[\"']?)[^&\"'\s<,;}]+"
    ),
    re.compile(r"(?s)()-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----"),
)


class SecretBlockError(ConfigurationError, RuntimeError):
    """A configured Prefect Secret block cannot be read."""

    hint = "Create the Prefect Secret block, or set the secret in the environment instead."


def load_prefect_secret(block_name: str) -> str:
    from prefect.blocks.system import Secret

    value = Secret.load(block_name).get()
    if not isinstance(value, str):
        raise SecretBlockError(f"Prefect Secret block '{block_name}' does not hold a string.")
    return value


def resolve_secrets(
    settings: SalesforceSettings,
    load_block: Callable[[str], str] = load_prefect_secret,
) -> SalesforceSettings:
    """A copy of ``settings`` with every secret named by a ``*_secret_block`` filled in.

    The copy names no blocks any more, so resolving it again reads nothing.
    """
    updates: dict[str, SecretStr | None] = {}
    for secret_name, block_setting in SECRET_BLOCK_SETTINGS.items():
        block_name = getattr(settings, block_setting)
        if not block_name:
            continue
        try:
            updates[secret_name] = SecretStr(load_block(block_name))
            updates[block_setting] = None
        except SecretBlockError:
            raise
        except Exception as error:
            # The loader's own message may quote what it read; keep only its type.
            raise SecretBlockError(
                f"salesforce.{block_setting}: cannot read Prefect Secret block "
                f"'{block_name}' ({type(error).__name__})."
            ) from None
    return settings.model_copy(update=updates) if updates else settings


class Redactor:
    """Removes known secret values and credential-shaped text from messages."""

    def __init__(self, settings: SalesforceSettings) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        for name in SECRET_BLOCK_SETTINGS:
            secret = getattr(settings, name)
            if secret is not None:
                self.add(secret.get_secret_value())
        password, token = settings.password, settings.security_token
        if password is not None and token is not None:
            # The SOAP login sends the two run together.
            self.add(password.get_secret_value() + token.get_secret_value())

    def add(self, value: str | None) -> None:
        """Also hide ``value`` (an access token issued after sign-in, say)."""
        if value and len(value) >= 4:
            with self._lock:
                self._values.add(value)

    def scrub(self, text: object) -> str:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        message = str(text)
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            message = message.replace(value, REDACTED)
        for pattern in _CREDENTIAL_PATTERNS:
            message = pattern.sub(lambda match: match.group(1) + REDACTED, message)
        return message
