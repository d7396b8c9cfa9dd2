"""Environment variables for the length of one call, then as they were.

dbt reads its connection (``profiles.yml``) from environment variables; a run
that exported them for good would leak its warehouse choice into everything
the process does next. ``scoped_environ`` sets them around one invocation.
The process environment is shared by all threads, so this suits calls that
own the process meanwhile (a dbt invocation does), not concurrent ones.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def scoped_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set ``values`` in ``os.environ``; restore (or remove) each key on exit."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
