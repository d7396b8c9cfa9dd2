"""The consoles the CLI prints to: results on stdout, progress and errors on stderr.

Rich wraps at 80 columns when the output is not a terminal, which cut
sentences and tables in CI logs and cron mail. Off a terminal the consoles
are wide (or ``COLUMNS`` wide, when set) and do not wrap sentences, so a
line in a log is the line that was printed.
"""

from __future__ import annotations

import os

from rich.console import Console

# Wide enough for any table Rapport prints; tables only take the room they need.
UNWRAPPED_WIDTH = 240


def make_console(stderr: bool = False) -> Console:
    """A console for stdout (or stderr) that never cuts lines off a terminal."""
    console = Console(stderr=stderr)
    if console.is_terminal:
        return console
    width = int(os.environ.get("COLUMNS") or 0) or UNWRAPPED_WIDTH
    return Console(stderr=stderr, width=width, soft_wrap=True)
