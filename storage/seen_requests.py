"""Incoming requests already handled (not outgoing posts: see bot.publish), so Slack's retries and double submissions run only once.

Slack retries an event or a request it thinks failed with the same event_id / trigger_id; the
key is stored on first sight, in the same database every process of the bot shares, so the
de-duplication survives a restart and holds across workers.
"""

from __future__ import annotations

import random

from storage.database import Store

KEEP_SECONDS = 24 * 3600  # Slack retries within minutes; a day is plenty
PRUNE_CHANCE = 0.01


class SeenRequests:
    """De-duplicates what Slack sends us; the table keeps its first name, `deliveries`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def first_time(self, key: str, *, now: int) -> bool:
        """True the first time a key is seen, False for every repeat."""
        with self.store.write() as db:
            cursor = db.execute("insert or ignore into deliveries (key, seen_at) values (?, ?)", [key, now])
            if cursor.rowcount == 1 and random.random() < PRUNE_CHANCE:  # amortised clean-up
                db.execute("delete from deliveries where seen_at < ?", [now - KEEP_SECONDS])
            return cursor.rowcount == 1

    def forget(self, key: str) -> None:
        """Forget a key seen before, so a redelivery runs: the request could not be carried out."""
        with self.store.write() as db:
            db.execute("delete from deliveries where key = ?", [key])
