"""Stakeholder updates: the owner reports to the rest of the company, on a promised rhythm.
Through the real app: `/crisis update` and the header's button, the form, the cards edited in
place, followers by DM, the promise, private crises, unreachable channels, exactly once."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.flows.export import post_mortem
from bot.scheduler import tick
from bot.slack.gateway import METADATA_TYPE
from tests.conftest import ANA, BOB, CAR, DAN, at_once
from tests.fakeslack import BOT_USER
from tests.harness import Harness
from tests.slackclient import find_element
from tests.test_closing import close, settle_all
from tests.test_recovery import Process, dies_after_the_ack, recovered, wait_for
from tests.test_storage_failures import locked

UPDATE = {
    "update_status": "Contained",
    "known": "The complaint went viral on X overnight.",
    "doing": "Replying to everyone; refunds are on their way.",
    "next_update": "1h",
}
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)


@pytest.fixture
def rooms(fake):
    """Two stakeholder channels (critical crises go to both, others to the second)."""
    return fake.add_channel("exec", members={BOT_USER}), fake.add_channel("company-news", members={BOT_USER})


@pytest.fixture
def env(env, rooms, management):
    exec_room, news = rooms
    return {
        **env,
        "STAKEHOLDER_CHANNELS": f"critical={exec_room.id},{news.id};*={news.id}",
        "DIGEST_CHANNEL": management.id,
    }


def update_form(bot, crisis, user=ANA):
    reply = bot.send.command("update", user=user, channel=crisis.channel_id)
    assert reply.status == 200 and reply.body == "", reply
    bot.settle()
    view = bot.last_view()
    assert view["callback_id"] == "crisis.update"
    return view


def post_update(bot, crisis, user=ANA, **values):
    reply = bot.send.submit(update_form(bot, crisis, user), {**UPDATE, **values}, user=user)
    assert reply.status == 200 and reply.body == "", reply
    bot.settle()


def top(channel):
    """A channel's own messages, not those in threads."""
    return [m for m in channel.messages if not m["thread_ts"]]


def thread(channel, ts):
    return [m for m in channel.messages if m["thread_ts"] == ts]


def update_dms(fake, user):
    return [m for m in fake.dm_messages(user) if m["text"].startswith("Update ")]


def texts(message):
    return json.dumps(message["blocks"], ensure_ascii=False)


def test_an_update_reaches_the_war_room_two_stakeholder_channels_and_followers(bot, fake, rooms):
    crisis = bot.open_crisis("Parcel chaos", user=ANA, severity="critical", responders=[BOB])
    assert (
        bot.ask(f"follow {crisis.id}", user=DAN, channel=fake.general.id)
        .json["text"]
        .startswith(f"You're now following crisis #{crisis.id}")
    )
    form = update_form(bot, crisis)
    assert "This update goes to the war room, 2 channels and 2 followers." in texts(form)  # BOB, DAN; not ANA herself
    bot.send.submit(form, UPDATE, user=ANA)
    bot.settle()

    room = fake.channels[crisis.channel_id]
    (card,) = [m for m in top(room) if "Latest stakeholder update" in texts(m)]
    assert card["ts"] in room.pins and "Contained" in texts(card)
    (reply,) = thread(room, card["ts"])
    assert "Update 1: Contained" in texts(reply) and "refunds are on their way" in texts(reply)
    for channel in rooms:
        (stakeholder_card,) = top(channel)
        assert "Parcel chaos" in texts(stakeholder_card) and "Critical" in texts(stakeholder_card)
        find_element(stakeholder_card["blocks"], f"crisis.follow#{crisis.id}")
        (history,) = thread(channel, stakeholder_card["ts"])
        assert "Update 1: Contained" in texts(history)
        assert history["metadata"]["event_type"] == METADATA_TYPE
    for follower in (BOB, DAN):
        (dm,) = update_dms(fake, follower)
        assert "The complaint went viral" in texts(dm)
        find_element(dm["blocks"], f"crisis.unfollow#{crisis.id}")
    assert update_dms(fake, ANA) == [] and update_dms(fake, CAR) == []
    header = texts(fake.message(crisis.channel_id, crisis.header_ts))
    assert "Next update at <!date^" in header and "update 1 went out" in header
    (event,) = [e for e in bot.services.timeline.events(crisis.id) if e.kind == "update_posted"]
    assert (event.actor, event.detail["number"], event.detail["followers"], event.detail["channels"]) == (ANA, 1, 2, 2)


