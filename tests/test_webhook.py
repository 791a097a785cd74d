"""POST /hooks/mentions: signed like Slack's v0, items or a count, every bad request refused
with a clear answer and nothing stored."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from bot.model import WATCH
from bot.rules.hooks import BODY_LIMIT, sign
from tests.conftest import ANA
from tests.harness import Harness

SECRET = "hook-secret-7f3a9c1e5b2d4f60"


@pytest.fixture
def bot(fake, env):
    harness = Harness.start(fake, {**env, "MENTIONS_WEBHOOK_SECRET": SECRET, "WATCH_KEYWORDS": "Acme"})
    yield harness
    harness.stop()


def post(bot, body, *, secret=SECRET, timestamp=None, signature=None, headers=None):
    """POST to the bot's webhook as a tool would; returns (status, JSON answer)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    stamp = str(int(time.time())) if timestamp is None else str(timestamp)
    all_headers = {
        "Content-Type": "application/json",
        "X-Crisis-Request-Timestamp": stamp,
        "X-Crisis-Signature": sign(secret, stamp, raw) if signature is None else signature,
        **(headers or {}),
    }
    url = bot.send.bot_url.replace("/slack/events", "/hooks/mentions")
    request = urllib.request.Request(url, data=raw, headers={k: v for k, v in all_headers.items() if v}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def stored(bot):
    return list(
        bot.services.store.db.execute(
            "select scope, key, platform, author, link, weight from mentions order by scope, key"
        )
    )


ITEMS = {
    "items": [
        {
            "id": "bw-1001",
            "link": "https://x.com/angry/status/1001",
            "author": "@angry",
            "text": "Acme still owes me a refund",
            "published": "2026-11-24T14:05:00Z",
        },
        {"link": "https://www.tiktok.com/@v/video/7", "text": "Acme refund story", "platform": "tiktok"},
    ]
}


def test_signed_items_are_counted_once_for_the_crisis_named(bot):
    crisis = bot.open_crisis("Refunds", user=ANA, keywords="nothing that matches")
    status, answer = post(bot, {"crisis": crisis.id, **ITEMS}, timestamp=int(time.time()) - 2)
    assert (status, answer) == (200, {"ok": True, "received": 2, "new": 4})  # the crisis named, and the watch (Acme)
    retry = post(bot, {"crisis": crisis.id, **ITEMS})  # the tool retries: signed anew, same items
    assert retry == (200, {"ok": True, "received": 2, "new": 0})
    rows = [r for r in stored(bot) if r[0] == crisis.id]
    assert rows == [
        (crisis.id, "hook:bw-1001", "x", "@angry", "https://x.com/angry/status/1001", 1),
        (crisis.id, "hook:https://www.tiktok.com/@v/video/7", "tiktok", "", "https://www.tiktok.com/@v/video/7", 1),
    ]
    assert {r[0] for r in stored(bot)} == {crisis.id, WATCH}


def test_items_without_a_crisis_count_where_their_words_match(bot):
    crisis = bot.open_crisis("Refunds", user=ANA, keywords="refund")
    assert post(bot, {"items": [{"link": "https://example.com/a", "text": "A refund story"}]})[0] == 200
    assert [r[0] for r in stored(bot)] == [crisis.id]  # "refund" matches the crisis, "Acme" is not in it


def test_a_count_for_a_window_is_stored_and_reporting_it_again_replaces_it(bot):
    crisis = bot.open_crisis("Refunds", user=ANA)
    now = int(time.time())
    window = {"crisis": crisis.id, "count": 340, "from": now - 900, "to": now, "platform": "x", "source": "meltwater"}
    assert post(bot, window, timestamp=now - 2) == (200, {"ok": True, "received": 1, "new": 1})
    assert post(bot, {**window, "count": 410}) == (200, {"ok": True, "received": 1, "new": 0})
    ((scope, key, platform, _, _, weight),) = stored(bot)
    assert (scope, platform, weight) == (crisis.id, "x", 410) and key == f"count:meltwater:x:{now - 900}:{now}"
    assert bot.services.mentions.total(crisis.id, now - 3600, now + 1) == 410


@pytest.mark.parametrize("case", ["bad signature", "wrong secret", "no signature", "no timestamp", "stale", "replayed"])
def test_bad_stale_and_replayed_signatures_are_refused(bot, case):
    body = json.dumps(ITEMS).encode()
    stamp = int(time.time())
    if case == "bad signature":
        status, answer = post(bot, body, signature="v0=" + "0" * 64)
    elif case == "wrong secret":
        status, answer = post(bot, body, secret="another-secret-0123456789")
    elif case == "no signature":
        status, answer = post(bot, body, signature="", headers={"X-Crisis-Signature": ""})
    elif case == "no timestamp":
        status, answer = post(bot, body, headers={"X-Crisis-Request-Timestamp": ""}, signature="v0=abc")
    elif case == "stale":
        status, answer = post(bot, body, timestamp=stamp - 301)
    else:
        signature = sign(SECRET, str(stamp), body)
        assert post(bot, body, timestamp=stamp, signature=signature)[0] == 200
        before = stored(bot)
        status, answer = post(bot, body, timestamp=stamp, signature=signature)
        assert stored(bot) == before and "replayed" in answer["error"]
    assert status == 401 and answer["ok"] is False
    if case != "replayed":
        assert stored(bot) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "body"),
        (b"[1, 2]", "body"),
        ({"items": "https://x.com/1"}, "items"),
        ({"items": []}, "items"),
        ({"items": [{"link": "https://x.com/1"}, {"link": "ftp://x.com/2"}]}, "items[1].link"),
        ({"items": [{"author": "someone"}]}, "items[0].link"),
        ({"items": [{"link": "https://x.com/1", "text": 42}]}, "items[0].text"),
        ({"items": [{"link": "https://x.com/1", "published": "yesterday"}]}, "items[0].published"),
        ({"items": [{"link": "https://x.com/1"}], "count": 3}, "items"),
        ({"count": -1, "from": 1, "to": 2}, "count"),
        ({"count": 5, "to": 1764000000}, "from"),
        ({"count": 5, "from": 1764000000, "to": 1763990000}, "to"),
        ({"crisis": "12", "items": [{"link": "https://x.com/1"}]}, "crisis"),
        ({"items": [{"link": "https://x.com/1"}], "mentions": 3}, "mentions"),
    ],
)
def test_a_wrong_shape_is_refused_naming_the_field(bot, body, field):
    status, answer = post(bot, body)
    assert status == 400 and answer["field"] == field and answer["error"].startswith(f"{field}: ")
    assert stored(bot) == []


def test_an_unknown_crisis_is_404(bot):
    status, answer = post(bot, {"crisis": 999, **ITEMS})
    assert status == 404 and answer["field"] == "crisis" and "#999" in answer["error"]
    assert stored(bot) == []


def test_an_oversized_body_is_413_and_stores_nothing(bot):
    text = "Acme " * 100
    items = [{"link": f"https://x.com/{i}", "text": text} for i in range(3000)]
    body = json.dumps({"items": items}).encode()
    assert len(body) > BODY_LIMIT
    status, answer = post(bot, body)
    assert status == 413 and "KiB" in answer["error"]
    assert stored(bot) == []


def test_without_a_secret_the_webhook_is_off(fake, env):
    harness = Harness.start(fake, env)
    try:
        status, answer = post(harness, ITEMS)
    finally:
        harness.stop()
    assert status == 404 and "MENTIONS_WEBHOOK_SECRET" in answer["error"]
