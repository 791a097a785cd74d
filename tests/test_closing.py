"""Closing, reopening, follow-ups, the lessons library and the post-mortem export."""

from __future__ import annotations

import pytest

from bot.model import FollowUpState, Status
from tests.conftest import ANA, BOB, CAR, DAN
from tests.harness import Harness
from tests.slackclient import find_element

LESSON = "Answer within the hour: the silence of the first evening made the story bigger than the late parcel itself."


@pytest.fixture
def bot(fake, env, management):
    harness = Harness.start(fake, {**env, "DIGEST_CHANNEL": management.id, "CRISIS_ADMINS": "SADMINS1"})
    fake.usergroups["SADMINS1"] = [DAN]
    yield harness
    harness.stop()


def settle_all(bot, fake, crisis, user=ANA):
    for step in (1, 2, 3, 4):
        bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), f"crisis.step.done#{step}", user=user)
        bot.settle()


def close(bot, fake, crisis, user=ANA, **values):
    bot.send.command("close", user=user, channel=crisis.channel_id)
    bot.settle()
    modal = bot.last_view()
    assert modal["callback_id"] == "crisis.close"
    reply = bot.send.submit(modal, {"lessons": LESSON, **values}, user=user)
    bot.settle()
    return reply


def test_closing_with_open_steps_is_refused_with_their_names(bot, fake):
    crisis = bot.open_crisis("Too early", user=ANA)
    bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), "crisis.step.done#1", user=ANA)
    bot.settle()
    reply = bot.send.command("close", user=ANA, channel=crisis.channel_id)
    text = reply.json["text"]
    assert "2. Own it and apologise" in text and "3. Resolve quickly" in text and "4. Take it offline" in text
    assert "1. Acknowledge" not in text
    find_element(reply.json["blocks"], "crisis.close.force")
    assert bot.services.crises.get(crisis.id).is_open


def test_the_owner_may_force_close_with_a_reason_on_the_record(bot, fake):
    crisis = bot.open_crisis("Forced", user=ANA)
    refusal = bot.ask("close", user=ANA, channel=crisis.channel_id).json
    bot.send.click(
        {"ts": "1.1", "blocks": refusal["blocks"], "channel": crisis.channel_id}, "crisis.close.force", user=ANA
    )
    bot.settle()
    modal = bot.last_view()
    assert bot.send.submit(modal, {"lessons": LESSON}, user=ANA).json["errors"]["force_reason"]
    bot.send.submit(modal, {"lessons": LESSON, "force_reason": "The customer withdrew the complaint"}, user=ANA)
    bot.settle()
    closure = bot.services.closures.latest(crisis.id)
    assert closure.force_reason == "The customer withdrew the complaint"
    event = [e for e in bot.services.timeline.events(crisis.id) if e.kind == "closed"][0]
    assert event.detail["forced"] and event.detail["reason"] == "The customer withdrew the complaint"
    summary = next(m for m in fake.channels[crisis.channel_id].messages if "closed" in m["text"])
    assert "Closed with steps still open" in str(summary["blocks"])


@pytest.mark.parametrize(
    "lesson", ["", "   ", "n/a", "N/A.", "nvt", "нет", "无", "ok", "fine, all good", "Lesson: none"]
)
def test_a_lesson_must_be_a_real_sentence(bot, fake, lesson):
    crisis = bot.open_crisis("Lesson check", user=ANA)
    settle_all(bot, fake, crisis)
    reply = close(bot, fake, crisis, lessons=lesson)
    assert reply.json["response_action"] == "errors" and "lesson" in reply.json["errors"]["lessons"].lower()
    assert bot.services.crises.get(crisis.id).is_open


def test_a_chinese_lesson_is_a_real_sentence(bot, fake):
    crisis = bot.open_crisis("中文教训", user=ANA)
    settle_all(bot, fake, crisis)
    assert close(bot, fake, crisis, lessons="第一时间回应比完美的回应更重要。").body == ""
    assert not bot.services.crises.get(crisis.id).is_open


def test_only_the_owner_or_an_admin_closes(bot, fake):
    crisis = bot.open_crisis("Permissions", user=ANA, responders=[CAR])
    settle_all(bot, fake, crisis)
    assert "Only the owner" in bot.ask("close", user=CAR, channel=crisis.channel_id).json["text"]
    fake.channels[crisis.channel_id].members.add(DAN)
    assert close(bot, fake, crisis, user=DAN).body == ""  # DAN is in the admins' user group
    assert bot.services.closures.latest(crisis.id).closed_by == DAN


