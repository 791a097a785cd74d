"""Feeds served by a real local HTTP server: conditional polling, real-world samples with odd
dates and encodings, de-duplication, back-off and the broken-feed notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.flows import feeds
from bot.model import WATCH
from bot.scheduler import tick
from tests.conftest import ANA, BOB
from tests.feedserver import FeedServer
from tests.harness import Harness

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def server():
    s = FeedServer()
    yield s
    s.stop()


@pytest.fixture
def clock_at_t0():
    with time_machine.travel(T0, tick=True) as traveller:
        yield traveller


def counted(bot, scope):
    rows = bot.services.store.db.execute(
        "select key, at, platform, author, text, link from mentions where scope = ? order by at, key", [scope]
    )
    return [dict(zip(("key", "at", "platform", "author", "text", "link"), r, strict=True)) for r in rows]


def test_a_crisis_feed_is_polled_with_conditional_requests(bot, fake, server, clock_at_t0):
    url = server.serve("/search.rss?q=acme", "reddit-search.atom", "application/atom+xml; charset=UTF-8")
    crisis = bot.open_crisis("Double charges", user=ANA, keywords="double charge", feeds=url)
    tick(bot.services)
    (first,) = server.to("/search.rss?q=acme")
    assert first.status == 200 and "if-none-match" not in first.headers and "if-modified-since" not in first.headers
    found = counted(bot, crisis.id)
    assert [m["key"] for m in found] == ["feed:t3_1h0aaaa", "feed:t3_1h0bbbb"]  # every entry of its own feed counts
    assert {m["platform"] for m in found} == {"reddit"} and found[0]["author"] == "/u/throwaway_4471"
    assert found[0]["at"] == int(datetime(2026, 11, 24, 14, 20, 11, tzinfo=UTC).timestamp())
    assert found[0]["text"] == "Acme charged me twice, support is silent. Chargeback?"  # the title is its start

    tick(bot.services)  # not due yet: no request
    assert len(server.to("/search.rss?q=acme")) == 1
    clock_at_t0.move_to(T0 + 5 * MINUTE)
    tick(bot.services)
    second = server.to("/search.rss?q=acme")[1]
    assert second.status == 304
    assert second.headers["if-none-match"] == server.feeds["/search.rss?q=acme"].etag
    assert second.headers["if-modified-since"] == server.feeds["/search.rss?q=acme"].last_modified
    assert len(counted(bot, crisis.id)) == 2

    body = server.feeds["/search.rss?q=acme"].body.replace(b"t3_1h0bbbb", b"t3_1h0cccc", 1)
    server.update("/search.rss?q=acme", body.replace(b"</feed>", b"") + _entry(b"t3_1h0bbbb") + b"</feed>")
    clock_at_t0.move_to(T0 + 10 * MINUTE)
    tick(bot.services)
    assert server.to("/search.rss?q=acme")[2].status == 200
    assert [m["key"] for m in counted(bot, crisis.id)] == ["feed:t3_1h0aaaa", "feed:t3_1h0bbbb", "feed:t3_1h0cccc"]


def _entry(ident: bytes) -> bytes:
    return (
        b"<entry><id>"
        + ident
        + b"</id><title>Acme again</title><link href='https://www.reddit.com/r/x/"
        + ident
        + b"/'/><updated>2026-11-24T14:58:00+00:00</updated></entry>"
    )


@pytest.fixture
def watch(fake, env, server):
    urls = [
        server.serve("/alerts", "google-alerts.atom", "application/atom+xml"),
        server.serve("/regional.rss", "regional-news.rss", "application/rss+xml", validators=False),
        server.serve("/tags/acmefail.rss", "mastodon-tag.rss", "application/rss+xml; charset=utf-8"),
    ]
    harness = Harness.start(fake, {**env, "WATCH_FEEDS": ",".join(urls), "WATCH_KEYWORDS": "Acme"})
    yield harness
    harness.stop()


def test_real_world_feeds_with_odd_dates_and_encodings_count_for_the_watch(watch, server, clock_at_t0):
    tick(watch.services)
    found = {m["link"]: m for m in counted(watch, WATCH)}
    assert len(found) == 3 + 4 + 2
    # Google Alerts: the article, not Google's redirect; markup gone; zones honoured
    article = found["https://tagblatt.example.ch/wirtschaft/acme-refund"]
    assert article["at"] == int(datetime(2026, 11, 24, 12, 10, tzinfo=UTC).timestamp())
    assert "Why the Acme refund row matters – Zürich Tagblatt" in article["text"]
    assert "微博上关于Acme退款的讨论持续升温" in found["https://news.example.cn/2026/acme"]["text"]
    # windows-1252 with RFC 822 dates: with a zone, without a weekday in EST, a two-digit year, none
    regional = "https://www.regionaal.example.nl/economie/"
    first = found[regional + "acme-klanten-boos~a1001/"]
    assert "Klanten boos op Acme: “geld nog steeds niet terug”" in first["text"] and "Café-eigenaar" in first["text"]
    assert first["author"] == "Joke de Vries" and first["platform"] == "news"
    assert first["at"] == int(datetime(2026, 11, 24, 13, 5, tzinfo=UTC).timestamp())
    assert found[regional + "acme-belooft~a1002/"]["at"] == int(datetime(2026, 11, 24, 13, 30, tzinfo=UTC).timestamp())
    assert found[regional + "consumentenbond~a1003/"]["at"] == int(
        datetime(2026, 11, 24, 12, 0, tzinfo=UTC).timestamp()
    )
    undated = found[regional + "lezers~a1004/"]
    assert abs(undated["at"] - T0.timestamp()) < 60  # no date: counted when first seen
    assert (
        found[regional + "acme-belooft~a1002/"]["key"] == "feed:" + regional + "acme-belooft~a1002/"
    )  # no guid: its link
    # Mastodon: the post's words, the hashtag whole; its @channel stays a word when shown
    assert found["https://mastodon.example.social/@nina/113540000000000001"]["text"] == (
        "Third week without my money back. #acmefail @channel"
    )

    clock_at_t0.move_to(T0 + 5 * MINUTE)
    tick(watch.services)
    assert server.to("/regional.rss")[1].status == 200  # no validators to send back: fetched whole
    assert "if-none-match" not in server.to("/regional.rss")[1].headers
    assert server.to("/alerts")[1].status == 304 and server.to("/tags/acmefail.rss")[1].status == 304
    assert len(counted(watch, WATCH)) == 9  # polled again, nothing counted twice


def test_a_failing_feed_backs_off_and_its_owner_is_told_once_after_an_hour(bot, fake, server, clock_at_t0):
    url = server.url("/feed")
    server.serve("/feed", "reddit-search.atom", status=500)
    crisis = bot.open_crisis("Broken feed", user=ANA, owner=BOB, feeds=url)
    moments = []
    for minutes in range(0, 95, 1):
        clock_at_t0.move_to(T0 + minutes * MINUTE)
        before = len(server.to("/feed"))
        tick(bot.services)
        if len(server.to("/feed")) > before:
            moments.append(minutes)
        if minutes == 30:
            server.serve("/feed", "not-a-feed.html", "text/html")  # answers, but with no feed
    assert moments == [0, 10, 30, 70]  # 5 min doubled: 10, 20, 40 minutes apart
    notices = [m for m in fake.channels[crisis.channel_id].messages if "has been failing for over an hour" in m["text"]]
    assert len(notices) == 1 and f"<@{BOB}>" in notices[0]["text"] and "answered HTTP 500" in notices[0]["text"]
    feed = bot.services.feeds.of(crisis.id)[0]
    assert feed.failures == 4 and feed.failing_since == int(T0.timestamp())
    assert "not an RSS or Atom feed" in feed.last_error

    server.serve("/feed", "reddit-search.atom")
    clock_at_t0.move_to(T0 + 200 * MINUTE)
    tick(bot.services)
    feed = bot.services.feeds.of(crisis.id)[0]
    assert feed.failures == 0 and feed.failing_since is None and len(counted(bot, crisis.id)) == 2


def test_a_closed_crisis_feed_is_not_polled(bot, fake, server, clock_at_t0):
    url = server.serve("/feed", "reddit-search.atom")
    crisis = bot.open_crisis("Soon closed", user=ANA, feeds=url)
    bot.services.store.db.execute("update crises set status = 'closed' where id = ?", [crisis.id])
    assert feeds.poll_due(bot.services, now=int(T0.timestamp())) == 0 and server.to("/feed") == []
