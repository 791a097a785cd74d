"""The bot speaks the reader's language, through the real app: a whole crisis worked in one
language, a colleague in the same war room reading their own forms in theirs, every message and
form of that journey within Slack's limits in all ten languages and in a pseudo-locale 40 %
longer, and no English left over where a translation exists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.scheduler import tick
from bot.slack.blockkit import check_blocks
from bot.words import commands, i18n, locales
from bot.words.catalogs import source_messages
from tests import pseudo
from tests.conftest import BOB
from tests.harness import Harness
from tests.slackclient import find_element

DIRK = "UDIRK005"  # works in the language under test
MEI = "UMEI0006"  # a colleague whose Slack is in Chinese
LESSON = "Answer within the hour: the silence of the first evening made the story bigger than the parcel."
SUMMARY = "Parcels are moving again."
TYPED = ("Cancel", "Owner")  # a title and a description equal to msgids: user text is never translated

CHINESE = re.compile(r"[\u4e00-\u9fff]")
SLACK_LOCALES = {
    "en": "en-GB",
    "nl": "nl-NL",
    "fy": "fy-NL",
    "ru": "ru-RU",
    "zh-Hans": "zh-CN",
    "id": "id-ID",
    "es": "es-ES",
    "pt-BR": "pt-BR",
    "de": "de-DE",
    "fr": "fr-FR",
}
# Keys of Web API arguments whose strings are ids, addresses or machine data, not words.
_NOT_WORDS = {
    "channel", "ts", "thread_ts", "action_id", "block_id", "value", "callback_id", "private_metadata", "user",
    "users", "url", "image_url", "trigger_id", "view_id", "hash", "external_id", "name", "initial_user",
    "initial_users", "initial_channel", "initial_date", "initial_time", "type", "style", "timestamp", "file",
    "files", "channel_id", "channels", "emoji", "unfurl_links", "unfurl_media", "initial_option", "alt_text",
}  # fmt: skip


def words_shown(item: Any, key: str = "") -> Iterator[str]:
    """Every string a person reads in a Web API call's arguments or an ack's body."""
    if isinstance(item, dict):
        for k, v in item.items():
            if k not in _NOT_WORDS:
                yield from words_shown(v, k)
    elif isinstance(item, list):
        for v in item:
            yield from words_shown(v, key)
    elif isinstance(item, str) and key:
        yield item


@pytest.fixture
def team(fake, env, management):
    """A war room whose team language, digest language and people are set per test."""
    started: list[Harness] = []

    def start(tag: str, slack_locale: str) -> Harness:
        fake.add_user(DIRK, name="dirk", locale=slack_locale)
        fake.add_user(MEI, name="mei", locale="zh-CN")
        harness = Harness.start(
            fake,
            {**env, "TEAM_LOCALE": tag, "DIGEST_LOCALE": tag, "DIGEST_CHANNEL": management.id, "DIGEST_TIME": "09:00"},
        )
        started.append(harness)
        return harness

    yield start
    for harness in started:
        harness.stop()


def work_a_crisis(bot: Harness, fake, tag: str) -> tuple[Any, list[Any]]:
    """Open, work the checklist, ask for status, a reply, an update and the volume, close with a
    lesson, read the digest: what a crisis team does, as Dirk, typing the commands in his
    language. Returns the crisis and what the acks answered."""
    acks: list[Any] = []
    with i18n.speaking(tag):
        word = commands.alias
    acks.append(bot.ask(f"{word('help')}", user=DIRK, channel=fake.general.id).json)
    bot.settle()
    crisis = bot.open_crisis(TYPED[0], user=DIRK, description=TYPED[1], severity="high", platform="x", language="ru")
    room = crisis.channel_id
    for step in (1, 2, 3, 4):
        bot.send.click(fake.message(room, crisis.checklist_ts), f"crisis.step.done#{step}", user=DIRK)
        bot.settle()
    acks.append(bot.ask(word("status"), user=DIRK, channel=room).json)
    acks.append(bot.ask(word("list"), user=DIRK, channel=fake.general.id).json)
    bot.send.command(f"{word('template')} apology", user=DIRK, channel=room)
    bot.settle()
    assert any("crisis.template.kind" in str(m.get("blocks")) for m in fake.channels[room].messages)
    bot.send.command(word("update"), user=DIRK, channel=room)
    bot.settle()
    form = bot.last_view()
    assert form["callback_id"] == "crisis.update"
    update = {"update_status": "Contained", "known": SUMMARY, "doing": "Refunds today.", "next_update": "1h"}
    assert bot.send.submit(form, update, user=DIRK).body == ""
    bot.settle()
    assert bot.services.updates.latest(crisis.id) is not None
    uploads = fake.count("files.completeUploadExternal")
    bot.send.command(word("volume"), user=DIRK, channel=room)
    bot.settle()
    assert fake.count("files.completeUploadExternal") == uploads + 1
    bot.send.command(word("close"), user=DIRK, channel=room)
    bot.settle()
    reply = bot.send.submit(bot.last_view(), {"lessons": LESSON}, user=DIRK)
    assert reply.status == 200 and not (reply.body and reply.json.get("errors")), reply.body
    bot.settle()
    acks.append(bot.ask(word("lessons"), user=DIRK, channel=fake.general.id).json)
    acks.append(bot.ask(word("digest"), user=DIRK, channel=fake.general.id).json)
    acks.append(bot.ask("nonsense", user=DIRK, channel=fake.general.id).json)
    tick(bot.services)  # the scheduler's round: nudges, the scheduled digest when due
    bot.settle()
    return bot.services.crises.get(crisis.id), acks


def without_typed(text: str) -> str:
    """A text without what the team typed into it (the lesson may be shown cut short)."""
    for typed in (LESSON, LESSON[:40], SUMMARY, "Refunds today.", "Contained", *TYPED):
        text = text.replace(typed, "")
    return text


def everything_shown(fake, acks: list[Any]) -> list[str]:
    texts = [t for call in fake.calls for t in words_shown(call.args)]
    texts += [t for response in fake.responses for t in words_shown(response)]
    texts += [t for ack in acks for t in words_shown(ack)]
    return texts


def english_left(texts: list[str], tag: str) -> list[str]:
    """Pieces of the code's English sentences (three words or more) that appear in what was
    shown although the language's catalog says them otherwise."""
    shown = "\n".join(texts)
    found = []
    translations = i18n.translations(tag)
    for (context, msgid), forms in source_messages().items():
        if context:
            continue
        translated = translations.gettext(msgid) if len(forms) == 1 else translations.ngettext(*forms, 2)
        for piece in re.split(r"\{[^{}]*\}|[*`•\n]", forms[-1]):
            piece = piece.strip(" .,:;()—-")
            if len(piece.split()) >= 3 and piece not in translated and piece not in TYPED and piece in shown:
                found.append(piece)
    return sorted(set(found))


