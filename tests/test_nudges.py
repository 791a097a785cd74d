"""Nudges: sent once, stored, surviving restarts, never for a closed crisis."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot import clock
from bot.publish.once import STALE_AFTER_SECONDS
from bot.scheduler import tick
from bot.slack.gateway import METADATA_TYPE
from tests.conftest import ANA, BOB
from tests.harness import Harness

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@pytest.fixture
def clock_at_t0():
    with time_machine.travel(T0, tick=True) as traveller:
        yield traveller


def nudges(fake, crisis):
    return [m for m in fake.channels[crisis.channel_id].messages if m["text"].startswith("⏰")]


def test_the_owner_is_nudged_once_when_step_one_is_late(bot, fake, clock_at_t0):
    crisis = bot.open_crisis("Late acknowledgement", user=ANA, owner=BOB)
    clock_at_t0.move_to(T0 + 59 * MINUTE)
    tick(bot.services)
    assert nudges(fake, crisis) == []

    clock_at_t0.move_to(T0 + 61 * MINUTE)
    tick(bot.services)
    tick(bot.services)
    (nudge,) = nudges(fake, crisis)
    assert f"<@{BOB}>" in nudge["text"] and "Acknowledge" in nudge["text"] and "60 minutes" in nudge["text"]
    assert nudge["metadata"] == {"event_type": METADATA_TYPE, "event_payload": {"key": f"nudge:{crisis.id}:ack"}}


def test_no_acknowledgement_nudge_once_step_one_is_done(bot, fake, clock_at_t0):
    crisis = bot.open_crisis("Quick acknowledgement", user=ANA)
    bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), "crisis.step.done#1", user=ANA)
    bot.settle()
    clock_at_t0.move_to(T0 + 2 * HOUR)
    tick(bot.services)
    assert nudges(fake, crisis) == []


def test_a_stalled_crisis_nudges_once_per_quiet_spell(bot, fake, clock_at_t0):
    crisis = bot.open_crisis("Stalling", user=ANA)
    clock_at_t0.move_to(T0 + 10 * MINUTE)
    bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), "crisis.step.done#1", user=ANA)
    bot.settle()

    clock_at_t0.move_to(T0 + 10 * MINUTE + 24 * HOUR - MINUTE)
    tick(bot.services)
    assert nudges(fake, crisis) == []
    clock_at_t0.move_to(T0 + 10 * MINUTE + 24 * HOUR)
    tick(bot.services)
    tick(bot.services)
    assert len(nudges(fake, crisis)) == 1 and "24 hours" in nudges(fake, crisis)[0]["text"]

    # a change starts a new spell: 24 quiet hours later the owner hears again
    clock_at_t0.move_to(T0 + 30 * HOUR)
    bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), "crisis.step.done#3", user=ANA)
    bot.settle()
    clock_at_t0.move_to(T0 + 54 * HOUR)
    tick(bot.services)
    assert len(nudges(fake, crisis)) == 2


def test_a_closed_crisis_is_never_nudged(bot, fake, clock_at_t0):
    crisis = bot.open_crisis("Closed early", user=ANA)
    with bot.services.store.write() as db:
        db.execute("update crises set status = 'closed' where id = ?", [crisis.id])
    clock_at_t0.move_to(T0 + 3 * 24 * HOUR)
    tick(bot.services)
    assert nudges(fake, crisis) == []


def test_times_come_from_the_environment(fake, env, clock_at_t0):
    harness = Harness.start(fake, {**env, "ACK_SLA_MINUTES": "5"})
    try:
        crisis = harness.open_crisis("Tight SLA", user=ANA)
        clock_at_t0.move_to(T0 + 6 * MINUTE)
        tick(harness.services)
        assert "5 minutes" in nudges(fake, crisis)[0]["text"]
    finally:
        harness.stop()


def test_a_nudge_due_while_the_bot_was_stopped_goes_out_once_when_it_is_back(fake, env, clock_at_t0):
    first = Harness.start(fake, env)
    crisis = first.open_crisis("Overnight", user=ANA)
    first.stop()  # the bot is down while the SLA passes

    clock_at_t0.move_to(T0 + 8 * HOUR)
    assert nudges(fake, crisis) == []
    again = Harness.start(fake, env)
    try:
        tick(again.services)
        tick(again.services)
        assert len(nudges(fake, crisis)) == 1
    finally:
        again.stop()


def test_two_bots_ticking_at_once_send_one_nudge(fake, env, clock_at_t0):
    bots = [Harness.start(fake, env) for _ in range(2)]
    try:
        crisis = bots[0].open_crisis("Two schedulers", user=ANA)
        clock_at_t0.move_to(T0 + 2 * HOUR)
        fake.latency = 0.05
        threads = [threading.Thread(target=tick, args=(b.services,)) for b in bots for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(nudges(fake, crisis)) == 1
    finally:
        for b in bots:
            b.stop()


def test_a_crash_after_posting_never_posts_twice(bot, fake, clock_at_t0):
    crisis = bot.open_crisis("Crash after post", user=ANA)
    clock_at_t0.move_to(T0 + 2 * HOUR)
    # the process dies after Slack accepted the post but before recording it as sent
    original = bot.services.outbox.sent
    bot.services.outbox.sent = lambda *a, **k: None
    tick(bot.services)
    bot.services.outbox.sent = original
    assert len(nudges(fake, crisis)) == 1

    clock_at_t0.shift(timedelta(seconds=STALE_AFTER_SECONDS + 1))
    tick(bot.services)
    assert len(nudges(fake, crisis)) == 1  # found in the channel's history by its metadata
    assert fake.count("conversations.history") == 1
    tick(bot.services)
    assert fake.count("conversations.history") == 1  # and now recorded as sent


def test_a_crash_before_posting_posts_once_later(bot, fake, clock_at_t0):
    crisis = bot.open_crisis("Crash before post", user=ANA)
    clock_at_t0.move_to(T0 + 2 * HOUR)
    bot.services.outbox.claim(
        f"nudge:{crisis.id}:ack", crisis.channel_id, now=clock.now(), stale_after=STALE_AFTER_SECONDS
    )
    tick(bot.services)
    assert nudges(fake, crisis) == []  # someone holds the claim: wait
    clock_at_t0.shift(timedelta(seconds=STALE_AFTER_SECONDS + 1))
    tick(bot.services)
    tick(bot.services)
    assert len(nudges(fake, crisis)) == 1


def test_the_scheduler_thread_runs_by_itself(bot, fake):
    crisis = bot.open_crisis("Background", user=ANA)
    with bot.services.store.write() as db:
        db.execute("update crises set opened_at = opened_at - 7200 where id = ?", [crisis.id])
    bot.bot.scheduler.interval = 0.05
    bot.bot.scheduler.start()
    deadline = time.monotonic() + 10
    while not nudges(fake, crisis):
        assert time.monotonic() < deadline, "the scheduler did not nudge"
        time.sleep(0.05)


def test_an_interrupted_set_up_is_finished_by_the_scheduler(bot, fake):
    # four 429s: the first attempt and slack_sdk's three retries all fail
    fake.fail("conversations.create", "ratelimited", status=429, retry_after=0, times=4)
    crisis = bot.open_crisis("Slack was down", user=ANA)
    assert crisis.channel_id is None and crisis.setup_state.value == "pending"  # transient: will retry
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6), tick=True):
        tick(bot.services)
    crisis = bot.services.crises.get(crisis.id)
    assert crisis.channel_id and crisis.setup_state.value == "done"
    assert fake.count("pins.add") == 1
