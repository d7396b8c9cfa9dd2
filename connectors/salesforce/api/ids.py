"""Salesforce record Ids.

Exports and Data Loader files carry 15-character (case-sensitive) Ids, the API
returns 18-character (case-insensitive) ones. Everything Rapport stores uses
the 18-character form so that joins never depend on letter case.
"""

from __future__ import annotations

import re

from rapport.errors import RapportError

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_PATTERN = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")


class InvalidSalesforceId(RapportError, ValueError):
    """Raised for a value that cannot be a Salesforce Id."""


def to_18(record_id: str) -> str:
    """Return the 18-character form of a 15- or 18-character Id."""
    if not _ID_PATTERN.match(record_id or ""):
        raise InvalidSalesforceId(f"{record_id!r} is not a 15- or 18-character Salesforce Id")
    base = record_id[:15]
    suffix = ""
    for chunk_start in range(0, 15, 5):
        chunk = base[chunk_start : chunk_start + 5]
        bits = sum(1 << i for i, char in enumerate(chunk) if char.isupper())
        suffix += _SUFFIX_ALPHABET[bits]
    return base + suffix


def make_id(key_prefix: str, sequence: int, pod: str = "5g") -> str:
    """Build a deterministic 18-character Id: 3-char prefix, 2-char pod, 10-digit counter."""
    if len(key_prefix) != 3:
        raise ValueError(f"key prefix must have 3 characters, got {key_prefix!r}")
    return to_18(f"{key_prefix}{pod}{sequence:010d}")