def test_the_next_update_edits_every_card_in_place_and_adds_to_its_thread(bot, fake, rooms):
    crisis = bot.open_crisis("Edited in place", user=ANA, severity="critical")
    post_update(bot, crisis)
    room = fake.channels[crisis.channel_id]
    cards = {c.id: top(c)[0]["ts"] for c in (*rooms, room) if c is not room} | {
        room.id: next(m["ts"] for m in top(room) if "Latest stakeholder update" in texts(m))
    }
    posts_before = len(room.messages)
    other = bot.open_crisis("Another one", user=BOB, severity="critical")
    post_update(bot, other, user=BOB, update_status="Other news")
    others = [next(m["ts"] for m in top(c) if "Another one" in texts(m)) for c in rooms]

    form = update_form(bot, crisis)
    values = {b["block_id"]: b["element"].get("initial_value") for b in form["blocks"] if b["type"] == "input"}
    assert values["update_status"] == "Contained" and values["known"] == UPDATE["known"]  # pre-filled
    bot.send.submit(form, {"update_status": "Calming down", "next_update": "2h"}, user=ANA)
    bot.settle()

    for channel_id, ts in cards.items():
        channel = fake.channels[channel_id]
        card = fake.message(channel_id, ts)
        assert "Update 2: Calming down" in texts(card) and "Contained" not in texts(card)
        assert [m["ts"] for m in top(channel) if "Calming down" in texts(m)] == [ts]  # the same message, edited
        assert ["Update 1" in texts(m) for m in thread(channel, ts)] == [True, False]
    edits = [c for c in fake.calls_to("chat.update") if (c["channel"], c["ts"]) in cards.items()]
    assert len(edits) == 3 and len(room.messages) == posts_before + 1  # the reply in the card's thread
    assert fake.count("pins.add") == 4  # each crisis's header at set-up, and its card once
    for channel, ts in zip(rooms, others, strict=True):  # the other crisis's cards in the same channels: untouched
        assert "Other news" in texts(fake.message(channel.id, ts)) and "Calming down" not in texts(
            fake.message(channel.id, ts)
        )
        assert not [c for c in fake.calls_to("chat.update") if c["ts"] == ts]


def test_followers_follow_from_everywhere_and_unfollow_from_the_dm(bot, fake, rooms, management):
    crisis = bot.open_crisis("Who hears it", user=ANA, responders=[BOB])
    fake.channels[crisis.channel_id].members.add(CAR)
    header = fake.message(crisis.channel_id, crisis.header_ts)
    bot.send.click(header, f"crisis.follow#{crisis.id}", user=CAR)
    bot.settle()
    assert f"You're now following crisis #{crisis.id}" in fake.responses[-1]["text"]
    post_update(bot, crisis)
    assert len(update_dms(fake, CAR)) == len(update_dms(fake, BOB)) == 1

    # DAN follows from the card in a stakeholder channel, then again from the digest: once is enough
    card = top(rooms[1])[0]
    bot.send.click({**card, "channel": rooms[1].id}, f"crisis.follow#{crisis.id}", user=DAN)
    bot.settle()
    digest = bot.ask("digest", user=DAN, channel=fake.general.id).json
    block, element = find_element(digest["blocks"], "crisis.follow.pick")
    option = next(o for o in element["options"] if o["text"]["text"].startswith(f"#{crisis.id} "))
    bot.send.interaction(
        {
            **bot.send._base("block_actions", DAN),
            "container": {"type": "message", "message_ts": "1.1", "is_ephemeral": True},
            "channel": {"id": fake.general.id, "name": "general"},
            "response_url": fake.response_url(),
            "actions": [
                {
                    "type": "static_select",
                    "action_id": element["action_id"],
                    "block_id": block["block_id"],
                    "selected_option": option,
                }
            ],
        }
    )
    bot.settle()
    assert "You're already following" in fake.responses[-1]["text"]

    # BOB, a responder, unfollows from his DM; the next update skips him
    bot.send.click(update_dms(fake, BOB)[0], f"crisis.unfollow#{crisis.id}", user=BOB)
    bot.settle()
    assert f"You've unfollowed crisis #{crisis.id}" in fake.responses[-1]["text"]
    post_update(bot, crisis, update_status="Second")
    assert [len(update_dms(fake, u)) for u in (BOB, CAR, DAN)] == [1, 2, 1]
    assert "You're not following" in bot.ask("unfollow", user=BOB, channel=crisis.channel_id).json["text"]

    # the management note of a closed public crisis offers Follow too
    with bot.services.store.write() as db:
        db.execute("update steps set state = 'done' where crisis_id = ?", [crisis.id])
    bot.send.command("close", user=ANA, channel=crisis.channel_id)
    bot.settle()
    bot.send.submit(bot.last_view(), {"lessons": "Answer the first evening, not the next morning."}, user=ANA)
    bot.settle()
    find_element(management.messages[-1]["blocks"], f"crisis.follow#{crisis.id}")


