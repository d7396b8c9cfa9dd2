"""Start Prefect's temporary API server early, while the caller does other work.

Without ``PREFECT_API_URL``, the first flow run starts Prefect's ephemeral
server (a uvicorn subprocess) and waits until it answers. Profiling ``rapport
demo`` showed that wait as the largest single block of the run (29 s of 109 s
at load ~5): the flow could not begin until the server had imported its API
and opened its database. Started in a background thread at the beginning of
the demo, the server comes up on the other core while this process generates
and seeds the org and imports the pipeline (dlt, dbt, Great Expectations).

The thread only launches the same server Prefect would launch itself
(``SubprocessASGIServer``, a per-process singleton): the flow run then finds
it running and uses it, so nothing about the run changes but when the server
started. With a configured server (or the test harness) nothing is started.
"""

from __future__ import annotations

import threading


def ephemeral_server_needed() -> bool:
    """True when a flow run in this process would start Prefect's ephemeral server."""
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    return not settings.api.url and settings.server.ephemeral.enabled


def _start_server() -> None:
    from prefect.server.api.server import SubprocessASGIServer

    SubprocessASGIServer().start()


class ServerWarmup:
    """The ephemeral server starting in a thread; ``wait()`` before the first flow run.

    A flow run must not begin while the start is under way: the singleton
    counts as running as soon as its process is launched, before it answers,
    so a run that came first would call an API that is not there yet.

    The thread is a daemon: when the demo stops before its flow (a bad export
    folder), the process exits at once instead of waiting for a server it will
    not use; Prefect's own exit hook stops a server that was launched.
    """

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def start(self) -> ServerWarmup:
        if ephemeral_server_needed():
            self._thread = threading.Thread(target=self._run, name="prefect-warmup", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        try:
            _start_server()
        except BaseException as error:  # handed to wait(), in the caller's thread
            self._error = error

    @property
    def started(self) -> bool:
        return self._thread is not None

    def wait(self) -> None:
        """Block until the server answers; a failed start raises here, as it would in the run."""
        if self._thread is None:
            return
        self._thread.join()
        self._thread = None
        error, self._error = self._error, None
        if error is not None:
            raise error
