"""How fast the bot acknowledges Slack while Slack itself is slow, and how much memory it uses.

The bot runs as `python app.py` (HTTP mode, gunicorn, 2 worker processes) against a fake Slack
that answers every Web API call in 300 ms. 20 clients send requests at once, in two patterns:

- paced: the 20 clients together send 100 requests a second, each a real change: twenty people
  acting at the same moment, many times over;
- saturating: each client sends again the moment it gets its ack (zero think time). That
  drives the machine flat out, so these latencies measure capacity (Little's law: average
  latency ≈ 20 / requests per second) on the same two cores as the clients and the fake Slack.

An ack that waited for even one Slack call would take over 300 ms.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from common import USERS, Room, open_crises, percentiles, quiet, running_bot, step_button, table, timed

from tests.fakeslack import FakeSlack
from tests.slackclient import SlackSender

SLACK_LATENCY = 0.3
CLIENTS = 20
REQUESTS = 200
PACED_RATE = 100  # requests a second, all clients together
# Each submit opens a war room, and conversations.create is Tier 2 (20 a minute, per worker's
# budget): 200 submits would time the ack and then wait ten minutes on Slack's limit.
SUBMITS = 40
HEADERS = ["flow", "load", "n", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"]


def measure(
    send: Callable[[int], object], *, rate: float | None, requests: int = REQUESTS
) -> tuple[list[float], float]:
    """Latencies of `requests` sends by `CLIENTS` concurrent clients, and the rate achieved. With
    `rate`, send i is due i / rate seconds after the start; without, clients send back to back."""
    started = time.perf_counter()

    def one(i: int) -> float:
        if rate and (delay := started + i / rate - time.perf_counter()) > 0:
            time.sleep(delay)
        return timed(lambda: send(i))

    with ThreadPoolExecutor(CLIENTS) as pool:
        samples = list(pool.map(one, range(requests)))
    return samples, requests / (time.perf_counter() - started)


def flows(
    fake: FakeSlack, send: SlackSender, rooms: list[Room], load: str, rate: float | None, opened: dict[str, int]
) -> list[list[object]]:
    """One row per flow under one load pattern; `opened` gets how many of its opens got a modal."""
    rows = []

    def row(flow: str, measured: tuple[list[float], float]) -> None:
        samples, achieved = measured
        rows.append([flow, load, len(samples), f"{achieved:.0f}", *percentiles(samples)])

    def status(i: int) -> None:
        room = rooms[i % len(rooms)]
        assert send.command("status", user=room.opener, channel=room.channel).status == 200

    def command(i: int) -> None:
        assert send.command(f"open Bench {load} {i}", user=USERS[i % len(USERS)], channel=fake.general.id).status == 200

    row("/crisis status → ack", measure(status, rate=rate))
    views_before = len(fake.views)
    row("/crisis open → ack", measure(command, rate=rate))
    # views.open is Tier 4 (100 a minute): the opens over it are told Slack is rate-limiting
    # the bot instead of waiting past their trigger's 3 seconds. Only the acks are timed here.
    quiet(fake)
    opened[load] = len(fake.views) - views_before
    view = list(fake.views.values())[-1]

    def submit(i: int) -> None:
        reply = send.submit(
            {**view, "id": f"V{load}{i:05d}"},
            {"title": f"Bench {i}", "category": "trolling"},
            user=USERS[i % len(USERS)],
        )
        assert reply.status == 200 and reply.body == "", reply

    row("modal submit → ack", measure(submit, rate=rate, requests=SUBMITS))
    move = "done" if load == "paced" else "undo"  # the second pattern undoes the first: every click a change
    clicks = [(room, step) for room in rooms for step in (1, 2, 3, 4)][:REQUESTS]

    def click(i: int) -> None:
        room, step = clicks[i]
        reply = send.click(step_button(room, step, move), f"crisis.step.{move}#{step}", user=room.opener)
        assert reply.status == 200 and reply.body == "", reply

    row("step click → ack", measure(click, rate=rate))
    quiet(fake)  # let the work after the acks finish before the next pattern
    return rows


def run() -> str:
    with running_bot(SLACK_LATENCY) as (fake, (bot,), (send,)):
        time.sleep(1)
        idle, _ = bot.memory_mib()
        rooms = open_crises(fake, [send], REQUESTS // 4)
        quiet(fake)
        opened: dict[str, int] = {}
        rows = flows(fake, send, rooms, "paced", PACED_RATE, opened) + flows(
            fake, send, rooms, "saturating", None, opened
        )
        _, peak = bot.memory_mib()
    title = (
        f"Ack latency of `python app.py` (2 gunicorn workers; {os.cpu_count()} cores shared with {CLIENTS} clients"
        f" and the fake Slack, which answers each Web API call in {SLACK_LATENCY * 1000:.0f} ms)"
    )
    return (
        table(title, HEADERS, rows)
        + f"\nModals opened of {REQUESTS} opens: "
        + ", ".join(f"{n} {load}" for load, n in opened.items())
        + " (views.open is Tier 4: the others were told Slack is rate-limiting the bot)."
        + f"\nMemory of the bot (gunicorn master + 2 workers): {idle:.0f} MiB idle, {peak:.0f} MiB peak."
    )


if __name__ == "__main__":
    print(run())