def test_a_follow_click_acknowledged_before_a_crash_is_recorded_once(bot, fake):
    crisis = bot.open_crisis("Followed before the crash", user=ANA)
    header = fake.message(crisis.channel_id, crisis.header_ts)
    with dies_after_the_ack(bot):
        reply = bot.send.click(header, f"crisis.follow#{crisis.id}", user=DAN)
    assert reply.status == 200 and bot.services.followers.choices(crisis.id) == {}
    recovered(bot)
    recovered(bot)
    assert bot.services.followers.choices(crisis.id) == {DAN: True}
    assert len([r for r in fake.responses if r["text"].startswith(f"You're now following crisis #{crisis.id}")]) == 1


def test_an_update_acknowledged_before_a_crash_is_delivered_by_the_scheduler_once(bot, fake, rooms):
    crisis = bot.open_crisis("Sent before the crash", user=ANA, responders=[BOB])
    form = update_form(bot, crisis)
    with dies_after_the_ack(bot):
        assert bot.send.submit(form, UPDATE, user=ANA).body == ""
    assert bot.services.updates.latest(crisis.id).status == "Contained" and update_dms(fake, BOB) == []
    recovered(bot)
    recovered(bot)
    assert len(update_dms(fake, BOB)) == 1
    (card,) = top(rooms[1])
    assert len(thread(rooms[1], card["ts"])) == 1
    room = fake.channels[crisis.channel_id]
    assert len([m for m in top(room) if "Latest stakeholder update" in texts(m)]) == 1


def test_a_private_crisis_is_followed_only_by_the_people_in_its_war_room(bot, fake):
    crisis = bot.open_crisis("Quiet recall", user=ANA, private=["private"])
    fake.channels[crisis.channel_id].members.add(CAR)  # joined the private war room through Slack
    header = fake.message(crisis.channel_id, crisis.header_ts)
    bot.send.click(header, f"crisis.follow#{crisis.id}", user=CAR)
    bot.settle()
    assert fake.responses[-1]["text"].startswith(f"You're now following crisis #{crisis.id}")
    bot.send.click({**header, "channel": fake.general.id}, f"crisis.follow#{crisis.id}", user=DAN)  # a forged click
    bot.settle()
    refusal = fake.responses[-1]["text"]
    assert "private" in refusal and "Quiet recall" not in refusal
    assert bot.services.followers.choices(crisis.id) == {CAR: True}


def test_only_the_owner_and_responders_post_updates(bot, fake):
    crisis = bot.open_crisis("Who speaks", user=ANA, owner=BOB, responders=[CAR])
    fake.channels[crisis.channel_id].members.add(DAN)
    refusal = bot.ask("update", user=DAN, channel=crisis.channel_id).json["text"]
    assert "Only the owner or a responder" in refusal and fake.count("views.open") == 1  # the open form only
    bot.send.click(fake.message(crisis.channel_id, crisis.header_ts), f"crisis.update#{crisis.id}", user=DAN)
    bot.settle()
    assert "Only the owner or a responder" in fake.responses[-1]["text"]

    bot.send.click(fake.message(crisis.channel_id, crisis.header_ts), f"crisis.update#{crisis.id}", user=BOB)
    bot.settle()
    assert bot.last_view()["callback_id"] == "crisis.update" and fake.count("views.open") == 2  # the owner's form
    form = update_form(bot, crisis, user=CAR)  # a responder may
    forged = bot.send.submit(form, UPDATE, user=DAN)  # the same form, submitted by someone else
    assert forged.json["response_action"] == "errors" and "Only the owner" in forged.json["errors"]["update_status"]
    assert bot.services.updates.latest(crisis.id) is None
    bot.send.submit(form, UPDATE, user=CAR)
    bot.settle()
    assert bot.services.updates.latest(crisis.id).author_id == CAR
    assert "crisis war room" in bot.ask("update", user=ANA, channel=fake.general.id).json["text"]


