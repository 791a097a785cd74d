"""Polling the feeds teams already have (a news alert, a Mastodon tag, a subreddit search),
every FEED_POLL_MINUTES, each entry counted once by its id (or link).

Polls are conditional (ETag / Last-Modified): an unchanged feed answers 304 and costs nothing.
A feed that fails, or answers with something that is not a feed, is tried again later and
later (doubling up to six hours); if it is still failing after an hour, its crisis's owner is
told once in the war room (a watch feed: the listening channel), and it keeps being tried.
"""

from __future__ import annotations

import logging

from bot.feeds import fetch, read
from bot.flows.mentions import Incoming, ingest
from bot.model import WATCH, Feed, Platform, Source
from bot.publish import keys
from bot.publish.once import post_once
from bot.rules.platforms import platform_of
from bot.rules.volume import HOUR
from bot.services import Services
from bot.views import volume as views

log = logging.getLogger(__name__)

LEASE_SECONDS = 120  # a poll takes at most the fetch timeout; then the feed is anyone's again
BATCH = 20  # feeds polled per tick, so one tick never runs long
BACKOFF_MAX_SECONDS = 6 * HOUR
BROKEN_AFTER_SECONDS = HOUR


def poll_due(services: Services, *, now: int) -> int:
    """The scheduler's job: poll the feeds that are due; returns how many were polled."""
    _sync_watch_feeds(services, now)
    feeds = services.feeds.claim_due(now=now, lease_seconds=LEASE_SECONDS, limit=BATCH)
    for feed in feeds:
        poll(services, feed, now=now)
    return len(feeds)


def poll(services: Services, feed: Feed, *, now: int) -> int:
    """Fetch one feed and count its new entries; returns how many (entry, scope) were new."""
    interval = services.config.feed_poll_minutes * 60
    try:
        fetched = fetch.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        entries = read.entries(fetched.body, fetched.headers) if fetched.status != 304 else []
    except (fetch.FetchError, read.NotAFeed) as error:
        backoff = min(interval * 2 ** (feed.failures + 1), BACKOFF_MAX_SECONDS)
        services.feeds.failed(feed.id, error=str(error), next_poll_at=now + backoff, now=now)
        log.info("feed %s failed (%s); next try in %s s", feed.url, error, backoff)
        return 0
    items = [
        Incoming(
            key=f"feed:{entry.key}",
            at=min(entry.published or now, now),
            source=Source.FEED,
            platform=platform_of(entry.link, default=Platform.NEWS),
            author=entry.author[:200],
            text=entry.text[:4000],
            link=entry.link[:2000],
        )
        for entry in entries
    ]
    new = ingest(services, items, own_scope=feed.crisis_id if feed.crisis_id is not None else WATCH)
    services.feeds.polled(
        feed.id,
        etag=fetched.etag or feed.etag,
        last_modified=fetched.last_modified or feed.last_modified,
        next_poll_at=now + interval,
        now=now,
    )
    return new


def _sync_watch_feeds(services: Services, now: int) -> None:
    """The brand watch's feeds are WATCH_FEEDS: follow the setting when it changes."""
    wanted = list(services.config.watch_feeds)
    if [f.url for f in services.feeds.of(None)] != wanted:
        services.feeds.replace(None, wanted, now=now)


def tell_broken(services: Services, *, now: int) -> int:
    """The scheduler's job: tell, once per failing spell, about feeds failing for an hour."""
    told = 0
    for feed in services.feeds.broken_since(now - BROKEN_AFTER_SECONDS):
        key = keys.feed_broken(feed.id, feed.failing_since or 0)
        if services.outbox.settled([key]):
            continue
        crisis = services.crises.get(feed.crisis_id) if feed.crisis_id is not None else None
        channel = crisis.channel_id if crisis else services.config.listening_channel
        if not channel:
            continue
        message = views.feed_broken(feed, crisis.owner_id if crisis else None)
        told += post_once(services, key, channel, message) is not None
    return told
