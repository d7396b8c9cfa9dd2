"""Stop a child process when the process that started it is gone.

The demo serves its org from a child process and stops it when the demo ends,
also on Ctrl-C. A parent killed outright (``kill -9``, the OOM killer) runs
no clean-up, and the child would serve on, holding its port and memory. The
parent holds the write end of the child's stdin, a pipe, and the kernel closes
it whatever way the parent dies: the child reads end-of-file and interrupts
itself as Ctrl-C would, so it shuts down the same clean way. This works on
every POSIX system, unlike Linux's ``PR_SET_PDEATHSIG``.
"""

from __future__ import annotations

import os
import signal
import sys
import threading


def _interrupt_at_end_of_input() -> None:
    # os.read on the descriptor, not sys.stdin: a daemon thread blocked inside
    # a buffered reader's lock aborts the interpreter's shutdown (SIGABRT).
    while os.read(sys.stdin.fileno(), 4096):
        continue  # the parent writes nothing; anything written is ignored
    os.kill(os.getpid(), signal.SIGINT)


def interrupt_when_stdin_closes() -> None:
    """Watch stdin in a daemon thread; SIGINT this process at end-of-file."""
    threading.Thread(
        target=_interrupt_at_end_of_input, name="stop-when-parent-gone", daemon=True
    ).start()
