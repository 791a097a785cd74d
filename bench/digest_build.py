"""How long the daily digest takes to build from a database of 10,000 crises.

Every 50th crisis is closed with a lesson and a follow-up, the rest are open; the digest is
gathered (a handful of aggregate queries), rendered and validated as Block Kit.
"""

from __future__ import annotations

import statistics
import tempfile
import time

from common import table

from bot import clock
from bot.config import Config
from bot.flows import digest
from bot.services import Services
from bot.slack.gateway import SlackGateway
from tests.bulk import bulk_crises

CRISES = 10_000
RUNS = 5


def run() -> str:
    with tempfile.TemporaryDirectory() as folder:
        config = Config.from_env(
            {
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": "ab" * 16,
                "CRISIS_DB_PATH": f"{folder}/crisis.db",
            }
        )
        services = Services.build(config, SlackGateway.connect(config))
        try:
            now = clock.now()
            started = time.perf_counter()
            bulk_crises(services.store, CRISES, now=now)
            filled = time.perf_counter() - started
            timings, blocks = [], 0
            for _ in range(RUNS):
                started = time.perf_counter()
                snapshot = digest.gather(services, now=now, day=digest.today(services, now))
                message = digest.render(services, snapshot).to_kwargs()
                timings.append(time.perf_counter() - started)
                blocks = len(message["blocks"])
        finally:
            services.shutdown()
    rows = [
        [
            f"{CRISES:,} crises ({len(snapshot.open):,} open)",
            RUNS,
            f"{statistics.median(timings) * 1000:.0f}",
            f"{max(timings) * 1000:.0f}",
            blocks,
        ]
    ]
    return (
        table(
            "Daily digest build (gather + render + Block Kit validation)",
            ["database", "runs", "median ms", "max ms", "blocks"],
            rows,
        )
        + f"\n(filling the database took {filled:.1f} s)"
    )


if __name__ == "__main__":
    print(run())