def test_a_double_submit_produces_one_update(bot, fake, rooms):
    crisis = bot.open_crisis("Clicked twice", user=ANA, severity="critical", responders=[BOB])
    form = update_form(bot, crisis)
    fake.latency = 0.05
    at_once(3, bot.send.submit, form, UPDATE, user=ANA)
    bot.send.submit(form, UPDATE, user=ANA, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"})
    bot.settle()
    fake.latency = 0
    assert len(bot.services.updates.of(crisis.id)) == 1
    for channel in (*rooms, fake.channels[crisis.channel_id]):
        assert len([m for m in channel.messages if "Update 1: Contained" in texts(m) and m["thread_ts"]]) == 1
    assert len(update_dms(fake, BOB)) == 1


def test_with_the_database_locked_an_update_stays_in_its_form_and_is_stored_once_after(bot, fake, rooms):
    crisis = bot.open_crisis("Locked update", user=ANA, responders=[BOB])
    form = update_form(bot, crisis)
    with locked(bot.services.store.path):
        reply = bot.send.submit(form, UPDATE, user=ANA)
        assert reply.json["response_action"] == "errors" and "still here" in reply.json["errors"]["update_status"]
    assert bot.services.updates.latest(crisis.id) is None and update_dms(fake, BOB) == []
    assert bot.send.submit(form, UPDATE, user=ANA).body == ""
    assert bot.send.submit(form, UPDATE, user=ANA).body == ""  # Slack resending it stores one
    bot.settle()
    assert len(bot.services.updates.of(crisis.id)) == 1 and len(update_dms(fake, BOB)) == 1


def test_typed_text_is_text_and_only_the_owner_of_a_critical_crisis_notifies_everyone(bot, fake, rooms):
    crisis = bot.open_crisis("Loud one", user=ANA, severity="critical", responders=[BOB])
    assert "notify_everyone" not in texts(update_form(bot, crisis, user=BOB))  # a responder is not offered it
    forged = bot.send.submit(
        {**update_form(bot, crisis, user=BOB), "blocks": update_form(bot, crisis)["blocks"]},
        {**UPDATE, "notify_everyone": ["everyone"]},
        user=BOB,
    )
    assert "Only the owner of a critical crisis" in forged.json["errors"]["update_status"]

    hostile = "<!channel> @here *bold* <https://evil.example|click> &"
    post_update(bot, crisis, update_status=hostile, known=hostile, notify_everyone=["everyone"])
    for channel in rooms:
        (reply,) = thread(channel, top(channel)[0]["ts"])
        assert reply["text"].startswith("<!channel> Update 1") and reply["reply_broadcast"]
        body = texts(reply)
        assert body.count("<!channel>") == 1 and "&lt;!channel&gt;" in body and "@\u2060here" in body
        assert "&lt;https://evil.example|click&gt; &amp;" in body and "*bold*" not in body
    room_reply = thread(fake.channels[crisis.channel_id], fake.channels[crisis.channel_id].pins[-1])[0]
    assert "<!channel>" not in room_reply["text"] and not room_reply["reply_broadcast"]  # the team is not shouted at
    assert "<!channel>" not in update_dms(fake, BOB)[0]["text"]
    (event,) = [e for e in bot.services.timeline.events(crisis.id) if e.kind == "update_posted"]
    assert event.detail["notify_everyone"] is True

    high = bot.open_crisis("Only high", user=ANA, severity="high")
    assert "notify_everyone" not in texts(update_form(bot, high))


@pytest.mark.parametrize(
    ("values", "field", "answer"),
    [
        ({"update_status": ""}, "update_status", "Give the status in a few words"),
        ({"update_status": "x" * 151}, "update_status", "under 150"),
        ({"known": " "}, "known", "Say what we know"),
        ({"doing": ""}, "doing", "Say what we are doing"),
        ({"need": "y" * 1001}, "need", "under 1000"),
        ({"next_update": "soon"}, "next_update", "when the next update is due"),
    ],
)
def test_what_is_missing_or_too_long_is_said_inline(bot, fake, values, field, answer):
    crisis = bot.open_crisis("Inline", user=ANA)
    form = update_form(bot, crisis)
    form["blocks"] = [  # a forged payload: Slack's own client stops at max_length
        {**b, "element": {**b["element"], "max_length": 5000}}
        if b["type"] == "input" and "max_length" in b["element"]
        else b
        for b in form["blocks"]
    ]
    reply = bot.send.submit(form, {**UPDATE, **values}, user=ANA)
    assert reply.json["response_action"] == "errors" and answer in reply.json["errors"][field]
    assert bot.services.updates.latest(crisis.id) is None


def test_a_private_crisis_reaches_only_its_members_and_the_channels_for_private_crises(fake, env, rooms):
    private_room = fake.add_channel("private-updates", members={BOT_USER}, private=True)
    harness = Harness.start(
        fake, {**env, "STAKEHOLDER_CHANNELS": env["STAKEHOLDER_CHANNELS"] + f";private={private_room.id}"}
    )
    try:
        crisis = harness.open_crisis(
            "Secret recall", user=ANA, severity="critical", responders=[BOB], private=["private"]
        )
        asked_before = len(fake.calls)
        fake.latency = 0.2  # an ack that waited for Slack's answer would come after it
        reply = harness.send.command(f"follow {crisis.id}", user=DAN, channel=fake.general.id)
        acked_at = time.time()
        harness.settle()
        fake.latency = 0
        asked = [c for c in fake.calls[asked_before:] if c.method == "conversations.members"]
        assert reply.body == "" and asked and all(c.at > acked_at for c in asked)  # Slack is asked after the ack
        refusal = fake.responses[-1]["text"]
        assert "private" in refusal and "Secret recall" not in refusal
        with harness.services.store.write() as db:  # even a follower stored by other means is not told
            db.execute("insert into followers values (?, ?, 1, 0)", [crisis.id, DAN])
        post_update(harness, crisis)
        assert [top(c) for c in rooms] == [[], []]
        (card,) = top(private_room)
        assert "Secret recall" in texts(card) and "crisis.follow" not in texts(card)
        assert len(update_dms(fake, BOB)) == 1 and update_dms(fake, DAN) == []
    finally:
        harness.stop()


def test_a_channel_the_bot_is_not_in_is_reported_to_the_owner_once(fake, env, rooms):
    closed_door = fake.add_channel("board", members={DAN}, private=True)  # the bot was never invited
    harness = Harness.start(fake, {**env, "STAKEHOLDER_CHANNELS": f"*={closed_door.id},{rooms[1].id}"})
    try:
        crisis = harness.open_crisis("Board wants to know", user=ANA, owner=BOB, responders=[ANA])
        post_update(harness, crisis)
        (report,) = [m for m in fake.dm_messages(BOB) if "can't reach" in m["text"]]
        assert f"<#{closed_door.id}>" in report["text"] and "cannot see it" in report["text"]
        attempts = [c for c in fake.calls_to("chat.postMessage") if c["channel"] == closed_door.id]
        assert len(attempts) == 1 and len(top(rooms[1])) == 1  # the other channel got its card all the same
        assert "1 channel" in texts(update_form(harness, crisis))  # it is no longer counted

        post_update(harness, crisis, update_status="Second")
        with time_machine.travel(datetime.now(UTC) + timedelta(minutes=5), tick=True):
            tick(harness.services)
            tick(harness.services)
        assert [c for c in fake.calls_to("chat.postMessage") if c["channel"] == closed_door.id] == attempts
        assert len([m for m in fake.dm_messages(BOB) if "can't reach" in m["text"]]) == 1
        assert len(thread(rooms[1], top(rooms[1])[0]["ts"])) == 2
    finally:
        harness.stop()


def reminders(fake, user):
    return [m for m in fake.dm_messages(user) if m["text"].startswith("⏰ The next update")]


def overdue_mentions(fake, crisis):
    return [m for m in top(fake.channels[crisis.channel_id]) if "is overdue" in m["text"]]


def test_the_owner_is_reminded_before_the_promised_update_and_mentioned_once_it_is_late(bot, fake):
    with time_machine.travel(T0, tick=True) as clock:
        crisis = bot.open_crisis("On the clock", user=ANA, owner=BOB)
        post_update(bot, crisis, user=BOB, next_update="30m")
        clock.move_to(T0 + 19 * MINUTE)
        tick(bot.services)
        assert reminders(fake, BOB) == []
        clock.move_to(T0 + 20 * MINUTE + 5 * SECOND)  # UPDATE_REMINDER_MINUTES (10) before it is due
        tick(bot.services)
        tick(bot.services)
        (reminder,) = reminders(fake, BOB)
        assert "is due at <!date^" in reminder["text"] and "/crisis update" in reminder["text"]
        clock.move_to(T0 + 29 * MINUTE)
        tick(bot.services)
        assert overdue_mentions(fake, crisis) == []
        header = fake.message(crisis.channel_id, crisis.header_ts)
        assert "Next update at" in texts(header)
        assert "Next update at" in texts(bot.ask("status", user=BOB, channel=crisis.channel_id).json)

        clock.move_to(T0 + 30 * MINUTE + 5 * SECOND)
        tick(bot.services)
        tick(bot.services)
        (mention,) = overdue_mentions(fake, crisis)
        assert f"<@{BOB}>" in mention["text"] and len(reminders(fake, BOB)) == 1
        assert "Update overdue by 1 minute" in texts(fake.message(crisis.channel_id, crisis.header_ts))
        clock.move_to(T0 + 50 * MINUTE + 5 * SECOND)
        tick(bot.services)
        assert "Update overdue by 20 minutes" in texts(fake.message(crisis.channel_id, crisis.header_ts))
        digest = bot.ask("digest", user=DAN, channel=fake.general.id).json
        assert "update overdue by 20 minutes" in texts(digest)

        post_update(bot, crisis, user=BOB, next_update="none")  # a new update makes a new promise: none
        clock.move_to(T0 + 5 * HOUR)
        tick(bot.services)
        tick(bot.services)
        assert len(overdue_mentions(fake, crisis)) == 1 and len(reminders(fake, BOB)) == 1
        assert "no further updates planned" in texts(fake.message(crisis.channel_id, crisis.header_ts))
        assert "update overdue" not in texts(bot.ask("digest", user=DAN, channel=fake.general.id).json)


def test_tomorrow_morning_is_nine_in_the_companys_zone(fake, env):
    harness = Harness.start(fake, {**env, "DIGEST_TZ": "Asia/Jakarta"})
    try:
        with time_machine.travel(datetime(2026, 11, 23, 20, 0, tzinfo=UTC), tick=True):  # 03:00 in Jakarta
            crisis = harness.open_crisis("Overnight", user=ANA)
            assert "09:00 Asia/Jakarta" in texts(update_form(harness, crisis))
            post_update(harness, crisis, next_update="morning")
        due = harness.services.updates.latest(crisis.id).next_due
        assert datetime.fromtimestamp(due, UTC) == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 09:00 the next day
    finally:
        harness.stop()


def test_a_failed_slack_call_leaves_the_update_stored_and_delivered_later_once(bot, fake, rooms):
    crisis = bot.open_crisis("Slack hiccup", user=ANA, responders=[BOB])
    fake.fail("chat.postMessage", "service_unavailable", when=lambda args: args.get("channel") == BOB)
    fake.fail("chat.postMessage", "service_unavailable", when=lambda args: args.get("channel") == rooms[1].id)
    post_update(bot, crisis)
    assert update_dms(fake, BOB) == [] and top(rooms[1]) == []
    assert bot.services.updates.latest(crisis.id).status == "Contained"  # stored all the same
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2), tick=True):
        for _ in range(3):
            tick(bot.services)
    assert len(update_dms(fake, BOB)) == 1
    (card,) = top(rooms[1])
    assert len(thread(rooms[1], card["ts"])) == 1 and "Contained" in texts(card)


