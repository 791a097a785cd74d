"""`/crisis status | list | owner | help`, through signed slash commands."""

from __future__ import annotations

import json

import time_machine

from bot.flows import status as status_flow
from bot.model import Mention, Platform, Source
from tests.conftest import ANA, BOB, CAR, DAN
from tests.test_updates import MINUTE, SECOND, T0, post_update


def test_help_and_unknown_subcommands_explain_usage(bot, fake):
    for text in ("", "help", "HELP"):
        reply = bot.ask(text, user=ANA, channel=fake.general.id)
        assert reply.json["response_type"] == "ephemeral" and "/crisis open" in reply.json["text"]
    reply = bot.ask("frobnicate <!channel>", user=ANA, channel=fake.general.id)
    assert "I don't recognise `/crisis frobnicate`" in reply.json["text"] and "/crisis owner" in reply.json["text"]
    assert fake.count("chat.postMessage") == 0


def test_status_in_a_war_room_shows_the_crisis_and_checklist(bot, fake):
    crisis = bot.open_crisis("Status check", user=ANA)
    reply = bot.ask("status", user=ANA, channel=crisis.channel_id)
    body = reply.json
    assert body["response_type"] == "ephemeral"
    text = str(body["blocks"])
    assert "Status check" in text and "Acknowledge" in text and "0 of 4 done" in text
    assert "crisis.step.done" not in text  # read-only: ticking happens on the war-room checklist


def test_status_shows_every_change_at_once_though_its_answers_are_kept(bot, fake):
    """Status answers are kept by everything they show (bot.flows.status): asked again after a
    step, the owner, the volume or only the clock moved on, the answer shows it; asked again
    when nothing it shows changed, the answer drawn before is given again."""
    with time_machine.travel(T0, tick=True) as clock:
        crisis = bot.open_crisis("Kept answers", user=ANA, owner=BOB)

        def status() -> str:
            reply = bot.send.command("status", user=ANA, channel=crisis.channel_id)
            return json.dumps(reply.json, ensure_ascii=False)

        first = status()
        kept = status_flow._drawn.cache_info()
        assert status() == first and "0 of 4 done" in first
        assert status_flow._drawn.cache_info().hits == kept.hits + 1  # drawn once, given twice

        bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), "crisis.step.done#1", user=BOB)
        bot.settle()
        assert "1 of 4 done" in status() and f"Done by <@{BOB}>" in status()

        post_update(bot, crisis, user=BOB, next_update="30m")
        assert "Next update at" in status()
        clock.move_to(T0 + 30 * MINUTE + 5 * SECOND)
        assert "Update overdue by 1 minute" in status()
        clock.move_to(T0 + 50 * MINUTE + 5 * SECOND)
        assert "Update overdue by 20 minutes" in status()

        at = int((T0 + 50 * MINUTE).timestamp())
        bot.services.mentions.add([Mention(crisis.id, "m:1", at, Source.FEED, Platform.NEWS, "author", "Acme", "")])
        assert "*1* in the last hour" in status()

        assert bot.send.command(f"owner <@{CAR}|car>", user=BOB, channel=crisis.channel_id).status == 200
        bot.settle()
        assert f"*Owner*\\n<@{CAR}>" in status()


def test_status_outside_a_war_room_points_the_way(bot, fake):
    reply = bot.ask("status", user=ANA, channel=fake.general.id)
    assert "war room" in reply.json["text"] and "/crisis list" in reply.json["text"]


def test_list_shows_open_crises_most_severe_first_and_hides_private_details(bot, fake):
    bot.open_crisis("Low one", user=ANA, severity="low")
    bot.open_crisis("Critical one", user=ANA, severity="critical")
    bot.open_crisis("Secret one", user=BOB, private=["private"])

    as_dan = str(bot.ask("list", user=DAN, channel=fake.general.id).json["blocks"])
    assert as_dan.index("Critical one") < as_dan.index("Low one")
    assert "Secret one" not in as_dan and "a private crisis" in as_dan and f"<@{BOB}>" in as_dan

    as_bob = str(bot.ask("list", user=BOB, channel=fake.general.id).json["blocks"])
    assert "Secret one" in as_bob