def test_closing_records_summarises_tells_and_archives_after_the_summary(bot, fake, management):
    crisis = bot.open_crisis("Closing time", user=ANA, responders=[BOB])
    settle_all(bot, fake, crisis, user=BOB)
    header = fake.message(crisis.channel_id, crisis.header_ts)
    find_element(header["blocks"], "crisis.close")  # the header offers closing once all four are settled
    bot.send.click(header, "crisis.close", user=ANA)
    bot.settle()
    values = {
        "lessons": LESSON,
        "root_cause": "The courier's <!channel> system was down",
        "followup_1": "Weekend webcare rota",
        "followup_owner_1": BOB,
        "goodwill": "a €10 voucher",
        "archive": ["archive"],
    }
    assert bot.send.submit(bot.last_view(), values, user=ANA).body == ""
    bot.settle()

    stored = bot.services.crises.get(crisis.id)
    assert stored.status is Status.CLOSED and stored.closed_at
    closure = bot.services.closures.latest(crisis.id)
    assert (closure.lessons, closure.goodwill, closure.archive) == (LESSON, "a €10 voucher", True)
    (followup,) = bot.services.closures.followups(crisis.id)
    assert (followup.text, followup.owner_id, followup.state) == ("Weekend webcare rota", BOB, FollowUpState.OPEN)

    room = fake.channels[crisis.channel_id]
    summary = next(m for m in room.messages if m["text"].startswith(f"Crisis #{crisis.id} closed"))
    text = str(summary["blocks"])
    for expected in (
        "time to acknowledge",
        "time to resolve",
        "Timeline",
        "opened by",
        "step 3: done by",
        LESSON[:40],
        "Weekend webcare rota",
        "&lt;!channel&gt;",
        "€10 voucher",
    ):
        assert expected in text, expected
    methods = [c.method for c in fake.calls]
    summary_post = max(
        i
        for i, c in enumerate(fake.calls)
        if c.method == "chat.postMessage"
        and c.args.get("channel") == crisis.channel_id
        and "closed" in (c.args.get("text") or "")
    )
    assert methods.index("conversations.archive") > summary_post and room.archived
    assert "conversations.rename" not in methods

    note = management.messages[-1]
    assert "Closing time" in note["text"] and LESSON.split(":")[0] in note["text"]
    dm = next(
        m for m in fake.dm_messages(BOB) if "follow-up" in m["text"]
    )  # BOB, a responder, also gets the final update
    assert "Weekend webcare rota" in dm["text"]
    find_element(dm["blocks"], "crisis.followup.done")
    assert "Closed" in str(fake.message(crisis.channel_id, crisis.header_ts)["blocks"])
    assert "crisis.step." not in str(fake.message(crisis.channel_id, crisis.checklist_ts)["blocks"])


def test_a_private_crisis_shows_management_no_details(bot, fake, management):
    crisis = bot.open_crisis("Secret recall", user=ANA, private=["private"])
    settle_all(bot, fake, crisis)
    close(bot, fake, crisis)
    note = management.messages[-1]["text"]
    assert "private crisis" in note and "Secret recall" not in note and LESSON[:20] not in note


def test_a_resent_close_closes_once(bot, fake, management):
    crisis = bot.open_crisis("Once", user=ANA)
    settle_all(bot, fake, crisis)
    bot.send.command("close", user=ANA, channel=crisis.channel_id)
    bot.settle()
    modal = bot.last_view()
    bot.send.submit(modal, {"lessons": LESSON}, user=ANA)
    again = bot.send.submit(modal, {"lessons": LESSON}, user=ANA, headers={"X-Slack-Retry-Num": "1"})
    bot.settle()
    assert again.json["response_action"] == "errors"  # already closed: nothing happens twice
    assert len(list(bot.services.store.db["closures"].rows)) == 1
    assert len([m for m in management.messages if "closed" in m["text"]]) == 1


def test_reopening_takes_a_reason_from_the_owner_or_an_admin(bot, fake, management):
    crisis = bot.open_crisis("Back again", user=ANA)
    settle_all(bot, fake, crisis)
    close(bot, fake, crisis)  # the war room stays as it is (see test_reopening for archived ones)

    assert "Say why" in bot.ask(f"reopen {crisis.id}", user=ANA, channel=fake.general.id).json["text"]
    assert "Only the owner" in bot.ask(f"reopen {crisis.id} new posts", user=CAR, channel=fake.general.id).json["text"]
    bot.send.command(f"reopen <#{crisis.channel_id}|x> The story is back on TikTok", user=ANA, channel=fake.general.id)
    bot.settle()
    room = fake.channels[crisis.channel_id]
    assert bot.services.crises.get(crisis.id).is_open and fake.count("conversations.create") == 1
    assert "reopened crisis" in room.messages[-1]["text"] and "TikTok" in room.messages[-1]["text"]
    assert "reopened" in management.messages[-1]["text"] and f"<#{room.id}>" in management.messages[-1]["text"]
    assert fake.responses[-1]["text"] == f"Crisis #{crisis.id} is open again."
    assert bot.services.timeline.events(crisis.id)[-1].detail == {"reason": "The story is back on TikTok"}
    find_element(fake.message(crisis.channel_id, crisis.checklist_ts)["blocks"], "crisis.step.undo#1")


