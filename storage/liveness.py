"""Who holds a lease or a claim, and whether that process still runs.

Leases and claims expire on a timer so that a crashed process's work is picked up. The bot's
database is a local SQLite file, so every process sharing it runs on this machine: a process
restarted after a crash can see that the holder is gone and take over at once instead of
waiting for the timer. A holder is "<pid>:<process start time>", so a reused pid is not
mistaken for the process that died.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), or "" where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, counted after the command name


@cache
def _me(pid: int) -> str:
    return f"{pid}:{_start_time(pid)}"


def me() -> str:
    """This process, as a lease holder."""
    return _me(os.getpid())  # a forked worker has its own pid, hence its own holder name


def alive(holder: str | None) -> bool:
    """Whether the process that took a lease or claim still runs (unknown holders count as
    alive, so their leases simply run out on their timer)."""
    if not holder:
        return True
    pid_text, _, started = holder.partition(":")
    if not pid_text.isdigit():
        return True
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not started or _start_time(pid) in ("", started)
