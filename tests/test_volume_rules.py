"""The pure rules behind the volume: keywords, platforms, figures, spikes, calm, signatures."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from bot.model import Platform
from bot.rules import hooks, keywords, volume
from bot.rules.platforms import platform_of

H = 3600


def test_keywords_typed_one_per_line_or_with_commas():
    assert keywords.parse("Acme,  refund\n#acmefail; ACME\n\n") == ("Acme", "refund", "#acmefail")


@pytest.mark.parametrize(
    ("words", "text", "hit"),
    [
        (("acme",), "ＡＣＭＥ charged me twice", True),  # full-width letters
        (("acme",), "acmeville news", False),
        (("double charge",), "a double\ncharge again", True),
        (("#acmefail",), "so #AcmeFail today", True),
        (("#acmefail",), "acmefail", False),
        (("@acme",), "cc @acme_support", False),
        (("数据泄露",), "这次数据泄露很严重", True),
        (("Müller",), "MÜLLER ruft an", True),
    ],
)
def test_keywords_match_whole_words_in_any_case_and_width(words, text, hit):
    assert (keywords.Matcher({1: words}).scopes(text) == {1}) is hit


def test_a_matcher_without_keywords_matches_nothing():
    matcher = keywords.Matcher({1: (), 2: ("",)})
    assert not matcher and matcher.scopes("anything") == set()


@pytest.mark.parametrize(
    ("link", "given", "expected"),
    [
        ("https://twitter.com/a/status/1", None, Platform.X),
        ("https://mobile.x.com/a/status/1", None, Platform.X),
        ("https://www.reddit.com/r/a", None, Platform.REDDIT),
        ("https://m.youtube.com/watch?v=1", None, Platform.YOUTUBE),
        ("https://example.com/news", None, Platform.OTHER),
        ("https://example.com/news", "Facebook", Platform.FACEBOOK),
        ("https://example.com/news", "twitter", Platform.X),
        ("https://example.com/news", "mastodon", Platform.OTHER),
    ],
)
def test_the_platform_from_the_source_or_the_link(link, given, expected):
    assert platform_of(link, given) is expected


def test_figures_compare_the_last_hour_with_normal_and_the_hour_before():
    hours = {10 * H: 78, 14 * H: 540, 15 * H: 312}
    f = volume.figures(hours, last_hour=312, previous_hour=540, baseline_total=78 * 24, baseline_hours=24)
    assert (f.peak, f.peak_at, f.times_normal, f.trend, f.total) == (540, 14 * H, 4.0, "falling", 930)
    rising = volume.figures({}, last_hour=12, previous_hour=5, baseline_total=0, baseline_hours=24)
    assert (rising.trend, rising.baseline, rising.times_normal, rising.peak) == ("rising", None, None, 12)
    assert volume.figures({}, last_hour=6, previous_hour=4, baseline_total=0, baseline_hours=24).trend == "steady"


def test_a_spike_needs_both_the_factor_and_the_minimum():
    assert volume.is_spike(25, 2.0, factor=3, minimum=20)
    assert not volume.is_spike(19, 0.0, factor=3, minimum=20)
    assert not volume.is_spike(100, 40.0, factor=3, minimum=20)


def test_calm_and_the_fall_back_are_measured_from_the_last_hour_above_normal():
    hours = {0: 1, H: 50, 2 * H: 80, 3 * H: 2}
    assert volume.last_hot_hour(hours, 1.0) == 2 * H
    assert volume.calmed_down(hours, 1.0, now=3 * H + 6 * H - 1, calm_hours=6) is None
    assert volume.calmed_down(hours, 1.0, now=3 * H + 6 * H, calm_hours=6) == 2 * H
    assert volume.calmed_down({0: 1, H: 2}, 1.0, now=100 * H, calm_hours=6) is None  # it never rose
    assert volume.fell_back_after(hours, 1.0, 2 * H, now=4 * H) == H
    assert volume.fell_back_after(hours, 1.0, 2 * H, now=3 * H + 10) is None  # the hour after has not ended
    assert volume.fell_back_after({H: 80, 2 * H: 70}, 1.0, H, now=2 * H + 30) is None


def test_the_webhook_signature_is_slacks_v0_scheme():
    body = b'{"items":[]}'
    expected = "v0=" + hmac.new(b"s3cret-0123456789", b"v0:1764000000:" + body, hashlib.sha256).hexdigest()
    assert hooks.sign("s3cret-0123456789", "1764000000", body) == expected
    assert hooks.signature_problem("s3cret-0123456789", "1764000000", expected, body, now=1764000300) is None
    assert "stale" in hooks.signature_problem("s3cret-0123456789", "1764000000", expected, body, now=1764000301)
    assert hooks.signature_problem("s3cret-0123456789", "1764000000", expected, body + b" ", now=1764000000)


def test_webhook_items_are_keyed_by_id_then_link_then_content():
    payload = hooks.parse(
        b'{"items":[{"id":"a1","link":"https://x.com/1"},{"link":"https://x.com/2"},{"text":"no link","published":1764000000}]}',
        now=1764000100,
    )
    keys = [i.key for i in payload.items]
    assert keys[:2] == ["hook:a1", "hook:https://x.com/2"] and keys[2].startswith("hook:") and len(keys[2]) == 5 + 64
    assert payload.items[2].published == 1764000000 and payload.items[0].published == 1764000100
