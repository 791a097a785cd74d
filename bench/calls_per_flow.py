"""How many Slack Web API calls each flow costs (what counts against Slack's rate limits).

Each flow runs once against the real bot process with an instant fake Slack; the calls it
makes, until the bot falls quiet, are counted by method.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Callable

from common import ROOT, USERS, open_crises, quiet, running_bot, step_button, table

from tests.harness import base_env


def run() -> str:
    rows = []
    with running_bot(0.0) as (fake, (bot,), (send,)):
        management = fake.channel_named("management")
        quiet(fake, 1)

        def count(flow: str, action: Callable[[], object]) -> None:
            before = Counter(c.method for c in fake.calls)
            action()
            quiet(fake, 1)
            spent = Counter(c.method for c in fake.calls) - before
            rows.append([flow, sum(spent.values()), ", ".join(f"{m} {n}" for m, n in sorted(spent.items()))])

        rooms: list = []
        count("open (command, modal, war room)", lambda: rooms.extend(open_crises(fake, [send], 1)))
        room = rooms[0]
        count("step click", lambda: send.click(step_button(room, 1, "done"), "crisis.step.done#1", user=room.opener))
        for step in (2, 3):
            send.click(step_button(room, step, "done"), f"crisis.step.done#{step}", user=room.opener)
        quiet(fake, 1)
        count(
            "last step click (completes the checklist)",
            lambda: send.click(step_button(room, 4, "done"), "crisis.step.done#4", user=room.opener),
        )

        def close() -> None:
            send.command("close", user=room.opener, channel=room.channel)
            fake.wait_for(lambda: any(v.get("callback_id") == "crisis.close" for v in fake.views.values()))
            modal = [v for v in fake.views.values() if v.get("callback_id") == "crisis.close"][-1]
            send.submit(
                modal,
                {
                    "lessons": "Answer within the hour, every time.",
                    "followup_1": "Weekend rota",
                    "followup_owner_1": USERS[1],
                    "archive": ["archive"],
                },
                user=room.opener,
            )

        count("close (with a follow-up, archiving)", close)

        def digest() -> None:
            env = {**base_env(fake, bot.db_path), "DIGEST_CHANNEL": management.id, "DIGEST_TIME": "off"}
            subprocess.run(
                [sys.executable, str(ROOT / "app.py"), "digest", "--send"],
                env=env,
                cwd=bot.workdir,
                check=True,
                capture_output=True,
            )

        count("daily digest", digest)
    return (
        table("Web API calls per flow", ["flow", "calls", "by method"], rows)
        + "\n(auth.test is once per process, on its first invitation.)"
    )


if __name__ == "__main__":
    print(run())
