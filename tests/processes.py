"""Starting the real `python app.py` as its own process, with nothing from the developer's
environment or `.env` leaking in."""

from __future__ import annotations

import os
import subprocess
import sys
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
