"""Run the local org over HTTPS on 127.0.0.1: in a thread for tests, or in the foreground.

The socket is bound here, not by uvicorn, so that port 0 (any free port)
works and the real port is known before the first request.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import TextIO

import requests
import uvicorn
from starlette.applications import Starlette

from connectors.salesforce.api.local_routing import local_org_session
from local_org.app import create_app
from local_org.faults import FaultConfig, FaultInjector
from local_org.state import (
    DAILY_API_REQUESTS,
    SESSION_SECONDS_VALID,
    Credentials,
    OrgState,
    RequestLog,
)
from local_org.store import OrgStore
from local_org.tls import TlsFiles, ensure_certificate

DEFAULT_STATE_DIR = Path(".rapport") / "local-org"
LOCAL_HOST = "127.0.0.1"
_START_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class LocalOrgInfo:
    """Everything a client needs to sign in to a running local org."""

    instance_url: str
    username: str
    password: str
    security_token: str
    consumer_key: str
    consumer_secret: str
    access_token: str
    ca_cert: str

    def to_json(self) -> str:
        return json.dumps(asdict(self))


class LocalOrg:
    """A local org served in a background thread; use as a context manager."""

    def __init__(
        self,
        app: Starlette,
        server: uvicorn.Server,
        thread: threading.Thread,
        sock: socket.socket,
        info: LocalOrgInfo,
    ) -> None:
        self.app = app
        self.info = info
        self._server = server
        self._thread = thread
        self._socket = sock

    @classmethod
    def start(
        cls,
        store: OrgStore,
        port: int | None = None,
        state_dir: Path | None = None,
        credentials: Credentials | None = None,
        daily_api_requests: int = DAILY_API_REQUESTS,
        *,
        faults: FaultConfig | None = None,
        session_seconds_valid: float = SESSION_SECONDS_VALID,
        jwt_keys: Mapping[str, str] | None = None,
    ) -> LocalOrg:
        """Serve ``store`` on 127.0.0.1 (any free port when ``port`` is None).

        ``faults`` starts the org misbehaving (see ``FaultConfig``; change it
        later through ``org.faults``); ``jwt_keys`` maps consumer keys to the
        PEM certificate or public key of their JWT bearer signing key.
        """
        options = _AppOptions(daily_api_requests, faults, session_seconds_valid, jwt_keys)
        app, server, sock, info = _prepare(store, port, state_dir, credentials, options)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="local-org", daemon=True
        )
        thread.start()
        org = cls(app, server, thread, sock, info)
        org._wait_until_started()
        return org

    def _wait_until_started(self) -> None:
        waited = 0.0
        while not self._server.started:
            if not self._thread.is_alive():
                self._socket.close()
                raise RuntimeError("the local org server stopped while starting; see its log")
            if waited >= _START_TIMEOUT_SECONDS:
                self.stop()
                raise RuntimeError(f"the local org did not start within {waited:.0f}s")
            self._thread.join(0.02)
            waited += 0.02

    @property
    def state(self) -> OrgState:
        return self.app.state.org

    @property
    def request_log(self) -> RequestLog:
        return self.state.request_log

    @property
    def store(self) -> OrgStore:
        return self.state.store

    @property
    def faults(self) -> FaultInjector:
        """Switch faults at runtime: ``org.faults.configure(server_error_rate=0.2)``."""
        return self.state.faults

    def register_jwt_key(self, consumer_key: str, public_key_or_certificate_pem: str) -> None:
        """Let ``consumer_key`` sign in with JWT assertions signed by the matching key."""
        self.state.jwt_keys.register(consumer_key, public_key_or_certificate_pem)

    def expire_sessions(self) -> None:
        """Sign every client out; their next call gets 401 INVALID_SESSION_ID."""
        self.state.sessions.revoke_all()

    def session(self) -> requests.Session:
        """A requests session that reaches this org (pass to ``Salesforce(session=...)``)."""
        return local_org_session(self.info.instance_url, self.info.ca_cert)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
        self.state.bulk_jobs.close()
        if self._thread.is_alive():
            raise RuntimeError("the local org server did not stop within 10s")

    def __enter__(self) -> LocalOrg:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve_forever(
    store: OrgStore,
    *,
    port: int | None = None,
    state_dir: Path | None = None,
    credentials: Credentials | None = None,
    daily_api_requests: int = DAILY_API_REQUESTS,
    out: TextIO | None = None,
    faults: FaultConfig | None = None,
    session_seconds_valid: float = SESSION_SECONDS_VALID,
    jwt_keys: Mapping[str, str] | None = None,
) -> None:
    """Serve until interrupted. The first line written to ``out`` is the org's JSON info."""
    options = _AppOptions(daily_api_requests, faults, session_seconds_valid, jwt_keys)
    app, server, sock, info = _prepare(store, port, state_dir, credentials, options)
    out = out or sys.stdout
    out.write(info.to_json() + "\n")
    out.flush()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        app.state.org.bulk_jobs.close()


@dataclass(frozen=True)
class _AppOptions:
    daily_api_requests: int = DAILY_API_REQUESTS
    faults: FaultConfig | None = None
    session_seconds_valid: float = SESSION_SECONDS_VALID
    jwt_keys: Mapping[str, str] | None = None


def _prepare(
    store: OrgStore,
    port: int | None,
    state_dir: Path | None,
    credentials: Credentials | None,
    options: _AppOptions,
) -> tuple[Starlette, uvicorn.Server, socket.socket, LocalOrgInfo]:
    tls = ensure_certificate(Path(state_dir or DEFAULT_STATE_DIR))
    credentials = credentials or Credentials.generate()
    app = create_app(
        store,
        credentials,
        daily_api_requests=options.daily_api_requests,
        faults=options.faults,
        session_seconds_valid=options.session_seconds_valid,
        jwt_keys=options.jwt_keys,
    )
    sock = _bind(port or 0)
    instance_url = f"https://{LOCAL_HOST}:{sock.getsockname()[1]}"
    info = LocalOrgInfo(
        instance_url=instance_url,
        username=credentials.username,
        password=credentials.password,
        security_token=credentials.security_token,
        consumer_key=credentials.consumer_key,
        consumer_secret=credentials.consumer_secret,
        access_token=app.state.org.sessions.issue(),
        ca_cert=str(tls.cert_file.resolve()),
    )
    return app, _server(app, tls), sock, info


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this. Without it, a response written as
    # headers then body waits out the client's delayed ACK: ~40 ms per call.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((LOCAL_HOST, port))
    except OSError as error:
        sock.close()
        raise OSError(f"cannot listen on {LOCAL_HOST}:{port}: {error}") from error
    sock.listen(128)
    return sock


class _Server(uvicorn.Server):
    """uvicorn, minus a slow stop.

    uvicorn closes idle keep-alive connections gracefully, and over TLS that
    waits for the client's close_notify, which an idle pooled client never
    sends: every stop would take the whole graceful timeout. Idle
    connections carry no work, so they are dropped instead.
    """

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for connection in list(self.server_state.connections):
            cycle = getattr(connection, "cycle", None)
            transport = getattr(connection, "transport", None)
            if transport is not None and (cycle is None or cycle.response_complete):
                transport.abort()
        await super().shutdown(sockets)


def _server(app: Starlette, tls: TlsFiles) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        ssl_certfile=str(tls.cert_file),
        ssl_keyfile=str(tls.key_file),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=5,
    )
    return _Server(config)
