"""A step click: how fast it is acknowledged and how many Web API calls it costs.

50 war rooms are opened through the bot, then 20 clients tick their steps at once (every click
a real change) while the fake Slack answers each call in 300 ms.
"""

from __future__ import annotations

from collections import Counter

from ack_latency import SLACK_LATENCY, measure, row
from common import open_crises, running_bot, table

CRISES = 50


def run() -> str:
    with running_bot(SLACK_LATENCY) as (fake, _, (send,)):
        crises = open_crises(fake, send, CRISES)
        clicks = [(crisis, step) for crisis in crises for step in (1, 2, 3, 4)]
        before = Counter(c.method for c in fake.calls)

        def click(i: int) -> None:
            (channel, ts, opener), step = clicks[i]
            reply = send.click(
                fake.message(channel, ts) | {"channel": channel}, f"crisis.step.done#{step}", user=opener
            )
            assert reply.status == 200 and reply.body == "", reply

        measured = measure(click, requests=len(clicks))
        fake.wait_for(
            lambda: (
                sum(1 for c in fake.calls if c.method == "chat.postMessage")
                >= before["chat.postMessage"] + len(clicks) + CRISES
            ),
            timeout=300,
        )
        spent = Counter(c.method for c in fake.calls) - before
    headers = ["flow", "n", "clients", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    title = f"Step click (fake Slack answers each Web API call in {SLACK_LATENCY * 1000:.0f} ms)"
    per_click = ", ".join(f"{method} {count / len(clicks):.2f}" for method, count in sorted(spent.items()))
    return (
        table(title, headers, [row("step Done → ack", measured)])
        + f"\nWeb API calls per click: {sum(spent.values()) / len(clicks):.2f} ({per_click});"
        + "\n  the last click of each crisis also posts the 'all four steps settled' notice."
    )


if __name__ == "__main__":
    print(run())
