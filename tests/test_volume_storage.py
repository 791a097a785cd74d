"""Mentions, feeds and spikes on real SQLite files: nothing counted twice across connections
and processes, counts replaced, polls and spikes claimed once, the migration of an old file."""

from __future__ import annotations

import random
import sqlite3
import threading

import pytest

from bot.model import WATCH, Category, Mention, NewCrisis, Platform, Severity, Source
from storage import schema
from storage.crises import CrisisRepository
from storage.database import Store, connect
from storage.feeds import FeedRepository
from storage.mentions import MentionRepository
from storage.spikes import SpikeRepository


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "crisis.db")
    yield s
    s.close()


def item(key: str, at: int = 1000, scope: int = WATCH, weight: int = 1) -> Mention:
    return Mention(scope, key, at, Source.FEED, Platform.NEWS, "a", "text", f"https://e.example/{key}", weight)


def test_an_item_is_counted_once_per_scope_whoever_stores_it(store, tmp_path):
    other = Store(tmp_path / "crisis.db")  # a second bot process on the same file
    try:
        ours, theirs = MentionRepository(store), MentionRepository(other)
        batch = [item(f"k{i}") for i in range(200)] + [item(f"k{i}", scope=7) for i in range(100)]
        results: list[int] = []
        threads = [
            threading.Thread(target=lambda repo=repo: results.append(repo.add(batch)))
            for repo in (ours, theirs, ours, theirs)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [0, 0, 0, 300]
        assert ours.total(WATCH, 0, 2000) == 200 and theirs.total(7, 0, 2000) == 100
    finally:
        other.close()


def test_a_count_for_the_same_window_replaces_the_earlier_one(store):
    mentions = MentionRepository(store)
    assert mentions.add([item("count:tool::1000:1900", weight=340)]) == 1
    assert mentions.add([item("count:tool::1000:1900", weight=410)]) == 0
    assert mentions.add([item("count:tool::1900:2800", weight=5)]) == 1
    assert mentions.total(WATCH, 0, 3000) == 415


def test_per_bucket_peaks_and_authors(store):
    mentions = MentionRepository(store)
    mentions.add([item(f"a{i}", at=3600 + i) for i in range(5)] + [item(f"b{i}", at=7200 + i) for i in range(3)])
    assert mentions.per_hour(WATCH, 0, 10_000) == {3600: 5, 7200: 3}
    assert mentions.now_and_peak(since=0, now=7300) == {WATCH: (3, 5)}
    assert mentions.top_authors(WATCH, 0, 5) == [("a", 8)]
    assert [m.key for m in mentions.latest_links(WATCH, 2)] == ["b2", "b1"]


def test_a_feed_poll_is_claimed_by_one_process(store, tmp_path):
    other = Store(tmp_path / "crisis.db")
    try:
        FeedRepository(store).replace(None, ["https://a.example/feed", "https://b.example/feed"], now=100)
        first = FeedRepository(store).claim_due(now=100, lease_seconds=120, limit=10)
        second = FeedRepository(other).claim_due(now=101, lease_seconds=120, limit=10)
        assert len(first) == 2 and second == []
        assert len(FeedRepository(other).claim_due(now=221, lease_seconds=120, limit=10)) == 2  # the lease ran out
    finally:
        other.close()


def test_replacing_feeds_keeps_the_state_of_those_kept(store):
    feeds = FeedRepository(store)
    feeds.replace(None, ["https://a.example/feed"], now=100)
    (feed,) = feeds.of(None)
    feeds.polled(feed.id, etag='"v1"', last_modified=None, next_poll_at=400, now=100)
    feeds.replace(None, ["https://a.example/feed", "https://b.example/feed"], now=200)
    kept, added = feeds.of(None)
    assert (kept.etag, kept.next_poll_at) == ('"v1"', 400) and added.next_poll_at == 200
    feeds.replace(None, ["https://b.example/feed"], now=300)
    assert [f.url for f in feeds.of(None)] == ["https://b.example/feed"]


def test_one_open_spike_at_a_time(store, tmp_path):
    other = Store(tmp_path / "crisis.db")
    try:
        ours, theirs = SpikeRepository(store), SpikeRepository(other)
        first = ours.start(at=100, count=30, baseline=2.0, posts=lambda i: [(f"spike:{i}", "C1")])
        assert first is not None
        assert theirs.start(at=101, count=31, baseline=2.0, posts=lambda i: [(f"spike:{i}", "C1")]) is None
        assert store.db.execute("select count(*) from outbox").fetchone()[0] == 1  # one alert enqueued
        ours.end(first.id, at=200)
        assert theirs.start(at=300, count=40, baseline=2.0, posts=lambda i: []) is not None
    finally:
        other.close()


def test_a_database_of_the_previous_version_migrates_and_keeps_its_crises(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    from sqlite_utils import Database

    old = Database(db)
    for migration in schema.MIGRATIONS[:9]:
        migration(old)
    old.execute("PRAGMA user_version = 9")
    old.execute(
        "insert into crises (request_key, title, category, severity, owner_id, opener_id, opened_at) "
        "values ('k', 'Old one', 'trolling', 'low', 'UA1', 'UA1', 1)"
    )
    db.commit()
    db.close()
    store = Store(path)
    try:
        crisis = CrisisRepository(store).get(1)
        assert crisis.title == "Old one" and crisis.keywords == ()
        new, _ = CrisisRepository(store).create(
            NewCrisis(
                "New",
                Category.TROLLING,
                Severity.LOW,
                "UA1",
                "UA1",
                keywords=("a", "b c"),
                feeds=("https://f.example/x",),
            ),
            request_key="k2",
            at=5,
        )
        assert new.keywords == ("a", "b c") and [f.url for f in FeedRepository(store).of(new.id)] == [
            "https://f.example/x"
        ]
    finally:
        store.close()


def raw_hours(path, scope: int, since: int, until: int) -> dict[int, int]:
    """The hours counted straight from the rows, as a reader with no rollup would."""
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "select (at / 3600) * 3600, sum(weight) from mentions where scope = ? and at >= ? and at < ? group by 1",
            [scope, since, until],
        )
        return {int(hour): int(total) for hour, total in rows}


def test_the_hours_kept_are_the_hours_the_rows_make(store, tmp_path):
    """Items, repeats, counts replaced (and moved to another hour) from two processes: every
    window, whole hours or not, reads the same hours and total from the rollup as from the rows."""
    rng = random.Random(14)
    other = MentionRepository(Store(tmp_path / "crisis.db"))
    ours = MentionRepository(store)
    try:
        for round_ in range(30):
            repo = (ours, other)[round_ % 2]
            batch = [
                item(f"i{rng.randint(0, 400)}", at=rng.randint(0, 12 * 3600), scope=rng.choice((WATCH, 7)))
                for _ in range(40)
            ]
            batch += [
                item(f"count:tool::{w}:{w + 900}", at=rng.randint(0, 12 * 3600), scope=7, weight=rng.randint(0, 50))
                for w in rng.sample(range(10), 3)
            ]
            repo.add(batch)
        for _ in range(200):
            since = rng.choice([0, rng.randint(0, 13 * 3600), rng.randint(0, 13) * 3600])
            until = since + rng.choice([1, 600, 3600, rng.randint(0, 13 * 3600)])
            for scope in (WATCH, 7):
                raw = raw_hours(tmp_path / "crisis.db", scope, since, until)
                assert ours.per_hour(scope, since, until) == raw
                assert ours.total(scope, since, until) == sum(raw.values())
        assert ours.per_hour(7, 0, 13 * 3600)  # the rounds did count something
        ours.add([item("count:tool::alone", at=20 * 3600 + 5, scope=7, weight=9)])
        ours.add([item("count:tool::alone", at=21 * 3600 + 5, scope=7, weight=4)])  # moved to the next hour
        assert ours.per_hour(7, 19 * 3600, 23 * 3600) == {21 * 3600: 4}  # the hour it left is not shown
    finally:
        other.store.close()


def test_the_migration_counts_the_hours_of_mentions_stored_before_it(tmp_path):
    path = tmp_path / "crisis.db"
    db = connect(path)
    for migration in schema.MIGRATIONS[:13]:
        migration(db)
    db.execute("PRAGMA user_version = 13")
    db["mentions"].insert_all(
        {"scope": 7, "key": f"k{i}", "at": 1000 + i * 700, "source": "feed", "weight": 1 + i % 3} for i in range(40)
    )
    db.conn.close()
    store = Store(path)
    try:
        assert MentionRepository(store).per_hour(7, 0, 40_000) == raw_hours(path, 7, 0, 40_000)
        MentionRepository(store).add([item("late", at=1001, scope=7)])  # and the triggers keep them after it
        assert MentionRepository(store).per_hour(7, 0, 40_000) == raw_hours(path, 7, 0, 40_000)
    finally:
        store.close()
