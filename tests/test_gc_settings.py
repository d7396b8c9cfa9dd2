"""A pipeline process leaves the interpreter's final collection nothing to walk.

Each case runs in a fresh interpreter: what matters is the state the process
is in when its last exit handler has run, just before ``Py_FinalizeEx``
collects. The probe is registered first, so it runs last.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

PROBE = """
import atexit, gc

def probe():
    unfrozen = len(gc.get_objects())
    print(gc.get_freeze_count(), unfrozen, gc.get_threshold()[0])

atexit.register(probe)
"""


def run_probe(body: str) -> tuple[int, int, int]:
    script = PROBE + textwrap.dedent(body)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    frozen, unfrozen, young_threshold = (int(n) for n in done.stdout.split()[-3:])
    return frozen, unfrozen, young_threshold


def test_the_heap_of_a_run_is_frozen_after_the_other_exit_handlers():
    frozen, unfrozen, young_threshold = run_probe(
        """
        from rapport.gc_settings import YOUNG_GENERATION_THRESHOLD, collect_for_a_pipeline_run
        collect_for_a_pipeline_run()
        collect_for_a_pipeline_run()  # a second caller (the flow after the CLI) changes nothing
        heap = [[n] for n in range(200_000)]
        # A library's exit handler, registered later, runs before the freeze.
        atexit.register(lambda: globals().update(late=[[n] for n in range(50_000)]))
        """
    )
    assert frozen >= 250_000
    assert unfrozen < 10_000
    assert young_threshold == 50_000


def test_without_it_the_final_collection_walks_the_whole_heap():
    frozen, unfrozen, young_threshold = run_probe("heap = [[n] for n in range(200_000)]")
    assert frozen == 0
    assert unfrozen >= 200_000
    assert young_threshold < 50_000


def test_the_cli_sets_it_before_any_command():
    frozen, unfrozen, young_threshold = run_probe(
        """
        import sys
        from rapport.cli import main
        sys.argv = ["rapport", "--help"]
        main()
        """
    )
    assert unfrozen < frozen
    assert young_threshold == 50_000
