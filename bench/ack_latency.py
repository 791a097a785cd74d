"""How fast the bot acknowledges Slack while Slack itself is slow.

Every Web API call to the fake Slack takes 300 ms and 20 clients send requests at once. An ack
that waited for even one Slack call would take over 300 ms: the figures show none does.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from common import USERS, percentiles, running_bot, table, timed

SLACK_LATENCY = 0.3
CLIENTS = 20
REQUESTS = 200


def measure(
    send: Callable[[int], object], requests: int = REQUESTS, clients: int = CLIENTS
) -> tuple[list[float], float]:
    """Latencies of `requests` sends from `clients` concurrent clients, and the rate achieved."""
    with ThreadPoolExecutor(clients) as pool:
        started = time.perf_counter()
        samples = list(pool.map(lambda i: timed(lambda: send(i)), range(requests)))
        return samples, requests / (time.perf_counter() - started)


def row(flow: str, measured: tuple[list[float], float]) -> list[object]:
    samples, rate = measured
    return [flow, len(samples), CLIENTS, f"{rate:.0f}", *percentiles(samples)]


def run() -> str:
    rows = []
    with running_bot(SLACK_LATENCY) as (fake, _, (send,)):
        general = fake.general.id

        def command(i: int) -> None:
            reply = send.command(f"open Bench crisis {i}", user=USERS[i % len(USERS)], channel=general)
            assert reply.status == 200, reply

        rows.append(row("/crisis open → ack", measure(command)))
        fake.wait_for(lambda: len(fake.views) == REQUESTS, timeout=120)
        view = next(iter(fake.views.values()))

        def submit(i: int) -> None:
            reply = send.submit(
                {**view, "id": f"VBENCH{i:05d}"},
                {"title": f"Bench {i}", "category": "trolling"},
                user=USERS[i % len(USERS)],
            )
            assert reply.status == 200 and reply.body == "", reply

        rows.append(row("modal submit → ack", measure(submit)))
        fake.wait_for(lambda: len(fake.responses) == REQUESTS, timeout=300)  # each opener told "ready"
        opened = max(c.at for c in fake.calls if c.method == "views.open") - min(
            c.at for c in fake.calls if c.method == "views.open"
        )
    headers = ["flow", "n", "clients", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    title = (
        f"Ack latency of `python app.py` (HTTP mode, {os.cpu_count()} cores shared with the clients and the fake Slack,"
        f" which answers each Web API call in {SLACK_LATENCY * 1000:.0f} ms)"
    )
    return (
        table(title, headers, rows)
        + f"\nall {REQUESTS} modals opened within {opened:.1f} s of the first; every war room was then set up."
    )


if __name__ == "__main__":
    print(run())
