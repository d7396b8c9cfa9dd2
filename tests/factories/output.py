"""What people read: every command's output is tables and sentences, never a repr."""

from __future__ import annotations

import re

# A Python repr in output meant for people: `InstallReport(created=[...`.
REPR = re.compile(r"\b[A-Z][A-Za-z]+\([a-z_]+=")


def assert_no_repr(output: str) -> None:
    found = REPR.search(output)
    assert found is None, f"a Python repr in the output: {found.group(0)}"
