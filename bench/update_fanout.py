"""A stakeholder update to 200 followers and 5 stakeholder channels, with Slack at 300 ms a call:
the time from the owner's submit to every follower and channel having it (goal: 3 s), and the
Web API calls it takes. The first update posts every card; the second edits them in place."""

from __future__ import annotations

import time
from collections import Counter

from common import open_crises, quiet, running_bot, table

FOLLOWERS = [f"UFOLLOW{i:03d}" for i in range(200)]
CHANNELS = 5
LATENCY = 0.3
UPDATE = {
    "update_status": "Contained",
    "known": "The complaint went viral overnight; the courier confirmed the delay.",
    "doing": "Replying to everyone affected; refunds are on their way.",
    "next_update": "1h",
}
# The fake Slack numbers its channels in order: #general, #management, then ours.
STAKEHOLDERS = [f"C{n:08d}" for n in range(3, 3 + CHANNELS)]


def run() -> str:
    rows = []
    with running_bot(LATENCY, STAKEHOLDER_CHANNELS="*=" + ",".join(STAKEHOLDERS)) as (fake, _, (send,)):
        made = [fake.add_channel(f"stakeholders-{i}", members={"UBOT0001"}).id for i in range(CHANNELS)]
        assert made == STAKEHOLDERS, made
        for user in FOLLOWERS:
            fake.add_user(user)
        (room,) = open_crises(fake, [send], 1)
        for user in FOLLOWERS:
            send.command(f"follow {room.id}", user=user, channel=fake.general.id)
        quiet(fake, 1)
        for label, values in (("first update (posts every card)", UPDATE), ("next update (edits them)", {})):
            rows.append([label, *_one_update(fake, send, room, {**UPDATE, **values})])
    return (
        table(
            f"Stakeholder update to {len(FOLLOWERS)} followers and {CHANNELS} channels, Slack at {LATENCY * 1000:.0f} ms",
            ["update", "submit ack", "all delivered", "Web API calls", "by method"],
            rows,
        )
        + "\n(from the submit to the last follower's DM, card and thread reply; the form's views.open is not counted)"
    )


def _one_update(fake, send, room, values: dict) -> list[object]:
    forms = len(fake.views)
    send.command("update", user=room.opener, channel=room.channel)
    fake.wait_for(lambda: len(fake.views) > forms, timeout=30)
    form = list(fake.views.values())[-1]
    assert form.get("callback_id") == "crisis.update", form
    before = len(fake.calls)
    started = time.time()
    reply = send.submit(form, values, user=room.opener)
    assert reply.status == 200 and reply.body == "", reply
    quiet(fake, 2)
    calls = fake.calls[before:]
    dms = {c.args["channel"] for c in calls if c.method == "chat.postMessage" and c.args["channel"].startswith("U")}
    assert dms == set(FOLLOWERS), f"{len(dms)} of {len(FOLLOWERS)} followers got it"
    threads = {c.args["channel"] for c in calls if c.method == "chat.postMessage" and c.args.get("thread_ts")}
    assert threads == {*STAKEHOLDERS, room.channel}, threads
    last = max(c.at for c in calls if c.method in ("chat.postMessage", "chat.update", "pins.add"))
    spent = Counter(c.method for c in calls)
    by_method = ", ".join(f"{m} {n}" for m, n in sorted(spent.items()))
    return [f"{reply.elapsed * 1000:.1f} ms", f"{last - started:.2f} s", sum(spent.values()), by_method]


if __name__ == "__main__":
    print(run())