def test_list_with_nothing_open(bot, fake):
    assert "No open crises" in bot.ask("list", user=ANA, channel=fake.general.id).json["text"]


def test_handing_ownership_over(bot, fake):
    crisis = bot.open_crisis("Hand over", user=ANA)
    reply = bot.send.command(f"owner <@{CAR}|car>", user=ANA, channel=crisis.channel_id)
    assert reply.status == 200
    bot.settle()

    updated = bot.services.crises.get(crisis.id)
    assert updated.owner_id == CAR
    channel = fake.channels[crisis.channel_id]
    assert CAR in channel.members
    assert any(f"<@{CAR}> now owns this crisis" in m["text"] for m in channel.messages)
    header = fake.message(crisis.channel_id, crisis.header_ts)
    assert f"<@{CAR}>" in str(header["blocks"]) and f"*Owner*\\n<@{ANA}>" not in str(header["blocks"])
    assert any("handed crisis #1 over to you" in m["text"] for m in fake.dm_messages(CAR))
    assert fake.responses[-1]["text"].startswith(f"Done: <@{CAR}> now owns")
    event = bot.services.timeline.events(crisis.id)[-1]
    assert (event.kind, event.actor, event.detail) == ("owner_changed", ANA, {"old": ANA, "new": CAR})


def test_hand_over_refusals(bot, fake):
    crisis = bot.open_crisis("Refusals", user=ANA)
    fake.add_user("UROBOT001", is_bot=True)
    posts_before = fake.count("chat.postMessage")

    assert "Say who's taking over" in bot.ask("owner", user=ANA, channel=crisis.channel_id).json["text"]
    assert "war room" in bot.ask(f"owner <@{BOB}>", user=ANA, channel=fake.general.id).json["text"]
    bot.send.command(f"owner <@{ANA}>", user=ANA, channel=crisis.channel_id)
    bot.settle()
    assert "already owns" in fake.responses[-1]["text"]
    bot.send.command("owner <@UROBOT001>", user=ANA, channel=crisis.channel_id)
    bot.settle()
    assert "can't own a crisis" in fake.responses[-1]["text"]
    bot.send.command("owner <@UNOBODY99>", user=ANA, channel=crisis.channel_id)
    bot.settle()
    assert "not in this workspace" in fake.responses[-1]["text"]

    assert bot.services.crises.get(crisis.id).owner_id == ANA
    assert fake.count("chat.postMessage") == posts_before


def test_hand_over_survives_a_failed_announcement(bot, fake):
    crisis = bot.open_crisis("Partial hand-over", user=ANA)
    fake.fail("chat.update", "message_not_found")
    bot.send.command(f"owner <@{BOB}>", user=ANA, channel=crisis.channel_id)
    bot.settle()
    assert bot.services.crises.get(crisis.id).owner_id == BOB  # stored first, whatever Slack does
    answer = fake.responses[-1]["text"]
    assert f"<@{BOB}> now owns crisis #1, but I couldn't update the pinned header: the message was deleted." == answer


def test_commands_that_only_read_write_nothing_before_their_ack(bot, fake):
    """An ack waits for nothing needless: `/crisis status`, `list`, `lessons`, `digest` and help
    are answered from what is stored, and a resent one is simply answered again."""
    crisis = bot.open_crisis("Quiet reads", user=ANA)
    seen = bot.services.store.db["deliveries"]
    before = seen.count
    for text in ("status", "list", "lessons refund", "digest", "help", "frobnicate"):
        assert bot.ask(text, user=ANA, channel=crisis.channel_id).status == 200
    assert seen.count == before
    bot.send.command("open Another one", user=ANA, channel=fake.general.id)  # a change is still de-duplicated
    assert seen.count == before + 1
