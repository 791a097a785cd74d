"""Who may do what to a crisis: hand-over, approving one's own draft, searching private lessons."""

from __future__ import annotations

import pytest

from bot.model import DraftState
from tests.conftest import ANA, BOB, CAR, DAN, in_thread
from tests.harness import Harness

LESSON = "Answer within the hour: the silence of the first evening made the story bigger than the parcel."


@pytest.fixture
def bot(fake, env):
    harness = Harness.start(fake, {**env, "CRISIS_ADMINS": "SADMINS1"})
    fake.usergroups["SADMINS1"] = [CAR]
    yield harness
    harness.stop()


def test_only_the_owner_or_an_admin_hands_ownership_over(bot, fake):
    crisis = bot.open_crisis("Who owns it", user=ANA, responders=[BOB])
    room = crisis.channel_id
    posts = fake.count("chat.postMessage")

    bot.send.command(f"owner <@{BOB}|bob>", user=BOB, channel=room)  # a responder crowning themself
    bot.settle()
    assert (
        f"Only the owner, <@{ANA}>, or a crisis admin can hand crisis #{crisis.id} over" in fake.responses[-1]["text"]
    )
    bot.send.command(f"owner <@{DAN}|dan>", user=DAN, channel=room)  # not even in the war room
    bot.settle()
    assert "Only the owner" in fake.responses[-1]["text"]
    assert bot.services.crises.get(crisis.id).owner_id == ANA
    assert DAN not in fake.channels[room].members and fake.count("chat.postMessage") == posts

    bot.send.command(f"owner <@{BOB}|bob>", user=CAR, channel=room)  # an admin (through the user group)
    bot.settle()
    assert bot.services.crises.get(crisis.id).owner_id == BOB
    bot.send.command(f"owner <@{ANA}|ana>", user=BOB, channel=room)  # and the new owner
    bot.settle()
    assert bot.services.crises.get(crisis.id).owner_id == ANA


def test_a_self_appointed_owner_cannot_force_close(bot, fake):
    crisis = bot.open_crisis("Takeover", user=ANA, responders=[BOB])
    bot.send.command(f"owner <@{BOB}|bob>", user=BOB, channel=crisis.channel_id)
    bot.settle()
    refusal = bot.ask("close", user=BOB, channel=crisis.channel_id).json
    assert "Only the owner" in refusal["text"] and "crisis.close.force" not in str(refusal)


def draft_and_approve(bot, fake, crisis, author):
    bot.send.command("template apology en", user=author, channel=crisis.channel_id)
    bot.settle()
    shown = next(m for m in reversed(in_thread(fake, crisis)) if " reply in " in m["text"])
    bot.send.click(shown, "crisis.template.edit", user=author, channel=crisis.channel_id)
    bot.settle()
    assert bot.send.submit(bot.last_view(), {"draft_text": "We are sorry."}, user=author).body == ""
    bot.settle()
    draft = next(m for m in reversed(in_thread(fake, crisis)) if "Draft reply for approval" in m["text"])
    bot.send.click(draft, "crisis.draft.approve", user=author)
    bot.settle()
    return bot.services.drafts.for_crisis(crisis.id)[-1]


def test_nobody_approves_their_own_draft_while_someone_else_is_in_the_war_room(bot, fake):
    crisis = bot.open_crisis("Joined later", user=ANA)  # the database knows only Ana
    fake.channels[crisis.channel_id].members.add(BOB)  # Bob joined the channel by himself
    draft = draft_and_approve(bot, fake, crisis, ANA)
    assert draft.state is DraftState.PENDING
    assert "someone else needs to approve it" in fake.responses[-1]["text"]


def test_bots_in_the_war_room_do_not_count_as_approvers(bot, fake):
    fake.add_user("UFEED0001", name="listening-feed", is_bot=True)
    crisis = bot.open_crisis("Alone with a feed", user=ANA)
    fake.channels[crisis.channel_id].members.add("UFEED0001")
    assert draft_and_approve(bot, fake, crisis, ANA).state is DraftState.APPROVED


def test_an_approver_elsewhere_must_approve_a_draft_of_the_only_person_in_the_room(fake, env):
    harness = Harness.start(fake, {**env, "CRISIS_APPROVERS": CAR})
    try:
        crisis = harness.open_crisis("Approver exists", user=ANA)
        assert draft_and_approve(harness, fake, crisis, ANA).state is DraftState.PENDING
    finally:
        harness.stop()


def closed_crisis(bot, fake, title, lesson, *, user, private=False):
    crisis = bot.open_crisis(title, user=user, private=["private"] if private else [])
    refusal = bot.ask("close", user=user, channel=crisis.channel_id).json
    bot.send.click(
        {"ts": "1.1", "blocks": refusal["blocks"], "channel": crisis.channel_id}, "crisis.close.force", user=user
    )
    bot.settle()
    reply = bot.send.submit(bot.last_view(), {"lessons": lesson, "force_reason": "Test set-up"}, user=user)
    assert reply.body == "", reply
    bot.settle()
    return crisis


def lessons_answer(bot, fake, words, user):
    return str(bot.ask(f"lessons {words}", user=user, channel=fake.general.id).json)


def test_an_outsider_cannot_probe_a_private_lesson_word_by_word(bot, fake):
    closed_crisis(bot, fake, "Refund trouble", "Refunds took a week: " + LESSON, user=ANA)
    closed_crisis(bot, fake, "Quiet one", "The merger leaked through a refund mail: " + LESSON, user=BOB, private=True)

    probe = lessons_answer(bot, fake, "refund merger", DAN)  # both words only in Bob's private lesson
    control = lessons_answer(bot, fake, "refund zyxwvut", DAN)  # a word in no lesson at all
    assert "Refund trouble" in probe and "Quiet one" not in probe
    # the answer cannot tell a private hit from no hit
    assert probe.replace("refund merger", "…") == control.replace("refund zyxwvut", "…")
    assert "Quiet one" in lessons_answer(bot, fake, "refund merger", BOB)  # Bob sees his own
