"""A local org served by a child process, as the benchmarks run it.

The org lives in its own process so that what a benchmark measures (peak
memory, CPU) is the pipeline's alone. The child prints the org's connection
info as its first line once it serves.
"""

from __future__ import annotations

import json
import subprocess
import sys


def serve_in_child(script: str, *arguments: str) -> tuple[subprocess.Popen, dict]:
    """Run ``script --serve ARGUMENTS`` and return the process and the info it printed."""
    org = subprocess.Popen(
        [sys.executable, script, "--serve", *arguments], stdout=subprocess.PIPE, text=True
    )
    assert org.stdout is not None
    line = org.stdout.readline()
    if not line:
        org.wait()
        raise RuntimeError("the local org process stopped before serving")
    return org, json.loads(line)