def test_closing_sends_the_final_update_and_the_record_says_how_the_updates_went(bot, fake, rooms, management):
    with time_machine.travel(T0, tick=True) as clock:
        crisis = bot.open_crisis("Closing the loop", user=ANA, responders=[BOB])
        post_update(bot, crisis, next_update="30m", update_status="First <b>")
        clock.move_to(T0 + 40 * MINUTE)  # ten minutes late
        post_update(bot, crisis, next_update="1h", update_status="Second")
        clock.move_to(T0 + 60 * MINUTE)
        for step in (1, 2, 3, 4):
            bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), f"crisis.step.done#{step}", user=ANA)
            bot.settle()
        bot.send.command("close", user=ANA, channel=crisis.channel_id)
        bot.settle()
        values = {
            "lessons": "Answer the first evening, not the next morning.",
            "root_cause": "Nobody watched the weekend queue.",
            "followup_1": "Weekend rota",
            "followup_owner_1": BOB,
            "archive": ["archive"],
        }
        bot.send.submit(bot.last_view(), values, user=ANA)
        bot.settle()

    room = fake.channels[crisis.channel_id]
    summary = next(m for m in room.messages if m["text"].startswith(f"Crisis #{crisis.id} closed"))
    assert "*Stakeholder updates:* 2 sent, about every 40 minutes, 1 late" in texts(summary)
    assert "update 1 by" in texts(summary) and "First &lt;b&gt;" in texts(summary)  # on the timeline, escaped
    card = fake.message(rooms[1].id, top(rooms[1])[0]["ts"])
    assert "Update 3: Closed" in texts(card) and "Final update" in texts(card) and "crisis.follow" not in texts(card)
    assert "Nobody watched the weekend queue" in texts(card) and "Answer the first evening" in texts(card)
    assert "Weekend rota" not in texts(card)  # the follow-ups' owners are named, not their wording
    final_in_room = [m for m in room.messages if m["thread_ts"] and "Update 3: Closed" in texts(m)]
    assert len(final_in_room) == 1 and room.archived
    archive = next(i for i, c in enumerate(fake.calls) if c.method == "conversations.archive")
    final_post = next(i for i, c in enumerate(fake.calls) if "Update 3" in (c.args.get("text") or ""))
    assert final_post < archive
    assert [m["text"] for m in update_dms(fake, BOB)][-1].endswith("Closed (final update)")
    assert "Closed" in texts(fake.message(crisis.channel_id, crisis.header_ts))

    export = post_mortem(bot.services, bot.services.crises.get(crisis.id))
    assert "## Stakeholder updates" in export and "2 posted, about every 40 minutes, 1 late." in export
    assert "### Update 1: First &lt;b&gt;" in export and "final update sent when the crisis closed" in export


