"""Starting the real `python app.py` as its own process, with nothing from the developer's
environment or `.env` leaking in."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def clean_env(**variables: str) -> dict[str, str]:
    """The current environment without the bot's own variables, plus `variables`."""
    own = ("SLACK_", "CRISIS_", "PORT", "WEB_CONCURRENCY", "LISTENING_", "WATCH_", "MENTIONS_", "FEED_", "SPIKE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(own + ("BASELINE_HOURS", "CALM_HOURS"))}
    return {**env, **variables}


def start_app(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    """`python app.py` in `cwd` (where it looks for `.env`), output captured as text."""
    return subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_app(
    env: dict[str, str], cwd: Path, timeout: float = 30, argv: list[str] | None = None
) -> subprocess.CompletedProcess:
    """`python app.py [argv]` to completion, stdout and stderr apart."""
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py"), *(argv or [])],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # type: ignore[no-any-return]


def serve(env: dict[str, str], cwd: Path, timeout: float = 20) -> tuple[subprocess.Popen, str]:
    """`python app.py` in HTTP mode on a free port, once it answers GET /healthz; and its base URL."""
    port = free_port()
    process = start_app({**env, "PORT": str(port)}, cwd)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(f"the bot did not start: {process.communicate()[0]}") from None
            time.sleep(0.1)
