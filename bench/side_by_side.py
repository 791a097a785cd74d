"""The project beside the peer (`../shared/peer/`, a 350-line Bolt bot), in one run, against one
fake Slack that answers every Web API call in 300 ms, on the same machine.

Each bot runs as its own process in HTTP mode, one after the other (never both at once, so
neither takes the other's cores), and goes through the same scenario:

- one war room: the open form submitted, then the time until set-up starts (the channel is
  asked for), until the checklist is visible and until the last Slack call the open made;
- 20 war rooms opened at once: when the last channel was created and when every checklist was
  visible, from the moment the 20 submissions were sent;
- `/crisis status` in those rooms, 20 clients sending back to back (saturating) and paced at
  100 requests a second: ack latency over 1,000 requests each.

Times are taken from the fake Slack's own record of when it answered each call, so they are
what a person in Slack would see.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ack_latency import measure
from common import ROOT, USERS, BotProcess, percentiles, quiet, table

from tests.fakeslack import FakeSlack
from tests.harness import base_env
from tests.slackclient import SlackSender

SLACK_LATENCY = 0.3
ROOMS = 20
# The p99 of a round of 200 is its second-slowest ack, and moved by a third from run to run for
# the peer as for us: 1,000 acks a round make it the tenth-slowest, a figure a run can repeat.
STATUS_REQUESTS = 1000
PEER = Path(os.environ.get("PEER_APP", ROOT.parent / "shared" / "peer" / "app.py"))  # the brief's ../shared/peer


@dataclass
class Contender:
    """One bot under test: how to start it and how its open form is filled in."""

    name: str
    start: Callable[[FakeSlack, str], object]
    path: str
    form: Callable[[int], dict[str, object]]
    callback_id: str


class PeerProcess:
    """The peer's `app.py` on a free port (it answers POST on any path)."""

    def __init__(self, env: dict[str, str], workdir: str) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        full_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
            **env,
            "PORT": str(self.port),
        }
        self.process = subprocess.Popen(
            [sys.executable, str(PEER)], env=full_env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(urllib.request.Request(self.url, data=b"", method="POST"), timeout=1)
                return
            except urllib.error.HTTPError:
                return  # it answered (401: unsigned), so it is listening
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the peer did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@contextmanager
def started(contender: Contender, fake: FakeSlack, management: str) -> Iterator[SlackSender]:
    with tempfile.TemporaryDirectory() as folder:
        env = {**base_env(fake, f"{folder}/crisis.db"), "DIGEST_CHANNEL": management}
        bot = contender.start(env, folder)
        try:
            yield SlackSender(f"{bot.url}{contender.path}", fake)
        finally:
            bot.stop()


def open_forms(fake: FakeSlack, send: SlackSender, contender: Contender, count: int) -> list[dict]:
    """`count` open forms, as the bot opened them with `/crisis open` (not timed)."""
    before = len(fake.views)
    for i in range(count):
        send.command(f"open {contender.name} {i}", user=USERS[i], channel=fake.general.id)
    fake.wait_for(lambda: len(fake.views) >= before + count, timeout=60)
    return [v for v in list(fake.views.values())[before:] if v.get("callback_id") == contender.callback_id]


def submit_all(fake: FakeSlack, send: SlackSender, contender: Contender, forms: list[dict]) -> dict[str, float]:
    """Submit the forms at once and wait until each war room has its checklist; the figures are
    seconds after the submissions were sent."""
    known = set(fake.channels)
    calls_before = len(fake.calls)
    started_at = time.time()
    with ThreadPoolExecutor(len(forms)) as pool:
        replies = list(pool.map(lambda i: send.submit(forms[i], contender.form(i), user=USERS[i]), range(len(forms))))
    assert all(r.status == 200 for r in replies), replies

    def rooms() -> list[str]:
        return [c for c in fake.channels if c not in known and fake.channels[c].name.startswith("crisis-")]

    def checklist_calls() -> dict[str, float]:
        ours = set(rooms())
        return {
            c.args["channel"]: c.at
            for c in fake.calls[calls_before:]
            if c.method == "chat.postMessage"
            and c.args.get("channel") in ours
            and "hecklist" in (c.args.get("text") or "")
            and not c.args.get("thread_ts")
        }

    fake.wait_for(lambda: len(checklist_calls()) >= len(forms), timeout=120)
    quiet(fake, 1.5)
    calls = fake.calls[calls_before:]
    creates = [c.at for c in calls if c.method == "conversations.create"]
    return {
        "setup_start": min(creates) - SLACK_LATENCY - started_at,
        "last_channel": max(creates) - started_at,
        "checklists": max(checklist_calls().values()) - started_at,
        "last_call": max(c.at for c in calls) - started_at,
        "rooms": rooms(),
    }


def status_acks(fake: FakeSlack, send: SlackSender, rooms: list[str], rate: float | None) -> list[float]:
    def status(i: int) -> None:
        channel = rooms[i % len(rooms)]
        member = next(u for u in fake.channels[channel].members if u.startswith("UBENCH"))
        assert send.command("status", user=member, channel=channel).status == 200

    samples, _ = measure(status, rate=rate, requests=STATUS_REQUESTS)
    return samples


def scenario(fake: FakeSlack, contender: Contender, management: str) -> dict[str, object]:
    with started(contender, fake, management) as send:
        time.sleep(1)
        one = submit_all(fake, send, contender, open_forms(fake, send, contender, 1))
        many = submit_all(fake, send, contender, open_forms(fake, send, contender, ROOMS))
        quiet(fake, 1)
        return {
            "one": one,
            "many": many,
            "saturating": status_acks(fake, send, many["rooms"], None),
            "paced": status_acks(fake, send, many["rooms"], 100),
        }


def peer_form(i: int) -> dict[str, object]:
    return {"category": "trolling", "severity": "high", "language": "en", "owner": USERS[i]}


def our_form(i: int) -> dict[str, object]:
    return {"category": "trolling"}


CONTENDERS = [
    Contender("Peer", PeerProcess, "/slack/events", peer_form, "crisis_open"),
    Contender("Ours", BotProcess, "/slack/events", our_form, "crisis.open"),
]


def run() -> str:
    fake = FakeSlack(latency=SLACK_LATENCY, validate=False).start()
    try:
        for user in USERS:
            fake.add_user(user)
        management = fake.add_channel("management", members={"UBOT0001"}).id
        peer, ours = (scenario(fake, c, management) for c in CONTENDERS)
    finally:
        fake.stop()

    def seconds(result: dict, part: str, key: str) -> str:
        return f"{result[part][key]:.2f} s"

    def ratio(key: str, part: str = "many") -> str:
        return f"{ours[part][key] / peer[part][key]:.2f}"

    p99 = {
        name: {load: float(percentiles(r[load])[2]) for load in ("saturating", "paced")}
        for name, r in (("peer", peer), ("ours", ours))
    }
    rows = [
        [
            "one war room: set-up starts → checklist visible",
            "",
            f"{ours['one']['checklists'] - ours['one']['setup_start']:.2f} s",
            "",
            f"≤ {2 * SLACK_LATENCY + 0.1:.1f} s",
        ],
        [
            "one war room: submit → last Slack call of the open",
            "",
            seconds(ours, "one", "last_call"),
            "",
            f"≤ {3 * SLACK_LATENCY + 0.1:.1f} s",
        ],
        [
            "one war room: submit → checklist visible",
            seconds(peer, "one", "checklists"),
            seconds(ours, "one", "checklists"),
            ratio("checklists", "one"),
            "",
        ],
        [
            f"{ROOMS} war rooms at once: all checklists visible",
            seconds(peer, "many", "checklists"),
            seconds(ours, "many", "checklists"),
            ratio("checklists"),
            "≤ 0.75",
        ],
        [
            f"{ROOMS} war rooms at once: last channel created",
            seconds(peer, "many", "last_channel"),
            seconds(ours, "many", "last_channel"),
            ratio("last_channel"),
            "≤ 1.00",
        ],
        [
            "/crisis status ack p99, 20 clients back to back",
            f"{p99['peer']['saturating']:.0f} ms",
            f"{p99['ours']['saturating']:.0f} ms",
            f"{p99['ours']['saturating'] / p99['peer']['saturating']:.2f}",
            "≤ 1.00",
        ],
        [
            "/crisis status ack p99, 20 clients at 100 req/s",
            f"{p99['peer']['paced']:.0f} ms",
            f"{p99['ours']['paced']:.0f} ms",
            f"{p99['ours']['paced'] / p99['peer']['paced']:.2f}",
            "≤ 1.00",
        ],
    ]
    title = (
        f"Side by side with the peer (../shared/peer), one run, fake Slack at {SLACK_LATENCY * 1000:.0f} ms per call,"
        f" {os.cpu_count()} cores shared with the clients and the fake"
    )
    return table(title, ["figure", "peer", "ours", "ours / peer", "goal"], rows)


if __name__ == "__main__":
    print(run())
