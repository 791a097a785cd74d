"""Reopening a crisis whose war room closing archived: real Slack does not let a bot unarchive
(`not_in_channel`), so the team gets its war room back with a user token, or a new one that
continues the old one. Either way exactly once, with everyone invited again."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot import clock, publish
from bot.scheduler import tick
from tests.conftest import ANA, BOB, CAR, DAN, at_once
from tests.fakeslack import BOT_USER, OTHER_TEAM, TOKEN_USER, USER_TOKEN
from tests.harness import Harness
from tests.slackclient import find_element
from tests.test_closing import close, settle_all
from tests.test_recovery import Process, wait_for

REASON = "The story is back on TikTok"


@pytest.fixture
def bot(fake, env, management):
    harness = Harness.start(fake, {**env, "DIGEST_CHANNEL": management.id, "CRISIS_ADMINS": "SADMINS1"})
    fake.usergroups["SADMINS1"] = [DAN]
    yield harness
    harness.stop()


@pytest.fixture
def bot_with_token(fake, env, management):
    harness = Harness.start(fake, {**env, "DIGEST_CHANNEL": management.id, "SLACK_USER_TOKEN": USER_TOKEN})
    yield harness
    harness.stop()


def archived_crisis(bot, fake, title="Back again", joined=(CAR,), **values):
    """A crisis with BOB as responder and CAR (or `joined`), who joined the war room by
    themselves, closed with its war room archived."""
    crisis = bot.open_crisis(title, user=ANA, responders=[BOB], **values)
    fake.channels[crisis.channel_id].members.update(joined)
    settle_all(bot, fake, crisis)
    close(bot, fake, crisis, archive=["archive"])
    assert fake.channels[crisis.channel_id].archived
    return crisis


def reopen(bot, fake, crisis, user=ANA, **kwargs):
    reply = bot.send.command(f"reopen <#{crisis.channel_id}|x> {REASON}", user=user, channel=fake.general.id, **kwargs)
    assert reply.status == 200 and reply.body == ""
    bot.settle()


def new_rooms(fake, crisis):
    return [c for c in fake.channels.values() if c.name.startswith(crisis.channel_name) and c.id != crisis.channel_id]


def test_without_a_user_token_a_new_war_room_continues_the_archived_one(bot, fake, management):
    crisis = archived_crisis(bot, fake)
    unarchives = fake.count("conversations.unarchive")
    reopen(bot, fake, crisis)

    old = fake.channels[crisis.channel_id]
    (room,) = new_rooms(fake, crisis)
    reopened = bot.services.crises.get(crisis.id)
    assert reopened.is_open and reopened.channel_id == room.id and old.archived and not room.archived
    assert fake.count("conversations.unarchive") == unarchives  # no attempt Slack is known to refuse
    assert room.members == {BOT_USER, ANA, BOB, CAR}  # everyone who was in the old one

    # The header (pinned) and the checklist, as stored: the four steps still done, undoable.
    assert room.pins == [reopened.header_ts] and "Back again" in str(fake.message(room.id, reopened.header_ts))
    checklist = fake.message(room.id, reopened.checklist_ts)
    find_element(checklist["blocks"], "crisis.step.undo#1")
    # The story so far, and why it was reopened, with the way back to the old room.
    texts = [str(m["blocks"]) + m["text"] for m in room.messages]
    story = next(t for t in texts if "This war room continues" in t)
    assert f"<#{old.id}>" in story and "opened by" in story and "closed by" in story
    assert any(REASON in t and "reopened" in t for t in texts)
    assert old.name in room.purpose

    # Whoever follows the old room's link finds the new one: the note to management, and
    # /crisis status answers in both rooms.
    note = management.messages[-1]["text"]
    assert "reopened" in note and f"<#{room.id}>" in note and f"<#{old.id}>" in note
    for where, other in ((old.id, room.id), (room.id, old.id)):  # each leads to the other
        status = bot.ask("status", user=BOB, channel=where).json
        assert "Back again" in str(status["blocks"]) and f"<#{other}>" in str(status["blocks"])

    # The reopener hears once how it went.
    answers = [r["text"] for r in fake.responses if f"<#{room.id}>" in r["text"]]
    assert len(answers) == 1 and "open again" in answers[0] and f"<#{old.id}>" in answers[0]


def test_a_double_click_or_a_retried_reopen_gives_one_new_war_room(bot, fake, management):
    crisis = archived_crisis(bot, fake)
    fake.latency = 0.05  # slow enough for the requests to overlap
    at_once(3, reopen, bot, fake, crisis)
    reopen(bot, fake, crisis, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    fake.latency = 0
    (room,) = new_rooms(fake, crisis)
    assert [c["name"] for c in fake.calls_to("conversations.create")].count(room.name) == 1
    assert len([m for m in room.messages if REASON in m["text"]]) == 1 and len(room.pins) == 1
    assert len([m for m in management.messages if "reopened" in m["text"]]) == 1


def later(minutes: float):
    return time_machine.travel(datetime.now(UTC) + timedelta(minutes=minutes), tick=True)


def test_a_reopening_whose_process_died_gets_its_war_room_from_the_scheduler_once(bot, fake, management):
    crisis = archived_crisis(bot, fake)
    # Stored with its posts enqueued, then the process dies before it brings the war room back.
    posts = publish.for_reopen(management.id)
    assert bot.services.closures.reopen(crisis.id, by=ANA, at=clock.now(), reason=REASON, posts=posts)
    with later(2):
        tick(bot.services)
        tick(bot.services)
    (room,) = new_rooms(fake, crisis)
    assert bot.services.crises.get(crisis.id).channel_id == room.id and room.members == {BOT_USER, ANA, BOB, CAR}
    assert len(room.pins) == 1 and len([m for m in room.messages if "Checklist" in m["text"]]) == 1
    assert [len([m for m in room.messages if text in m["text"]]) for text in (REASON, "continues")] == [1, 1]
    assert len([m for m in management.messages if "reopened" in m["text"]]) == 1


def test_killed_after_creating_the_new_war_room_the_restarted_bot_finishes_that_one(fake, env, tmp_path):
    harness = Harness.start(fake, env)  # close in-process, then reopen in a real process and kill it
    crisis = archived_crisis(harness, fake)
    harness.stop()
    bot, again = Process(fake, env, tmp_path).start(), Process(fake, env, tmp_path)
    try:
        fake.kill_after("conversations.create", pid=bot.worker_pid)  # the first name is taken: the second
        bot.send.command(f"reopen {crisis.id} {REASON}", user=ANA, channel=fake.general.id)
        wait_for(lambda: new_rooms(fake, crisis))
        bot.stop()
        again.start()
        (room,) = new_rooms(fake, crisis)
        wait_for(lambda: len(room.pins) == 1 and any("Checklist" in m["text"] for m in room.messages))
        time.sleep(1.5)  # a few more scheduler ticks: nothing more may happen
        assert len(new_rooms(fake, crisis)) == 1 and room.members == {BOT_USER, ANA, BOB, CAR}
        assert len([m for m in room.messages if "Checklist" in m["text"]]) == 1 and len(room.pins) == 1
    finally:
        bot.stop()
        again.stop()


def test_people_who_cannot_be_invited_again_are_named_to_the_reopener_once(bot, fake):
    grid = fake.add_user("W0GRID002", name="grid")
    crisis = archived_crisis(bot, fake, title="Grid again", joined=(CAR, grid))
    fake.users[grid]["team_id"] = OTHER_TEAM  # in the war room then; since moved to another workspace
    before = len(fake.responses)
    reopen(bot, fake, crisis, user=DAN)  # an admin reopens
    told = [r["text"] for r in fake.responses[before:] if grid in r["text"]]
    assert len(told) == 1 and "they are in another workspace of your organisation" in told[0]
    assert not any(grid in m["text"] for m in fake.dm_messages(ANA))
    (room,) = new_rooms(fake, crisis)
    assert {ANA, BOB, CAR, DAN} <= room.members


def test_with_a_user_token_the_war_room_is_unarchived_and_everyone_invited_again(bot_with_token, fake):
    bot = bot_with_token
    crisis = archived_crisis(bot, fake)
    reopen(bot, fake, crisis)
    room = fake.channels[crisis.channel_id]
    assert not room.archived and new_rooms(fake, crisis) == []
    assert room.members == {BOT_USER, ANA, BOB, CAR}  # the token's person brought the bot in and left
    assert TOKEN_USER not in room.members
    reopened = bot.services.crises.get(crisis.id)
    assert reopened.is_open and reopened.channel_id == room.id
    find_element(fake.message(room.id, reopened.checklist_ts)["blocks"], "crisis.step.undo#1")
    assert "Open" in str(fake.message(room.id, reopened.header_ts)["blocks"])
    assert any(REASON in m["text"] for m in room.messages)


def test_when_slack_fails_in_passing_the_war_room_is_unarchived_later_once(bot_with_token, fake):
    bot = bot_with_token
    crisis = archived_crisis(bot, fake)
    fake.fail("conversations.unarchive", "internal_error")
    reopen(bot, fake, crisis)
    room = fake.channels[crisis.channel_id]
    told = fake.responses[-1]["text"]
    assert room.archived and "open again" in told and "temporary problem" in told and "`" not in told
    with later(2):
        tick(bot.services)
        tick(bot.services)
    assert not room.archived and new_rooms(fake, crisis) == [] and room.members == {BOT_USER, ANA, BOB, CAR}
    assert len([m for m in room.messages if REASON in m["text"]]) == 1
    assert "Open" in str(fake.message(room.id, crisis.header_ts)["blocks"])


def test_a_private_war_room_the_token_cannot_unarchive_gets_a_new_one(bot_with_token, fake, management):
    bot = bot_with_token
    crisis = archived_crisis(bot, fake, title="Quiet again", private=["private"])
    reopen(bot, fake, crisis)  # the token's person was never in the private room: Slack refuses
    (room,) = new_rooms(fake, crisis)
    assert room.is_private and room.members == {BOT_USER, ANA, BOB, CAR}
    assert fake.channels[crisis.channel_id].archived and TOKEN_USER not in room.members
    note = management.messages[-1]["text"]
    assert "private crisis" in note and "reopened" in note and "Quiet again" not in note and room.id not in note


def test_a_private_war_room_is_unarchived_when_the_token_s_person_was_in_it(bot_with_token, fake):
    bot = bot_with_token
    crisis = archived_crisis(bot, fake, title="Quiet, with the admin", joined=(CAR, TOKEN_USER), private=["private"])
    reopen(bot, fake, crisis)
    room = fake.channels[crisis.channel_id]
    assert not room.archived and new_rooms(fake, crisis) == []
    assert {"channel": room.id, "users": BOT_USER} in fake.calls_to("conversations.invite")  # the bot can't join
    assert room.members == {BOT_USER, ANA, BOB, CAR, TOKEN_USER}  # they were in it, so they are back


def test_a_war_room_the_bot_cannot_rejoin_is_archived_again_and_replaced(bot_with_token, fake):
    bot = bot_with_token
    crisis = archived_crisis(bot, fake, title="No way in")
    fake.fail("conversations.join", "missing_scope")
    reopen(bot, fake, crisis)
    old = fake.channels[crisis.channel_id]
    (room,) = new_rooms(fake, crisis)
    assert old.archived and bot.services.crises.get(crisis.id).channel_id == room.id
    assert room.members == {BOT_USER, ANA, BOB, CAR}
