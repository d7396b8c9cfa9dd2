"""Headless Chromium from the command line: the DOM after load, and screenshots.

Every run gets its own profile directory and no network at all (every host
resolves to nothing), so a report that needed a CDN would show it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from rapport.config import PROJECT_ROOT

INSTALL_SCRIPT = PROJECT_ROOT / "scripts" / "ensure-system-packages.sh"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_SECONDS = 120
OFFLINE_FLAGS = (
    "--headless",
    "--no-sandbox",  # root in containers; the page is our own file
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def find_chromium() -> Path | None:
    configured = os.environ.get("RAPPORT_CHROMIUM")
    if configured:
        return Path(configured)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def install_chromium() -> str:
    """Run the install script; returns its output for a skip message if it fails."""
    if not INSTALL_SCRIPT.exists():
        return f"{INSTALL_SCRIPT} is missing"
    result = subprocess.run(
        ["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=900, check=False
    )
    return (result.stdout + result.stderr)[-800:]


def _run(chromium: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [str(chromium), *OFFLINE_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"chromium exited with {result.returncode}: {result.stderr[-2000:]}")
    return result


def dump_dom(chromium: Path, page: Path, profile: Path, window: tuple[int, int]) -> str:
    return _run(
        chromium,
        profile,
        f"--window-size={window[0]},{window[1]}",
        "--dump-dom",
        page.resolve().as_uri(),
    ).stdout


def screenshot(
    chromium: Path,
    page: Path,
    png: Path,
    profile: Path,
    window: tuple[int, int],
    scale: float = 1.0,
) -> Path:
    _run(
        chromium,
        profile,
        f"--window-size={window[0]},{window[1]}",
        f"--force-device-scale-factor={scale}",
        f"--screenshot={png}",
        page.resolve().as_uri(),
    )
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot at {png}")
    return png
