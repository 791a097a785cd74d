"""Stakeholder updates: the owner reports to the rest of the company, on a promised rhythm.
Through the real app: `/crisis update` and the header's button, the form, the cards edited in
place, followers by DM, the promise, private crises, unreachable channels, exactly once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.publish.once import METADATA_TYPE
from bot.scheduler import tick
from tests.conftest import ANA, BOB, CAR, DAN, at_once
from tests.fakeslack import BOT_USER
from tests.harness import Harness
from tests.slackclient import find_element

UPDATE = {
    "update_status": "Contained",
    "known": "The complaint went viral on X overnight.",
    "doing": "Replying to everyone; refunds are on their way.",
    "next_update": "1h",
}
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


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
        bot.send.command(f"follow {crisis.id}", user=DAN, channel=fake.general.id)
        .json["text"]
        .startswith(f"You now follow crisis #{crisis.id}")
    )
    form = update_form(bot, crisis)
    assert "This update reaches the war room, 2 channels and 2 followers." in texts(form)  # BOB, DAN; not ANA herself
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
    assert fake.count("pins.add") == 2  # the header at set-up, the card once


def test_followers_follow_from_everywhere_and_unfollow_from_the_dm(bot, fake, rooms, management):
    crisis = bot.open_crisis("Who hears it", user=ANA, responders=[BOB])
    fake.channels[crisis.channel_id].members.add(CAR)
    header = fake.message(crisis.channel_id, crisis.header_ts)
    bot.send.click(header, f"crisis.follow#{crisis.id}", user=CAR)
    bot.settle()
    assert f"You now follow crisis #{crisis.id}" in fake.responses[-1]["text"]
    post_update(bot, crisis)
    assert len(update_dms(fake, CAR)) == len(update_dms(fake, BOB)) == 1

    # DAN follows from the card in a stakeholder channel, then again from the digest: once is enough
    card = top(rooms[1])[0]
    bot.send.click({**card, "channel": rooms[1].id}, f"crisis.follow#{crisis.id}", user=DAN)
    bot.settle()
    digest = bot.send.command("digest", user=DAN, channel=fake.general.id).json
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
    assert "You already follow" in fake.responses[-1]["text"]

    # BOB, a responder, unfollows from his DM; the next update skips him
    bot.send.click(update_dms(fake, BOB)[0], f"crisis.unfollow#{crisis.id}", user=BOB)
    bot.settle()
    assert f"You no longer follow crisis #{crisis.id}" in fake.responses[-1]["text"]
    post_update(bot, crisis, update_status="Second")
    assert [len(update_dms(fake, u)) for u in (BOB, CAR, DAN)] == [1, 2, 1]
    assert "You do not follow" in bot.send.command("unfollow", user=BOB, channel=crisis.channel_id).json["text"]

    # the management note of a closed public crisis offers Follow too
    with bot.services.store.write() as db:
        db.execute("update steps set state = 'done' where crisis_id = ?", [crisis.id])
    bot.send.command("close", user=ANA, channel=crisis.channel_id)
    bot.settle()
    bot.send.submit(bot.last_view(), {"lessons": "Answer the first evening, not the next morning."}, user=ANA)
    bot.settle()
    find_element(management.messages[-1]["blocks"], f"crisis.follow#{crisis.id}")


def test_only_the_owner_and_responders_post_updates(bot, fake):
    crisis = bot.open_crisis("Who speaks", user=ANA, owner=BOB, responders=[CAR])
    fake.channels[crisis.channel_id].members.add(DAN)
    refusal = bot.send.command("update", user=DAN, channel=crisis.channel_id).json["text"]
    assert "Only the owner or a responder" in refusal and fake.count("views.open") == 1  # the open form only
    bot.send.click(fake.message(crisis.channel_id, crisis.header_ts), f"crisis.update#{crisis.id}", user=DAN)
    bot.settle()
    assert "Only the owner or a responder" in fake.responses[-1]["text"]

    form = update_form(bot, crisis, user=CAR)  # a responder may
    forged = bot.send.submit(form, UPDATE, user=DAN)  # the same form, submitted by someone else
    assert forged.json["response_action"] == "errors" and "Only the owner" in forged.json["errors"]["update_status"]
    assert bot.services.updates.latest(crisis.id) is None
    bot.send.submit(form, UPDATE, user=CAR)
    bot.settle()
    assert bot.services.updates.latest(crisis.id).author_id == CAR
    assert "crisis war room" in bot.send.command("update", user=ANA, channel=fake.general.id).json["text"]


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
        ({"update_status": ""}, "update_status", "Say where it stands"),
        ({"update_status": "x" * 151}, "update_status", "under 150"),
        ({"known": " "}, "known", "Say what we know"),
        ({"doing": ""}, "doing", "Say what we are doing"),
        ({"need": "y" * 1001}, "need", "under 1000"),
        ({"next_update": "soon"}, "next_update", "when the next update comes"),
    ],
)
def test_what_is_missing_or_too_long_is_said_inline(bot, fake, values, field, answer):
    crisis = bot.open_crisis("Inline", user=ANA)
    form = update_form(bot, crisis)
    form["blocks"] = [
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
        refusal = harness.send.command(f"follow {crisis.id}", user=DAN, channel=fake.general.id).json["text"]
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
        (report,) = [m for m in fake.dm_messages(BOB) if "cannot reach" in m["text"]]
        assert f"<#{closed_door.id}>" in report["text"] and "cannot see it" in report["text"]
        attempts = [c for c in fake.calls_to("chat.postMessage") if c["channel"] == closed_door.id]
        assert len(attempts) == 1 and len(top(rooms[1])) == 1  # the other channel got its card all the same
        assert "1 channel" in texts(update_form(harness, crisis))  # it is no longer counted

        post_update(harness, crisis, update_status="Second")
        with time_machine.travel(datetime.now(UTC) + timedelta(minutes=5), tick=True):
            tick(harness.services)
            tick(harness.services)
        assert [c for c in fake.calls_to("chat.postMessage") if c["channel"] == closed_door.id] == attempts
        assert len([m for m in fake.dm_messages(BOB) if "cannot reach" in m["text"]]) == 1
        assert len(thread(rooms[1], top(rooms[1])[0]["ts"])) == 2
    finally:
        harness.stop()
