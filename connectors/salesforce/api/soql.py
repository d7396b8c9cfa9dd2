"""The two ways a value may enter a SOQL statement Rapport builds: a checked name, an escaped literal.

Object and field names come from describe, and describe is the org's
answer, not ours: a name that is not an API name (``Account WHERE ...``)
would change the statement, so it is refused rather than pasted in. Values
go in as literals with SOQL's escapes, so no quote in a value ends one.
"""

from __future__ import annotations

import re

# Salesforce API names: a letter, then letters, digits and underscores
# (custom ``__c`` and namespaced ``ns__Name__c`` included).
_API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}")
# SOQL's escape sequences inside a single-quoted string literal.
_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


class UnsafeSoqlError(ValueError):
    """A name that cannot be a Salesforce API name was about to go into SOQL."""


def identifier(name: str, what: str = "name") -> str:
    """``name`` if it is a Salesforce API name; else ``UnsafeSoqlError``."""
    if not isinstance(name, str) or not _API_NAME.fullmatch(name):
        raise UnsafeSoqlError(
            f"refusing to query {what} {name!r}: not a Salesforce API name "
            "(letters, digits and underscores, starting with a letter)"
        )
    return name


def string_literal(value: str) -> str:
    """``value`` as a quoted SOQL string literal."""
    return "'" + "".join(_ESCAPES.get(char, char) for char in value) + "'"
