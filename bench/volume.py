"""What watching the volume costs: counting 100,000 mentions, drawing a chart for a crisis with
100,000 of them, and the bot's idle memory without the chart library.

- Ingest: 100,000 webhook-style items in calls of 1,000 (the webhook's most per call) through the
  real counting path (keyword matching against the brand watch and 5 open crises, unique keys),
  into a real SQLite file; items per second and the file's size. Every item matches all six
  scopes, so it is stored six times: the worst case.
- Chart: a crisis whose 100,000 mentions span 3 days, 3 sources and 6 platforms, with its
  milestones; the stored counts read and the PNG drawn (what /crisis volume does before the
  upload). The first chart in a process also imports matplotlib, reported apart.
- Memory: `python app.py` in HTTP mode (gunicorn master and 2 workers) idle, whether matplotlib
  is loaded, and after one worker has drawn a chart.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, open_crises, quiet, running_bot, table

from bot import clock
from bot.config import Config
from bot.flows import mentions
from bot.model import Category, Mention, NewCrisis, Platform, Severity, Source
from bot.rules.volume import HOUR
from bot.services import Services
from bot.slack.gateway import SlackGateway

ITEMS = 100_000
BATCH = 1_000
CHART_RUNS = 5
PLATFORMS = [Platform.X, Platform.REDDIT, Platform.NEWS, Platform.TIKTOK, Platform.FACEBOOK, Platform.YOUTUBE]
SOURCES = [Source.LISTENING, Source.FEED, Source.WEBHOOK]


def _services(folder: str, **env: str) -> Services:
    config = Config.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "ab" * 16,
            "CRISIS_DB_PATH": f"{folder}/crisis.db",
            **env,
        }
    )
    return Services.build(config, SlackGateway.connect(config))


def _size(path: str) -> float:
    return sum(Path(p).stat().st_size for p in (path, f"{path}-wal") if Path(p).exists()) / (1024 * 1024)


def ingest() -> list[list[object]]:
    with tempfile.TemporaryDirectory() as folder:
        services = _services(folder, WATCH_KEYWORDS="Acme, #acmefail")
        try:
            now = clock.now()
            for i in range(5):
                services.crises.create(
                    NewCrisis(
                        f"Crisis {i}", Category.TROLLING, Severity.HIGH, "UA1", "UA1", keywords=(f"topic{i}", "refund")
                    ),
                    request_key=f"bench:{i}",
                    at=now - 3 * 24 * HOUR,
                )
            items = [
                mentions.Incoming(
                    key=f"hook:bench-{n}",
                    at=now - 3 * 24 * HOUR + n * 2,
                    source=Source.WEBHOOK,
                    platform=PLATFORMS[n % 6],
                    author=f"@author{n % 500}",
                    text=f"Acme refund post number {n} about topic{n % 7}, with some more words like a real post has",
                    link=f"https://x.com/author{n % 500}/status/{n}",
                )
                for n in range(ITEMS)
            ]
            started = time.perf_counter()
            counted = sum(mentions.ingest(services, items[i : i + BATCH]) for i in range(0, ITEMS, BATCH))
            spent = time.perf_counter() - started
            services.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            size = _size(services.store.path)
            again = time.perf_counter()
            repeated = sum(mentions.ingest(services, items[i : i + BATCH]) for i in range(0, 10 * BATCH, BATCH))
            repeat_spent = time.perf_counter() - again
        finally:
            services.shutdown()
    return [
        [f"{ITEMS:,} items, calls of {BATCH:,}", f"{counted:,}", f"{ITEMS / spent:,.0f}", f"{size:.1f}"],
        [f"the first {10 * BATCH:,} again (a retry)", f"{repeated:,}", f"{10 * BATCH / repeat_spent:,.0f}", "—"],
    ]


CHART_PROBE = """
import json, statistics, sys, time
sys.path.insert(0, {root!r})
from bot.config import Config
from bot.flows import volume
from bot.services import Services
from bot.slack.gateway import SlackGateway
from bot.views import chart
from bot.rules.volume import HOUR
config = Config.from_env({{"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": "ab" * 16, "CRISIS_DB_PATH": {db!r}}})
services = Services.build(config, SlackGateway.connect(config))
crisis = services.crises.get(1)
now = {now}
def one():
    started = time.perf_counter()
    since = crisis.opened_at - 24 * HOUR
    size = chart.bucket_size(now - since)
    png = chart.draw("Crisis #1", services.mentions.buckets(1, since, now + 1, size), volume.milestones(services, crisis), since=since, until=now, size=size)
    return time.perf_counter() - started, len(png)
