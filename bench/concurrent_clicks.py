"""1,000 step clicks at once over 100 crises, through 4 bot processes sharing one database:
no change lost, none doubled, one thread note per change, every checklist showing its state.

Clicks are random Done / Reopen presses on random steps, 40 at a time, round-robin across the
processes, so many land on a step someone else has just changed. Every click is acknowledged
and then either changes the step or is refused with a private answer; the accounting below
checks that exactly one of the two happened to each, from the database and from Slack.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from common import open_crises, quiet, running_bot, step_button, table

PROCESSES = 4
CRISES = 100
CLICKS = 1000
CLIENTS = 40
SLACK_LATENCY = 0.05


def run() -> str:
    rng = random.Random(2026)
    with running_bot(SLACK_LATENCY, processes=PROCESSES, WEB_CONCURRENCY="1") as (fake, bots, senders):
        rooms = open_crises(fake, senders, CRISES)
        quiet(fake)
        plan = [(rng.choice(rooms), rng.randint(1, 4), rng.choice(("done", "undo"))) for _ in range(CLICKS)]
        responses_before = len(fake.responses)

        def click(i: int) -> int:
            room, step, move = plan[i]
            return (
                senders[i % PROCESSES]
                .click(step_button(room, step, move), f"crisis.step.{move}#{step}", user=room.opener)
                .status
            )

        with ThreadPoolExecutor(CLIENTS) as pool:
            statuses = list(pool.map(click, range(CLICKS)))
        quiet(fake, 3)
        refused = [r for r in fake.responses[responses_before:] if "Step" in r["text"] and ("already" in r["text"])]
        db = sqlite3.connect(bots[0].db_path)
        events = db.execute("select crisis_id, detail from events where kind = 'step_changed' order by id").fetchall()
        chains, broken = defaultdict(list), 0
        for crisis_id, detail in events:
            change = json.loads(detail)
            chain = chains[(crisis_id, change["step"])]
            broken += bool(chain) and chain[-1] != change["old"]  # each change must start where the last one ended
            chain.append(change["new"])
        stored = {(c, s): state for c, s, state in db.execute("select crisis_id, step, state from steps")}
        mismatched = sum(1 for key, chain in chains.items() if chain[-1] != stored[key])
        notes = sum(
            1
            for room in fake.channels.values()
            for m in room.messages
            if m["thread_ts"] and re.match(r"(✅|➖|↩️) Step", m["text"] or "")
        )
        shown_wrong = 0
        for room in rooms:
            checklist = fake.message(room.channel, room.checklist_ts)
            done = int(re.search(r"(\d) of 4 done", str(checklist["blocks"])).group(1))
            shown_wrong += done != sum(1 for s in (1, 2, 3, 4) if stored[(room.id, s)] != "pending")
    lost = CLICKS - len(events) - len(refused)
    rows = [
        ["clicks sent / acknowledged (200)", f"{CLICKS} / {statuses.count(200)}"],
        ["changes stored / refused as already made", f"{len(events)} / {len(refused)}"],
        ["lost clicks (neither changed nor refused)", lost],
        ["changes not starting where the previous one ended", broken],
        ["steps whose stored state differs from their last change", mismatched],
        ["thread notes / changes", f"{notes} / {len(events)}"],
        ["checklists showing another state than stored", shown_wrong],
    ]
    return table(
        f"{CLICKS:,} concurrent step clicks over {CRISES} crises, {PROCESSES} bot processes, one database",
        ["check", "result"],
        rows,
    )


if __name__ == "__main__":
    print(run())