def test_a_reopened_crisis_in_a_new_war_room_reports_there_and_leaves_the_archived_one_alone(bot, fake, rooms):
    crisis = bot.open_crisis("Back for more", user=ANA, responders=[BOB])
    post_update(bot, crisis)
    settle_all(bot, fake, crisis)
    close(bot, fake, crisis, archive=["archive"])
    old = fake.channels[crisis.channel_id]
    (old_card,) = [m for m in top(old) if "Latest stakeholder update" in texts(m)]
    assert old.archived and "Update 2: Closed" in texts(fake.message(old.id, old_card["ts"]))
    edits = [c for c in fake.calls_to("chat.update") if c["channel"] == old.id]

    reply = bot.send.command(f"reopen {crisis.id} It is trending again", user=ANA, channel=fake.general.id)
    assert reply.status == 200
    bot.settle()
    reopened = bot.services.crises.get(crisis.id)
    assert reopened.is_open and reopened.channel_id != old.id  # no user token: a new war room continues it
    header = texts(fake.message(reopened.channel_id, reopened.header_ts))
    assert "crisis.update#" in header and "crisis.follow#" in header

    post_update(bot, reopened, update_status="Trending again")
    room = fake.channels[reopened.channel_id]
    (card,) = [m for m in top(room) if "Latest stakeholder update" in texts(m)]
    assert card["ts"] in room.pins and "Update 3: Trending again" in texts(card)
    (stakeholder_card,) = top(rooms[1])  # the same card, edited, with the new update in its thread
    assert "Update 3: Trending again" in texts(fake.message(rooms[1].id, stakeholder_card["ts"]))
    assert len(thread(rooms[1], stakeholder_card["ts"])) == 3
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=5), tick=True):
        tick(bot.services)
        tick(bot.services)
    assert "Update 2: Closed" in texts(fake.message(old.id, old_card["ts"]))  # the archived room keeps its record
    assert [c for c in fake.calls_to("chat.update") if c["channel"] == old.id] == edits  # nor edits it