@pytest.mark.parametrize("tag", ["nl", "zh-Hans"])
def test_a_whole_crisis_in_the_team_language(team, fake, management, tag):
    bot = team(tag, SLACK_LOCALES[tag])
    crisis, acks = work_a_crisis(bot, fake, tag)
    assert not crisis.is_open and fake.violations == []
    texts = everything_shown(fake, acks)
    assert english_left(texts, tag) == []
    with i18n.speaking(tag):
        checklist_heading = i18n._("Acknowledge")
        summary_word = i18n._("Lessons learned")
    room = fake.channels[crisis.channel_id]
    assert checklist_heading in str(room.messages) and checklist_heading != "Acknowledge"
    assert summary_word in str(room.messages) + str(management.messages)
    # what Dirk typed comes back as typed, not translated
    header = fake.message(crisis.channel_id, crisis.header_ts)
    assert TYPED[0] in str(header["blocks"]) and TYPED[1] in str(header["blocks"])


def test_a_colleague_reads_their_own_forms_in_their_language(team, fake):
    """Mei's Slack is in Chinese, the war room's language Dutch: her forms and private answers
    are in Chinese, what the room sees stays Dutch."""
    bot = team("nl", "nl-NL")
    crisis = bot.open_crisis("Pakketten te laat", user=DIRK, responders=[MEI])
    refusal = bot.ask(commands.alias("close"), user=MEI, channel=crisis.channel_id).json  # not the owner
    bot.send.command("update", user=MEI, channel=crisis.channel_id)
    bot.settle()
    modal = bot.last_view()
    with i18n.speaking("zh-Hans"):
        assert modal["title"]["text"] == i18n._("Stakeholder update")[:24]
    assert CHINESE.search(modal["title"]["text"]) and CHINESE.search(str(refusal))
    room = str(fake.channels[crisis.channel_id].messages)
    with i18n.speaking("nl"):
        assert i18n._("Acknowledge") in room
    assert not CHINESE.search(room.replace("简体中文", ""))  # the room stays Dutch (a language's own name aside)