first, _ = one()
runs = [one() for _ in range({runs})]
print(json.dumps([first, [r[0] for r in runs], runs[0][1]]))
services.shutdown()
"""


def chart() -> list[list[object]]:
    import json

    with tempfile.TemporaryDirectory() as folder:
        services = _services(folder)
        try:
            now = clock.now()
            crisis, _ = services.crises.create(
                NewCrisis("Chart", Category.TROLLING, Severity.HIGH, "UA1", "UA1", keywords=("acme",)),
                request_key="bench:chart",
                at=now - 2 * 24 * HOUR,
            )
            for step in range(1, 5):
                services.timeline.record(
                    crisis.id,
                    at=now - (40 - step * 8) * HOUR,
                    actor="UA1",
                    kind="step_changed",
                    detail={"step": step, "new": "done"},
                )
            rows = [
                Mention(
                    crisis.id,
                    f"m{n}",
                    now - 3 * 24 * HOUR + int(n * 2.59),
                    SOURCES[n % 3],
                    PLATFORMS[n % 6],
                    f"a{n % 300}",
                    "acme",
                    f"https://x.com/{n}",
                )
                for n in range(ITEMS)
            ]
            services.mentions.add(rows)
        finally:
            services.shutdown()
        probe = CHART_PROBE.format(root=str(ROOT), db=f"{folder}/crisis.db", now=now, runs=CHART_RUNS)
        first, runs, size = json.loads(
            subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
        )
    return [
        ["first chart in a process (imports matplotlib)", f"{first * 1000:.0f}", "—", f"{size / 1024:.0f}"],
        [
            f"next charts ({CHART_RUNS} runs)",
            f"{statistics.median(runs) * 1000:.0f}",
            f"{max(runs) * 1000:.0f}",
            f"{size / 1024:.0f}",
        ],
    ]


def _pss_mib(pids: list[int]) -> float:
    """Proportional set size: shared pages (the workers are forks of the master) counted once."""
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total / 1024


def _loaded(pid: int, library: str) -> bool:
    return library in Path(f"/proc/{pid}/maps").read_text()


def memory() -> str:
    with running_bot(0.0) as (fake, (bot,), (send,)):
        time.sleep(2)
        idle, _ = bot.memory_mib()
        pids = [bot.process.pid, *bot.worker_pids()]
        idle_pss = _pss_mib(pids)
        loaded = [p for p in pids if _loaded(p, "matplotlib")]
        (room,) = open_crises(fake, [send], 1)
        quiet(fake, 1)
        before = len(fake.uploads)
        send.command("volume", user=room.opener, channel=room.channel)
        fake.wait_for(lambda: len(fake.uploads) > before, timeout=60)
        quiet(fake, 1)
        after, _ = bot.memory_mib()
        drawn = [p for p in pids if _loaded(p, "matplotlib")]
    return (
        f"Memory of `python app.py` (gunicorn master + 2 workers, resident sizes added up): {idle:.0f} MiB idle "
        f"({idle_pss:.0f} MiB counting shared pages once), matplotlib loaded in {len(loaded)} of {len(pids)} "
        f"processes; {after:.0f} MiB after one chart (matplotlib now in {len(drawn)})."
    )


def run() -> str:
    ingest_rows = ingest()
    chart_rows = chart()
    return "\n\n".join(
        [
            table(
                f"Counting mentions (keywords of the watch and 5 crises; {os.cpu_count()} cores)",
                ["items", "counted (item, scope)", "items/s", "database MiB"],
                ingest_rows,
            ),
            table(
                f"Volume chart of a crisis with {ITEMS:,} mentions (stored counts read + PNG drawn)",
                ["chart", "median ms", "max ms", "PNG KiB"],
                chart_rows,
            ),
            memory(),
        ]
    )


if __name__ == "__main__":
    print(run())
