"""Shared pieces of the benchmarks: the real bot process against a slow fake Slack, and statistics.

The bot runs as its own `python app.py` process in HTTP mode, as in production, so the figures
are the bot's own and not those of the clients or the fake Slack sharing its interpreter.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakeslack import FakeSlack  # noqa: E402
from tests.harness import base_env  # noqa: E402
from tests.slackclient import SlackSender  # noqa: E402

USERS = [f"UBENCH{i:03d}" for i in range(40)]


class BotProcess:
    """One `python app.py` in HTTP mode on a free port."""

    def __init__(self, env: dict[str, str], workdir: str) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        full_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
            **env,
            "PORT": str(self.port),
            "LOG_LEVEL": "ERROR",
        }
        self.process = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=full_env, cwd=workdir)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=1).read()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the bot did not start") from None
                time.sleep(0.05)

    def memory_kib(self) -> tuple[int, int]:
        """(current RSS, peak RSS) of the bot process, from /proc."""
        fields = dict(
            line.split(":", 1)
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines()
            if ":" in line
        )
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@contextmanager
def running_bot(
    latency: float, processes: int = 1, **env: str
) -> Iterator[tuple[FakeSlack, list[BotProcess], list[SlackSender]]]:
    """The fake Slack (answering each call after `latency` s) and `processes` bot processes
    sharing one database, each with a signed-request sender."""
    fake = FakeSlack(latency=latency, validate=False).start()
    for user in USERS:
        fake.add_user(user)
    with tempfile.TemporaryDirectory() as folder:
        bots = [BotProcess({**base_env(fake, f"{folder}/crisis.db"), **env}, folder) for _ in range(processes)]
        try:
            yield fake, bots, [SlackSender(f"{b.url}/slack/events", fake) for b in bots]
        finally:
            for bot in bots:
                bot.stop()
            fake.stop()


def open_crises(fake: FakeSlack, send: SlackSender, count: int) -> list[tuple[str, str, str]]:
    """Open `count` crises through the bot; returns (channel, checklist ts, opener) of each."""
    for i in range(count):
        send.command(f"open Bench crisis {i}", user=USERS[i % len(USERS)], channel=fake.general.id)
    fake.wait_for(lambda: len(fake.views) >= count, timeout=60)
    for i, view in enumerate(list(fake.views.values())[:count]):
        send.submit(view, {"category": "trolling"}, user=USERS[i % len(USERS)])
    fake.wait_for(lambda: len(fake.responses) >= count, timeout=300)  # every opener told "ready"
    rooms = [c for c in fake.channels.values() if c.name.startswith("crisis-")]
    checklists = []
    for room in rooms:
        checklist = next(m for m in room.messages if "Checklist" in (m["text"] or ""))
        opener = next(u for u in room.members if u.startswith("UBENCH"))
        checklists.append((room.id, checklist["ts"], opener))
    return checklists


def percentiles(samples: Sequence[float]) -> list[str]:
    """p50, p95, p99 and max, in milliseconds."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return [f"{v * 1000:.1f}" for v in (cuts[49], cuts[94], cuts[98], max(samples))]


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def table(title: str, headers: list[str], rows: list[list[object]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: list[object]) -> str:
        return "  ".join(
            str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([title, line(headers), line(["-" * w for w in widths]), *map(line, rows)])
