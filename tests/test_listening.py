"""The listening channel: listening tools' alerts (bot messages) counted for the right scopes."""

from __future__ import annotations

import pytest

from bot.model import WATCH, Platform, Source
from tests.conftest import ANA, BOB
from tests.harness import Harness

BRANDWATCH = "B0BRANDW1"


@pytest.fixture
def listening(fake):
    return fake.add_channel("brand-alerts", members={"UBOT0001", ANA})


@pytest.fixture
def bot(fake, env, listening):
    harness = Harness.start(fake, {**env, "LISTENING_CHANNEL": listening.id, "WATCH_KEYWORDS": "Acme, #acmefail"})
    yield harness
    harness.stop()


def brandwatch_alert(fake, channel, text, link="https://twitter.com/angry/status/1", author="Angry Customer"):
    """An alert as Brandwatch's Slack integration posts it: a bot_message with an attachment."""
    return fake.message_event(
        channel,
        subtype="bot_message",
        bot=BRANDWATCH,
        username="Brandwatch",
        attachments=[
            {
                "fallback": f"New mention: {text}",
                "color": "#36a64f",
                "pretext": "New mention matching *Acme brand*",
                "author_name": author,
                "author_link": "https://twitter.com/angry",
                "title": "Tweet",
                "title_link": link,
                "text": text,
                "footer": "Brandwatch",
                "ts": 1764000000,
            }
        ],
    )


def counted(bot, scope):
    return list(
        bot.services.store.db.execute(
            "select key, source, platform, author, link, text from mentions where scope = ?", [scope]
        )
    )


def test_a_listening_tool_alert_is_counted_for_the_crisis_and_the_watch(bot, fake, listening):
    crisis = bot.open_crisis("Refund chaos", user=ANA, keywords="refund\nchargeback")
    event = brandwatch_alert(fake, listening.id, "Still no refund from @Acme after 3 weeks <!channel>")
    assert bot.send.event(event, event_id="Ev001").status == 200
    bot.send.event(event, event_id="Ev001", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    bot.send.event(event, event_id="Ev002")  # the same message delivered again under a new id
    bot.settle()
    ((key, source, platform, author, link, text),) = counted(bot, crisis.id)
    assert key == f"slack:{listening.id}:{event['ts']}" and source == Source.LISTENING.value
    assert platform == Platform.X.value and author == "Angry Customer" and link == "https://twitter.com/angry/status/1"
    assert "Still no refund" in text
    assert len(counted(bot, WATCH)) == 1  # "@Acme" matches the watch keyword "Acme"
    assert not any(m["channel"] == listening.id for m in fake.calls_to("chat.postMessage"))  # counting is silent


def test_an_app_posting_with_blocks_and_no_subtype_is_counted(bot, fake, listening):
    crisis = bot.open_crisis("Refund chaos", user=ANA, keywords="refund")
    event = fake.message_event(
        listening.id,
        bot="B0TALKWLK",
        username="Talkwalker",
        text="Talkwalker alert",
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Reddit* r/personalfinance: where is my REFUND?"}},
            {
                "type": "rich_text",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "link", "url": "https://www.reddit.com/r/x/1"}]}
                ],
            },
        ],
    )
    bot.send.event(event)
    bot.settle()
    ((_, _, platform, _, link, _),) = counted(bot, crisis.id)
    assert platform == Platform.REDDIT.value and link == "https://www.reddit.com/r/x/1"


def test_words_match_whole_and_any_case_but_not_inside_other_words(bot, fake, listening):
    crisis = bot.open_crisis("Refund chaos", user=ANA, keywords="refund")
    for text in ("REFUND please", "refunds are late", "prefund round closed", "no-refund policy"):
        bot.send.event(fake.message_event(listening.id, user=BOB, text=text))
    bot.settle()
    assert sorted(t for *_, t in counted(bot, crisis.id)) == ["REFUND please", "no-refund policy"]


@pytest.mark.parametrize("case", ["another channel", "an edit", "a deletion", "the bot itself", "a join"])
def test_what_is_not_a_mention_is_not_counted(bot, fake, listening, case):
    crisis = bot.open_crisis("Refund chaos", user=ANA, keywords="refund")
    if case == "another channel":
        event = fake.message_event(fake.general.id, user=BOB, text="refund refund")
    elif case == "an edit":
        event = fake.message_event(listening.id, subtype="message_changed", text="")
        event["message"] = {"type": "message", "text": "refund now", "user": BOB, "ts": event["ts"]}
    elif case == "a deletion":
        event = fake.message_event(listening.id, subtype="message_deleted", text="")
    elif case == "the bot itself":
        event = fake.message_event(listening.id, bot="B0000001", user="UBOT0001", text="refund alert")
    else:
        event = fake.message_event(
            listening.id, subtype="channel_join", user=BOB, text="<@UBOB0002> has joined: refund"
        )
    assert bot.send.event(event).status == 200
    bot.settle()
    assert counted(bot, crisis.id) == [] and counted(bot, WATCH) == []


def test_a_chinese_keyword_matches_inside_a_sentence(bot, fake, listening):
    crisis = bot.open_crisis("数据泄露", user=ANA, keywords="数据泄露")
    bot.send.event(fake.message_event(listening.id, user=BOB, text="微博上很多人在讨论这次数据泄露事件"))
    bot.settle()
    assert len(counted(bot, crisis.id)) == 1