@pytest.mark.parametrize("tag", [language.tag for language in locales.LANGUAGES] + ["pseudo"])
def test_every_message_and_form_fits_slacks_limits(team, fake, tag):
    """The journey's every post, update, modal and ack, as Slack would check them (the fake
    rejects what Slack rejects; slack_sdk refuses over-long texts before they are sent)."""
    if tag == "pseudo":
        tag = pseudo.install()
    bot = team(tag, SLACK_LOCALES.get(tag, tag))
    crisis, acks = work_a_crisis(bot, fake, tag)
    assert not crisis.is_open
    assert fake.violations == []
    for ack in acks:
        check_blocks(ack.get("blocks") or [])
        assert "Something went wrong" not in str(ack)
    assert not any("Something went wrong" in t for t in everything_shown(fake, acks))
    if tag == pseudo.TAG:
        leftovers = [
            t for t in everything_shown(fake, acks) if re.search(r"\b[a-z]{3,} [a-z]{3,} [a-z]{3,}\b", without_typed(t))
        ]
        assert leftovers == [], "\n---\n".join(leftovers)


def test_the_language_never_leaks_between_requests(team, fake):
    bot = team("nl", "nl-NL")
    bot.send.command("help", user=MEI, channel=fake.general.id)
    bot.settle()
    chinese = bot.ask("help", user=MEI, channel=fake.general.id).json
    english = bot.ask("help", user=BOB, channel=fake.general.id).json
    assert re.search(r"[\u4e00-\u9fff]", str(chinese)) and not re.search(r"[\u4e00-\u9fff]", str(english))
    find_element  # noqa: B018


def test_a_war_room_can_change_its_language(team, fake):
    bot = team("en", "en-GB")
    crisis = bot.open_crisis("Late parcels", user=DIRK)
    assert "language" in bot.ask("language", user=DIRK, channel=crisis.channel_id).json["text"]
    bot.send.command("language klingon", user=DIRK, channel=crisis.channel_id)
    bot.settle()
    assert "`nl` Nederlands" in fake.responses[-1]["text"]
    bot.send.command("language nl-BE", user=DIRK, channel=crisis.channel_id)
    bot.settle()
    assert bot.services.crises.get(crisis.id).team_locale == "nl"
    assert "Nederlands" in fake.responses[-1]["text"] and fake.responses[-1]["text"].startswith("From now on")
    with i18n.speaking("nl"):
        step = i18n._("Acknowledge")
    assert step != "Acknowledge" and step in str(fake.message(crisis.channel_id, crisis.checklist_ts)["blocks"])
    bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), "crisis.step.done#1", user=DIRK)
    bot.settle()
    assert step in str(fake.message(crisis.channel_id, crisis.checklist_ts)["blocks"])  # later renders stay Dutch


def test_status_answers_each_reader_in_their_own_language(team, fake):
    """The status answer is kept between requests (bot.flows.status), but per language."""
    bot = team("nl", "nl-NL")
    crisis = bot.open_crisis("Pakketten te laat", user=DIRK, responders=[MEI])
    dutch = bot.ask("status", user=DIRK, channel=crisis.channel_id).json
    chinese = bot.ask("status", user=MEI, channel=crisis.channel_id).json
    again = bot.ask("status", user=DIRK, channel=crisis.channel_id).json
    assert CHINESE.search(str(chinese["blocks"]).replace("简体中文", ""))
    assert not CHINESE.search(str(dutch["blocks"]).replace("简体中文", "")) and again == dutch
