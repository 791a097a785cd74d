"""Acks on time while 40 slow clients hold connections open.

The bot runs as `python app.py` (HTTP mode, 2 gunicorn workers of 2 threads) against a fake
Slack answering each Web API call in 300 ms. Forty clients each send part of a request and then
nothing: half stop inside the headers, half after the headers and the first bytes of a body.
When the bot cuts one off, it connects again at once, so forty are connected all the time. Ten
clients meanwhile send Slack's requests (a status command, a step click) at 20 a second, and
every ack is timed against Slack's 3-second deadline. Then twenty clients each send a 10 MB body
(Slack never sends more than a few hundred KB), and the bot's memory is read before and after.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlsplit

from common import open_crises, percentiles, quiet, running_bot, step_button, table

SLACK_LATENCY = 0.3
SLOW = 40
CLIENTS = 10
REQUESTS = 200
RATE = 20  # requests a second, all clients together
DEADLINE = 3.0
HUGE = 10 << 20
HEAD = b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/x-www-form-urlencoded\r\n"


@contextmanager
def slow_clients(url: str, count: int) -> Iterator[list[int]]:
    """`count` connections that each send part of a request and wait, reconnecting whenever the
    bot closes one; yields a one-element list counting how often the bot cut one off."""
    parts = urlsplit(url)
    stop = threading.Event()
    cut_off = [0]

    def hold(i: int) -> None:
        partial = HEAD[:50] if i % 2 else HEAD + b"Content-Length: 800\r\n\r\ncommand=%2Fcris"
        while not stop.is_set():
            with socket.create_connection((parts.hostname, parts.port), timeout=1) as sock:
                sock.sendall(partial)
                while not stop.is_set():
                    try:
                        if not sock.recv(1024):
                            break
                    except TimeoutError:
                        continue
                    except OSError:
                        break
                else:
                    return
            cut_off[0] += 1

    threads = [threading.Thread(target=hold, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    try:
        yield cut_off
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)


def send_huge(url: str) -> int | None:
    """POST a body of HUGE bytes; the status the bot answers with (None if it gave none)."""
    parts = urlsplit(url)
    head = HEAD + f"Content-Length: {HUGE}\r\n\r\n".encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        try:
            sock.sendall(head + b"x" * HUGE)
        except OSError:
            pass  # the bot answered and closed before the body was through
        try:
            answer = sock.recv(100)
        except OSError:
            return None
    return int(answer.split()[1]) if answer.startswith(b"HTTP/") else None


def run() -> str:
    with running_bot(SLACK_LATENCY) as (fake, (bot,), (send,)):
        rooms = open_crises(fake, [send], 10)
        quiet(fake)
        clicks = [(room, step) for room in rooms for step in (1, 2, 3, 4)]

        def one(i: int) -> tuple[float, int]:
            """Request i at its time: odd ones a status command, even ones a click that changes a step
            (each step done, then undone on the next round)."""
            if (delay := started + i / RATE - time.perf_counter()) > 0:
                time.sleep(delay)
            room, step = clicks[i // 2 % len(clicks)]
            move = "undo" if i // 2 // len(clicks) % 2 else "done"
            begun = time.perf_counter()
            if i % 2:
                reply = send.command("status", user=room.opener, channel=room.channel)
            else:
                reply = send.click(step_button(room, step, move), f"crisis.step.{move}#{step}", user=room.opener)
            return time.perf_counter() - begun, reply.status

        with slow_clients(bot.url, SLOW) as cut_off:
            time.sleep(2)  # every slow client connected and holding
            started = time.perf_counter()
            with ThreadPoolExecutor(CLIENTS) as pool:
                answers = list(pool.map(one, range(REQUESTS)))
            seconds = time.perf_counter() - started
        quiet(fake)
        before, _ = bot.memory_mib()
        refused = sum(send_huge(bot.url) == 413 for _ in range(20))
        after, _ = bot.memory_mib()
    samples = [elapsed for elapsed, _ in answers]
    on_time = sum(1 for elapsed, status in answers if status == 200 and elapsed < DEADLINE)
    title = (
        f"Acks with {SLOW} slow clients connected (`python app.py`, 2 gunicorn workers; {os.cpu_count()} cores shared"
        f" with the clients and the fake Slack, which answers each Web API call in {SLACK_LATENCY * 1000:.0f} ms)"
    )
    rows = [["status + step click", len(samples), f"{on_time}/{len(samples)}", *percentiles(samples)]]
    return (
        table(title, ["requests", "n", "acked < 3 s", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows)
        + f"\nThe bot cut off {cut_off[0]} slow connections in {seconds:.0f} s (each reconnected at once)."
        + f"\n20 bodies of {HUGE >> 20} MB: {refused} answered 413 before being read; the bot's memory"
        f" {before:.0f} MiB before, {after:.0f} MiB after."
    )


if __name__ == "__main__":
    print(run())
