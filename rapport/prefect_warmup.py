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

from concurrent.futures import Future, ThreadPoolExecutor


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
    """

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._future: Future[None] | None = None

    def start(self) -> ServerWarmup:
        if ephemeral_server_needed():
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="prefect-warmup")
            self._future = self._executor.submit(_start_server)
        return self

    @property
    def started(self) -> bool:
        return self._future is not None

    def wait(self) -> None:
        """Block until the server answers; a failed start raises here, as it would in the run."""
        if self._future is None or self._executor is None:
            return
        try:
            self._future.result()
        finally:
            self._executor.shutdown(wait=True)
            self._executor = None
            self._future = None