# The real process, restarted (and killed) while promises fall due and updates go out.


@pytest.fixture
def process_env(env, tmp_path):
    return {**env, "CRISIS_DB_PATH": str(tmp_path / "crisis.db")}


def shift(db_path, crisis_id, seconds):
    """Move a crisis's updates `seconds` into the past: the clock moved on while the bot was down."""
    with sqlite3.connect(db_path) as db:
        db.execute(
            "update updates set at = at - ?, next_due = next_due - ? where crisis_id = ?", [seconds, seconds, crisis_id]
        )


def test_the_reminder_and_the_overdue_mention_come_once_across_restarts(fake, process_env, tmp_path):
    harness = Harness.start(fake, process_env)
    crisis = harness.open_crisis("Across restarts", user=ANA, owner=BOB)
    post_update(harness, crisis, user=BOB, next_update="30m")
    harness.stop()
    first, second, third = (Process(fake, process_env, tmp_path) for _ in range(3))
    try:
        shift(process_env["CRISIS_DB_PATH"], crisis.id, 19 * 60)  # 11 minutes before it is due: not yet
        first.start()
        time.sleep(1.5)
        assert reminders(fake, BOB) == []
        shift(process_env["CRISIS_DB_PATH"], crisis.id, 2 * 60)  # 9 minutes before: remind
        wait_for(lambda: reminders(fake, BOB))
        first.stop()  # SIGKILL

        shift(process_env["CRISIS_DB_PATH"], crisis.id, 10 * 60)  # overdue while the bot was down
        second.start()
        wait_for(lambda: overdue_mentions(fake, crisis))
        wait_for(lambda: "Update overdue" in texts(fake.message(crisis.channel_id, crisis.header_ts)))
        second.stop()
        third.start()
        time.sleep(2)  # several ticks of the restarted bot: nothing more
        assert len(reminders(fake, BOB)) == 1 and len(overdue_mentions(fake, crisis)) == 1
    finally:
        for process in (first, second, third):
            process.stop()


