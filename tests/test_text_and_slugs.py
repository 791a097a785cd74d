"""User text as data, and channel names from titles in any script."""

from __future__ import annotations

from datetime import date

import pytest

from bot.words.links import normalise_link
from bot.words.slugs import channel_name
from bot.words.text import clean, cut, escape, link, mrkdwn

DAY = date(2026, 11, 21)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("<!channel> now", "&lt;!channel&gt; now"),
        ("<@U123> & <https://evil|bank>", "&lt;@U123&gt; &amp; &lt;https://evil|bank&gt;"),
        ("@here look", "@\u2060here look"),
        ("plain", "plain"),
        ("*bold* `code` ~gone~", "∗bold∗ ˋcodeˋ ∼gone∼"),
    ],
)
def test_escape_defuses_mentions_and_links(raw, shown):
    assert escape(raw) == shown


def test_cutting_after_escaping_never_splits_an_entity():
    text = "a" * 2995 + "&&&&&&"
    out = mrkdwn(text, 3000)
    assert len(out) <= 3000 and out.endswith("…")
    assert "&am…" not in out and not out[:-1].endswith("&")


def test_clean_drops_controls_and_bidi_overrides_but_keeps_rtl_text():
    assert clean("  مرحبا\u202e abc\x00\r\n ") == "مرحبا abc"


def test_cut_keeps_short_text_and_marks_cuts():
    assert cut("short", 10) == "short" and cut("x" * 20, 10) == "x" * 9 + "…"


def test_links_cannot_break_out_of_their_brackets():
    assert link("https://a.com/x|y>z", "<b>") == "<https://a.com/x%7Cy%3Ez|&lt;b&gt;>"


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Klant klaagt over levering!", "crisis-20261121-klant-klaagt-over-levering"),
        ("数据泄露", "crisis-20261121-shu-ju-xie-lu"),
        ("Отзыв клиента", "crisis-20261121-otzyv-klienta"),
        ("Ûnfrede klant", "crisis-20261121-unfrede-klant"),
        ("مرحبا", "crisis-20261121-mrhb"),
        ("   ", "crisis-20261121-untitled"),
    ],
)
def test_channel_names_transliterate_any_script(title, name):
    assert channel_name(title, DAY) == name


def test_channel_names_respect_slack_rules_at_any_length():
    for attempt in (1, 2, 19):
        name = channel_name("Ω" * 500 + " é" * 300, DAY, attempt)
        assert len(name) <= 80 and all(c.isascii() and (c.isalnum() or c in "-_") for c in name)
        assert name == name.lower() and not name.endswith("-")
    assert channel_name("x" * 200, DAY, 2).endswith("x-2")


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("", ""),
        ("https://x.com/a/status/1", "https://x.com/a/status/1"),
        ("instagram.com/p/abc", "https://instagram.com/p/abc"),
        ("not a link", None),
        ("javascript:alert(1)", None),
        ("ftp://files.example.com/x", None),
        ("https://nohost", None),
    ],
)
def test_links_are_validated(raw, normal):
    assert normalise_link(raw) == normal