def test_follow_ups_are_marked_done_by_their_owner(bot, fake):
    crisis = bot.open_crisis("Follow", user=ANA)
    settle_all(bot, fake, crisis)
    close(bot, fake, crisis, followup_1="Update the FAQ", followup_owner_1=BOB)
    dm = fake.dm_messages(BOB)[-1]
    bot.send.click(dm, "crisis.followup.done", user=CAR)
    bot.settle()
    assert "Only <@UBOB0002>" in fake.responses[-1]["text"]
    bot.send.click(dm, "crisis.followup.done", user=BOB)
    bot.settle()
    (followup,) = bot.services.closures.followups(crisis.id)
    assert followup.state is FollowUpState.DONE and followup.done_by == BOB
    assert fake.responses[-1]["replace_original"] is True and "Done" in fake.responses[-1]["text"]


def test_a_follow_up_needs_an_owner(bot, fake):
    crisis = bot.open_crisis("Owners", user=ANA)
    settle_all(bot, fake, crisis)
    reply = close(bot, fake, crisis, followup_1="Train the team")
    assert "one person who owns it" in reply.json["errors"]["followup_owner_1"]


def test_lessons_are_searchable_in_several_languages(bot, fake):
    lessons = {
        "Courier failure": "Check the courier's status page before promising a delivery date to angry customers.",
        "Bezorgprobleem": "Controleer de status van de bezorger voordat we klanten een leverdatum beloven.",
        "快递延误": "在向客户承诺送达时间之前，先确认快递公司的系统状态。",
        "Hidden one": "Private lesson about the courier that outsiders must not see in any search.",
    }
    for title, lesson in lessons.items():
        extra = {"private": ["private"]} if title == "Hidden one" else {}
        crisis = bot.open_crisis(title, user=BOB if extra else ANA, **extra)
        settle_all(bot, fake, crisis, user=BOB if extra else ANA)
        close(bot, fake, crisis, user=BOB if extra else ANA, lessons=lesson)

    def found(words, user=ANA):
        return str(bot.ask(f"lessons {words}", user=user, channel=fake.general.id).json["blocks"])

    assert "Courier failure" in found("courier") and "Bezorgprobleem" not in found("courier")
    assert "Bezorgprobleem" in found("bezorger leverdatum")
    assert "快递延误" in found("快递")
    assert "Hidden one" not in found("courier") and "Hidden one" in found("courier", user=BOB)
    assert "No lessons match" in found("zeppelin")
    assert "Courier failure" in found('"courier OR *')  # FTS syntax in a query is just words


def test_a_new_crisis_shows_past_lessons_of_its_kind(bot, fake):
    for i in range(4):
        crisis = bot.open_crisis(f"Old troll {i}", user=ANA, category="trolling")
        settle_all(bot, fake, crisis)
        close(bot, fake, crisis, lessons=f"Lesson number {i}: do not feed the trolls, answer the audience calmly.")
    other = bot.open_crisis("Unrelated", user=ANA, category="hacked_account")
    assert not any("Lessons from earlier crises" in m["text"] for m in fake.channels[other.channel_id].messages)
    new = bot.open_crisis("New troll", user=ANA, category="trolling")
    shown = next(
        m for m in fake.channels[new.channel_id].messages if m["text"] == "Lessons from earlier crises of this type"
    )
    assert (
        len(shown["blocks"]) == 4
        and "Lesson number 3" in str(shown["blocks"])
        and "Lesson number 0" not in str(shown["blocks"])
    )


def test_export_posts_a_markdown_post_mortem(bot, fake):
    crisis = bot.open_crisis("Exported <b>crisis</b>", user=ANA, description="A long story")
    settle_all(bot, fake, crisis)
    close(bot, fake, crisis, root_cause="Nobody on call")
    bot.send.command("reopen Checking the export", user=ANA, channel=crisis.channel_id)
    bot.settle()
    bot.send.command("export", user=ANA, channel=crisis.channel_id)
    bot.settle()
    (upload,) = fake.uploads.values()
    markdown = upload["content"].decode()
    assert upload["name"] == f"crisis-{crisis.id}-post-mortem.md" and upload["channel"] == crisis.channel_id
    for expected in (
        "# Post-mortem: crisis #1, Exported &lt;b&gt;crisis&lt;/b&gt;",
        "## The four steps",
        "1. **Acknowledge**: done",
        "## Lessons learned",
        LESSON,
        "Nobody on call",
        "## Timeline (UTC)",
        "reopened",
    ):
        assert expected in markdown, expected
