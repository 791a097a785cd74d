"""Spikes of the brand watch's volume: one row per rise, so each alerts exactly once.

A unique index allows one open spike at a time; starting one enqueues its alert in the same
transaction (storage.outbox), so two processes seeing the same rise make one row and one
alert, and a crash after starting it still delivers the alert.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from storage.database import Store
from storage.outbox import Posts, enqueue


@dataclass(frozen=True)
class Spike:
    id: int
    started_at: int
    count: int  # mentions in the window that started it
    baseline: float  # the usual mentions per window before it
    ended_at: int | None = None
    below_since: int | None = None  # since when the volume has been back below the threshold


class SpikeRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def current(self) -> Spike | None:
        row = self.store.db.execute(
            "select id, started_at, count, baseline, ended_at, below_since from spikes where ended_at is null"
        ).fetchone()
        return Spike(*row) if row else None

    def get(self, spike_id: int) -> Spike | None:
        row = self.store.db.execute(
            "select id, started_at, count, baseline, ended_at, below_since from spikes where id = ?", [spike_id]
        ).fetchone()
        return Spike(*row) if row else None

    def start(self, *, at: int, count: int, baseline: float, posts: Callable[[int], Posts]) -> Spike | None:
        """Record a new spike and enqueue what it publishes; None if one is open already."""
        try:
            with self.store.write() as db:
                spike_id = db.execute(
                    "insert into spikes (started_at, count, baseline) values (?, ?, ?)", [at, count, baseline]
                ).lastrowid
                for key, channel in posts(spike_id):
                    enqueue(db, key, channel, now=at)
        except sqlite3.IntegrityError:
            return None
        return self.get(spike_id)

    def calming(self, spike_id: int, *, below: bool, at: int) -> None:
        """Note whether the volume is back below the threshold (and since when)."""
        with self.store.write() as db:
            if below:
                db.execute("update spikes set below_since = coalesce(below_since, ?) where id = ?", [at, spike_id])
            else:
                db.execute("update spikes set below_since = null where id = ?", [spike_id])

    def end(self, spike_id: int, *, at: int) -> None:
        with self.store.write() as db:
            db.execute("update spikes set ended_at = ? where id = ? and ended_at is null", [at, spike_id])
