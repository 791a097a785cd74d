"""Slack did what was asked and its answer was lost (the connection dropped, or the answer came
after the client gave up): the bot looks for what Slack stored and adopts it, never doing it twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.scheduler import tick
from tests.conftest import ANA, in_thread
from tests.harness import Harness

LESSON = "Answer within the hour: the silence of the first evening made the story bigger than the parcel."


def text_has(words):
    return lambda args: words in (args.get("text") or "")


@pytest.fixture
def bot(fake, env, management):
    harness = Harness.start(fake, {**env, "DIGEST_CHANNEL": management.id, "DIGEST_TIME": "09:00"})
    yield harness
    harness.stop()


def messages(channel, words):
    return [m for m in channel.messages if words in (m["text"] or "")]


def test_a_checklist_whose_answer_was_lost_is_posted_once(bot, fake):
    fake.lose_answer("chat.postMessage", when=text_has("Checklist for crisis"))
    crisis = bot.open_crisis("Lost checklist", user=ANA)
    room = fake.channels[crisis.channel_id]
    (checklist,) = messages(room, "Checklist for crisis")
    assert crisis.checklist_ts == checklist["ts"] and crisis.setup_state.value == "done"


def test_a_step_note_whose_answer_was_lost_is_posted_once(bot, fake):
    crisis = bot.open_crisis("Lost note", user=ANA)
    fake.lose_answer("chat.postMessage", when=text_has("✅ Step 1"))
    bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), "crisis.step.done#1", user=ANA)
    bot.settle()
    (note,) = [m for m in in_thread(fake, crisis) if m["text"].startswith("✅ Step 1")]
    key = note["metadata"]["event_payload"]["key"]
    assert bot.services.outbox.sent_ts(key) == note["ts"]


def test_a_closing_summary_and_management_note_whose_answers_were_lost_are_posted_once(bot, fake, management):
    crisis = bot.open_crisis("Lost closing", user=ANA)
    for step in (1, 2, 3, 4):
        bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), f"crisis.step.done#{step}", user=ANA)
        bot.settle()
    fake.lose_answer(
        "chat.postMessage", when=lambda args: args["channel"] == crisis.channel_id and "closed" in args["text"]
    )
    fake.lose_answer("chat.postMessage", when=lambda args: args["channel"] == management.id)
    bot.send.command("close", user=ANA, channel=crisis.channel_id)
    bot.settle()
    bot.send.submit(bot.last_view(), {"lessons": LESSON}, user=ANA)
    bot.settle()
    assert len(messages(fake.channels[crisis.channel_id], f"Crisis #{crisis.id} closed")) == 1
    assert len(messages(management, "closed")) == 1


def test_a_digest_whose_answer_was_lost_is_posted_once(bot, fake, management):
    fake.lose_answer("chat.postMessage", when=text_has("Crisis digest"))
    with time_machine.travel(datetime(2026, 11, 24, 9, 1, tzinfo=UTC), tick=True):
        tick(bot.services)
        tick(bot.services)
    (digest,) = messages(management, "Crisis digest")
    assert digest["metadata"]["event_payload"]["key"] == "digest:2026-11-24"


def test_a_channel_whose_creation_answer_was_lost_becomes_the_war_room(bot, fake):
    fake.lose_answer("conversations.create")
    crisis = bot.open_crisis("Lost create", user=ANA)
    assert [c.id for c in fake.channels.values() if c.name.startswith("crisis-")] == [crisis.channel_id]
    assert crisis.setup_state.value == "done" and len(fake.channels[crisis.channel_id].messages) == 2


def test_a_header_answered_after_the_client_gave_up_is_not_posted_again_after_the_back_off(fake, env):
    bot = Harness.start(fake, {**env, "SLACK_TIMEOUT_SECONDS": "1"})
    try:
        fake.lose_answer("chat.postMessage", when=text_has("Crisis #"), late=1.5)
        fake.fail("conversations.history", "service_unavailable")  # and looking for it fails, at first
        crisis = bot.open_crisis("Slow header", user=ANA)
        assert crisis.setup_state.value == "pending"
        with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6), tick=True):
            tick(bot.services)
        crisis = bot.services.crises.get(crisis.id)
    finally:
        bot.stop()
    room = fake.channels[crisis.channel_id]
    (header,) = messages(room, f"Crisis #{crisis.id}:")
    assert crisis.header_ts == header["ts"] and room.pins == [header["ts"]] and crisis.setup_state.value == "done"
