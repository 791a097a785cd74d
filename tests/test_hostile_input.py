"""A troll's post pasted into every field: it is shown as text everywhere, never as markup."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import ANA, BOB, DAN
from tests.harness import Harness

HOSTILE = "<!channel> <!here> @everyone <@UDAN0004> <https://evil.example|click me> *x & `y` > z"
FORBIDDEN = ("<!channel>", "<!here>", "<!everyone>", "<@UDAN0004>", "<https://evil.example|")  # DAN is never involved


def mrkdwn_texts(value: Any) -> list[str]:
    """Every text Slack parses as mrkdwn in a payload: mrkdwn objects and `text` fallbacks
    (plain_text objects, such as headers and reply drafts, are never parsed for mentions)."""
    found: list[str] = []
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            return found
        if value.get("type") == "mrkdwn" and "text" in value:
            return [value["text"]]
        for key, child in value.items():
            if key == "text" and isinstance(child, str):
                found.append(child)
            else:
                found.extend(mrkdwn_texts(child))
    elif isinstance(value, list):
        for child in value:
            found.extend(mrkdwn_texts(child))
    return found


def everything_sent(fake) -> list[str]:
    methods = (
        "chat.postMessage",
        "chat.update",
        "chat.postEphemeral",
        "conversations.setTopic",
        "conversations.setPurpose",
    )
    texts = [t for call in fake.calls if call.method in methods for t in mrkdwn_texts(call.args)]
    texts += [
        call.args.get("topic") or call.args.get("purpose") or ""
        for call in fake.calls
        if call.method.startswith("conversations.set")
    ]
    return texts + [t for response in fake.responses for t in mrkdwn_texts(response)]


@pytest.fixture
def bot(fake, env):
    management = fake.add_channel("management", members={"UBOT0001"})
    harness = Harness.start(fake, {**env, "DIGEST_CHANNEL": management.id})
    yield harness
    harness.stop()


def test_hostile_text_in_every_field_stays_text_everywhere(bot, fake):
    acks: list[str] = []

    def command(text, channel):
        reply = bot.send.command(text, user=ANA, channel=channel)
        acks.extend(mrkdwn_texts(reply.json))
        bot.settle()
        return reply

    crisis = bot.open_crisis(
        HOSTILE[:150],
        user=ANA,
        responders=[BOB],
        description=HOSTILE,
        customer_handle=HOSTILE[:100],
        link="https://ok.example/a|<b>",
    )
    room = crisis.channel_id
    bot.send.click(fake.message(room, crisis.checklist_ts), "crisis.step.skip#2", user=ANA)
    bot.settle()
    bot.send.submit(bot.last_view(), {"reason": HOSTILE}, user=ANA)
    bot.settle()
    for step in (1, 3, 4):
        bot.send.click(fake.message(room, crisis.checklist_ts), f"crisis.step.done#{step}", user=ANA)
        bot.settle()
    command("status", room)
    command("list", fake.general.id)
    command("digest", fake.general.id)
    command(f"frobnicate {HOSTILE}", room)
    command(f"template {HOSTILE}", room)
    command("template apology en", room)
    template = next(m for m in reversed(fake.channels[room].messages) if " reply in " in m["text"])
    bot.send.click(template, "crisis.template.details", user=ANA, channel=room)
    bot.settle()
    bot.send.submit(
        bot.last_view(),
        {"what_happened": HOSTILE, "resolution": HOSTILE, "contact": HOSTILE, "signer": HOSTILE},
        user=ANA,
    )
    bot.settle()
    bot.send.click(template, "crisis.template.edit", user=ANA, channel=room)
    bot.settle()
    bot.send.submit(bot.last_view(), {"draft_text": HOSTILE}, user=ANA)
    bot.settle()
    draft = next(m for m in reversed(fake.channels[room].messages) if "Draft reply" in m["text"])
    bot.send.click(draft, "crisis.draft.changes", user=BOB)
    bot.settle()
    command(f"owner <@{BOB}>", room)
    bot.send.click(draft, "crisis.draft.changes", user=BOB)
    bot.settle()
    bot.send.submit(bot.last_view(), {"note": HOSTILE}, user=BOB)
    bot.settle()
    bot.send.command("close", user=BOB, channel=room)
    bot.settle()
    close = {
        "lessons": HOSTILE + " — a real lesson, written down",
        "root_cause": HOSTILE,
        "goodwill": HOSTILE[:300],
        "followup_1": HOSTILE[:300],
        "followup_owner_1": ANA,
    }
    assert bot.send.submit(bot.last_view(), close, user=BOB).body == ""
    bot.settle()
    command("lessons real lesson", fake.general.id)
    command("export", room)

    sent = everything_sent(fake) + acks
    assert len(sent) > 60  # every flow above answered something
    leaks = [t for t in sent if any(f in t for f in FORBIDDEN)]
    assert leaks == [], leaks[:3]
    assert any("&lt;!channel&gt;" in t for t in sent)  # shown, as text
    broken_out = [t for t in sent if "*x" in t and "`y`" in t]
    assert not broken_out, broken_out[:3]  # no user `*` or backtick left to close our markup
    markdown = next(iter(fake.uploads.values()))["content"].decode()
    assert "<!channel>" not in markdown and "&lt;!channel&gt;" in markdown


@pytest.mark.parametrize(
    ("title", "answer"),
    [
        ("", "Give the crisis a title"),
        (" \n\t ", "Give the crisis a title"),
        ("\u202e\u202d", "Give the crisis a title"),  # only invisible direction overrides
    ],
)
def test_empty_titles_are_refused_inline(bot, fake, title, answer):
    bot.send.command("open", user=ANA, channel=fake.general.id)
    bot.settle()
    reply = bot.send.submit(bot.last_view(), {"title": title, "category": "trolling"}, user=ANA)
    assert answer in reply.json["errors"]["title"]


@pytest.mark.parametrize(
    ("title", "slug_end"),
    [
        ("🔥🔥🔥", "-fire-fire-fire"),
        ("مرحبا بالعالم", "-mrhb-bl-lm"),
        ("שלום עולם", "-slvm-vlm"),
        ("x" * 10_000, "-" + "x" * 64),
    ],
)
def test_emoji_right_to_left_and_huge_titles_open_fine(bot, fake, title, slug_end):
    crisis = bot.open_crisis(title, user=ANA)
    assert crisis.channel_name.endswith(slug_end) and len(crisis.channel_name) <= 80
    assert len(crisis.title) <= 150 and crisis.setup_state.value == "done"


def test_ten_thousand_characters_anywhere_get_a_sensible_answer(bot, fake):
    crisis = bot.open_crisis("Huge inputs", user=ANA)
    huge = "word " * 2000
    for text, expected in [
        (f"owner {huge}", "Say who's taking over"),
        (f"reopen {crisis.id} {huge}", "under 1000 characters"),
        (huge, "I don't recognise"),
        (f"lessons {huge}", "No lessons"),
    ]:
        reply = bot.send.command(text, user=ANA, channel=crisis.channel_id)
        assert reply.status == 200 and expected in reply.json["text"], (text[:20], reply.json)
        assert len(json.dumps(reply.json)) < 41_000
    bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), "crisis.step.skip#4", user=ANA)
    bot.settle()
    bot.send.submit(bot.last_view(), {"reason": "r" * 10_000}, user=ANA)  # a forged payload: the client caps at 500
    bot.settle()
    assert len(bot.services.steps.of(crisis.id)[3].reason) == 500


def test_only_responders_open_crises_when_the_team_is_named(fake, env):
    fake.usergroups["SRESP001"] = [BOB]
    harness = Harness.start(fake, {**env, "CRISIS_RESPONDERS": f"{ANA},SRESP001"})
    try:
        harness.send.command("open Not me", user=DAN, channel=fake.general.id)  # the group is asked after the ack
        harness.settle()
        assert "Only the crisis response team" in str(harness.last_view()["blocks"])
        harness.open_crisis("By a named responder", user=ANA)
        harness.open_crisis("By a group member", user=BOB)
        harness.send.command("open Forged", user=ANA, channel=fake.general.id)
        harness.settle()
        forged = harness.send.submit(harness.last_view(), {"category": "trolling"}, user=DAN)  # someone else submits it
        assert "Only the crisis response team" in forged.json["errors"]["title"]
        assert len(list(harness.services.store.db["crises"].rows)) == 2
    finally:
        harness.stop()