def test_killed_while_delivering_an_update_the_restarted_bot_delivers_the_rest_once(fake, process_env, tmp_path, rooms):
    harness = Harness.start(fake, process_env)
    crisis = harness.open_crisis("Killed mid-update", user=ANA, severity="critical", responders=[BOB, CAR])
    harness.send.command(f"follow {crisis.id}", user=DAN, channel=fake.general.id)
    harness.stop()
    bot, again = Process(fake, process_env, tmp_path), Process(fake, process_env, tmp_path)
    try:
        bot.start()
        fake.kill_after("chat.postMessage", pid=bot.worker_pid, when=lambda args: args.get("channel") == CAR)
        bot.send.command("update", user=ANA, channel=crisis.channel_id)
        wait_for(lambda: any(v.get("callback_id") == "crisis.update" for v in fake.views.values()))
        form = [v for v in fake.views.values() if v.get("callback_id") == "crisis.update"][-1]
        assert bot.send.submit(form, UPDATE, user=ANA).body == ""  # stored before the form closed
        wait_for(lambda: update_dms(fake, CAR))
        bot.stop()
        shift(process_env["CRISIS_DB_PATH"], crisis.id, 120)  # the restart takes a while
        again.start()
        room = fake.channels[crisis.channel_id]
        wait_for(lambda: all(update_dms(fake, u) for u in (BOB, DAN)) and len(room.pins) == 2)
        wait_for(lambda: all(top(c) and thread(c, top(c)[0]["ts"]) for c in rooms))
        again.send.submit(
            form, UPDATE, user=ANA, headers={"X-Slack-Retry-Num": "1"}
        )  # Slack's retry, after the restart
        time.sleep(2)
        assert [len(update_dms(fake, u)) for u in (BOB, CAR, DAN)] == [1, 1, 1]
        assert fake.count("conversations.open") >= 1  # CAR's DM was looked up, not posted again
        for channel in (*rooms, room):
            cards = [m for m in top(channel) if "Contained" in texts(m)]
            assert len(cards) == 1 and len(thread(channel, cards[0]["ts"])) == 1
    finally:
        bot.stop()
        again.stop()
