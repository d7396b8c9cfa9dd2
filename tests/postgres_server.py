"""A throwaway PostgreSQL server for the tests, from the Debian packages.

CI installs the ``postgresql`` package (see .ci/run); the tests start their own
cluster in a temporary directory on a free port and remove it afterwards. Set
RAPPORT_TEST_POSTGRES_URL to use a server you already run instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote


def postgres_bin_dir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; CI runs as root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def temporary_postgres(password: str | None = None) -> Iterator[str]:
    """A server on a free port; yields its URL.

    Without ``password`` it trusts every connection. With one, the postgres
    user must give it (SCRAM): a wrongly passed password is then refused.
    """
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError(
            "PostgreSQL server binaries not found (install the postgresql package)"
        )
    workdir = Path(tempfile.mkdtemp(prefix="rapport-pg-"))
    data = workdir / "data"
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    port = _free_port()

    env = dict(os.environ, PGPASSWORD=password) if password else None

    def run(*args: str) -> None:
        subprocess.run(_as_postgres_user(list(args)), check=True, capture_output=True, env=env)

    auth = ["-A", "trust"]
    if password:
        password_file = workdir / "password"
        password_file.write_text(password + "\n")
        if os.geteuid() == 0:
            shutil.chown(password_file, "postgres", "postgres")
        auth = ["-A", "scram-sha-256", f"--pwfile={password_file}"]
    run(str(bin_dir / "initdb"), "-D", str(data), *auth, "-U", "postgres", "--no-sync")
    run(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-w",
        "-l",
        str(workdir / "log"),
        "-o",
        f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off",
        "start",
    )
    try:
        run(
            str(bin_dir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "rapport",
        )
        # Trust authentication accepts any password; dlt insists on one.
        secret = quote(password, safe="") if password else "rapport"
        yield f"postgresql://postgres:{secret}@127.0.0.1:{port}/rapport"
    finally:
        subprocess.run(
            _as_postgres_user(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
            ),
            capture_output=True,
        )
        shutil.rmtree(workdir, ignore_errors=True)
