"""Shared pieces of the benchmarks: the real bot process against a slow fake Slack, and statistics.

The bot runs as its own `python app.py` process in HTTP mode, as in production, so the figures
are the bot's own and not those of the clients or the fake Slack sharing its interpreter.
"""

from __future__ import annotations

import json
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
from dataclasses import dataclass
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
        self.db_path = env["CRISIS_DB_PATH"]
        self.workdir = workdir
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

    def worker_pids(self) -> list[int]:
        """gunicorn's worker processes (the master only supervises them)."""
        pid = self.process.pid
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

    def memory_mib(self) -> tuple[float, float]:
        """(current, peak) resident memory of the master and its workers together, in MiB."""
        current = peak = 0
        for pid in [self.process.pid, *self.worker_pids()]:
            fields = dict(
                line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
            )
            current += int(fields["VmRSS"].split()[0])
            peak += int(fields["VmHWM"].split()[0])
        return current / 1024, peak / 1024

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@contextmanager
def running_bot(
    latency: float, processes: int = 1, **env: str
) -> Iterator[tuple[FakeSlack, list[BotProcess], list[SlackSender]]]:
    """The fake Slack (answering each call after `latency` s, with a #management channel that
    is DIGEST_CHANNEL) and `processes` bot processes sharing one database, each with a
    signed-request sender."""
    fake = FakeSlack(latency=latency, validate=False).start()
    for user in USERS:
        fake.add_user(user)
    env = {"DIGEST_CHANNEL": fake.add_channel("management", members={"UBOT0001"}).id, **env}
    with tempfile.TemporaryDirectory() as folder:
        bots = [BotProcess({**base_env(fake, f"{folder}/crisis.db"), **env}, folder) for _ in range(processes)]
        try:
            yield fake, bots, [SlackSender(f"{b.url}/slack/events", fake) for b in bots]
        finally:
            for bot in bots:
                bot.stop()
            fake.stop()


@dataclass(frozen=True)
class Room:
    """A crisis opened through the bot, as a client knows it."""

    id: int
    channel: str
    checklist_ts: str
    opener: str


def open_crises(fake: FakeSlack, senders: Sequence[SlackSender], count: int) -> list[Room]:
    """Open `count` crises through the bot (command, modal, submit) and wait for their war rooms.

    The opens go round-robin to the `senders`' processes: each process keeps its own budget of
    Slack's tiers, and `conversations.create` is Tier 2 (20 a minute), so one process setting up
    100 rooms would spend four minutes being fair to Slack before a benchmark could start."""
    known = {c.id for c in fake.channels.values() if c.name.startswith("crisis-")}
    views_before = len(fake.views)
    for i in range(count):
        senders[i % len(senders)].command(f"open Bench crisis {i}", user=USERS[i % len(USERS)], channel=fake.general.id)
    fake.wait_for(lambda: len(fake.views) >= views_before + count, timeout=60)
    for i, view in enumerate(list(fake.views.values())[views_before : views_before + count]):
        senders[i % len(senders)].submit(view, {"category": "trolling"}, user=USERS[i % len(USERS)])

    def checklists() -> list[tuple[object, dict]]:
        rooms = [
            c
            for c in fake.channels.values()
            if c.name.startswith("crisis-") and c.id not in known and any(u.startswith("UBENCH") for u in c.members)
        ]  # a room counts once its opener is in: the invitation runs beside the checklist's post
        found = [(room, next((m for m in room.messages if "Checklist" in (m["text"] or "")), None)) for room in rooms]
        return [pair for pair in found if pair[1] is not None]

    fake.wait_for(lambda: len(checklists()) >= count, timeout=300)
    rooms = []
    for room, checklist in checklists():
        value = next(e["value"] for b in checklist["blocks"] if b["type"] == "actions" for e in b["elements"])
        opener = next(u for u in room.members if u.startswith("UBENCH"))
        rooms.append(Room(json.loads(value)["crisis"], room.id, checklist["ts"], opener))
    return sorted(rooms, key=lambda r: r.id)


def step_button(room: Room, step: int, move: str) -> dict:
    """The checklist message with the one button a click presses (the payload Slack sends for it)."""
    action_id = f"crisis.step.{move}#{step}"
    button = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": move},
        "value": json.dumps({"crisis": room.id, "step": step}),
    }
    return {
        "ts": room.checklist_ts,
        "channel": room.channel,
        "blocks": [{"type": "actions", "block_id": f"step-{step}-actions", "elements": [button]}],
    }


def quiet(fake: FakeSlack, seconds: float = 2.0, timeout: float = 600) -> None:
    """Wait until the bot has made no Web API call for `seconds` (its work after the acks is done)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = len(fake.calls)
        time.sleep(seconds)
        if len(fake.calls) == count:
            return
    raise RuntimeError("the bot kept calling Slack")


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
