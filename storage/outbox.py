"""Claims on posts that must go out exactly once (nudges, digests), shared by every process.

A post is `pending` (enqueued with its cause), `sending` (claimed by a process), `retry` (an
attempt failed for now, and may have reached Slack all the same), or settled: `sent`, `failed`
(given up on) or `skipped`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlite_utils import Database

from storage.database import Store
from storage.liveness import alive, me


class Claim(StrEnum):
    NEW = "new"  # nobody tried yet: the caller owns the post now
    STALE = "stale"  # tried before (its process died mid-way, or it failed for now): it may be in Slack
    BUSY = "busy"  # another process is posting it right now
    DONE = "done"  # already posted (or given up on)


@dataclass(frozen=True)
class Claimed:
    claim: Claim
    previous_claim_at: int | None = None


Posts = Sequence[tuple[str, str]]  # (outbox key, channel) of the posts a change calls for


def enqueue(db: Database, key: str, channel: str, *, now: int) -> None:
    """Record a post to make, inside the transaction that stores its cause: if the process dies
    before posting, the scheduler's sweep finds it pending and posts it."""
    db.execute(
        "insert or ignore into outbox (key, channel, state, claimed_at, claimed_by) values (?, ?, 'pending', ?, ?)",
        [key, channel, now, me()],
    )


SETTLED_STATES = ("sent", "failed", "skipped")


class Outbox:
    def __init__(self, store: Store) -> None:
        self.store = store

    def claim(self, key: str, channel: str, *, now: int, stale_after: int) -> Claimed:
        with self.store.write() as db:
            row = db.execute("select state, claimed_at, claimed_by from outbox where key = ?", [key]).fetchone()
            if row is None:
                db.execute(
                    "insert into outbox (key, channel, state, claimed_at, claimed_by) values (?, ?, 'sending', ?, ?)",
                    [key, channel, now, me()],
                )
                return Claimed(Claim.NEW)
            state, claimed_at, claimed_by = row
            if state not in ("pending", "sending", "retry"):
                return Claimed(Claim.DONE)
            if state == "sending" and claimed_at > now - stale_after and alive(claimed_by):
                return Claimed(Claim.BUSY)
            db.execute(
                "update outbox set state = 'sending', claimed_at = ?, claimed_by = ?, error = null where key = ?",
                [now, me(), key],
            )
            # Enqueued with its cause and never tried, or tried before by a process that died or
            # that failed for now (and may have posted it all the same).
            return Claimed(Claim.NEW) if state == "pending" else Claimed(Claim.STALE, claimed_at)

    def sent(self, key: str, *, ts: str, now: int) -> None:
        with self.store.write() as db:
            db.execute("update outbox set state = 'sent', ts = ?, sent_at = ? where key = ?", [ts, now, key])

    def failed(self, key: str, *, error: str, now: int) -> None:
        """Give up on a post that cannot succeed (the channel is gone, the bot is not in it)."""
        with self.store.write() as db:
            db.execute("update outbox set state = 'failed', error = ?, sent_at = ? where key = ?", [error, now, key])

    def skip(self, key: str, channel: str, *, now: int) -> None:
        """Record that a post was deliberately not made (a quiet day's digest), so it stays settled."""
        with self.store.write() as db:
            db.execute(
                "insert or ignore into outbox (key, channel, state, claimed_at, sent_at) values (?, ?, 'skipped', ?, ?)",
                [key, channel, now, now],
            )

    def last_sent_at(self, prefix: str, *, before: str) -> int | None:
        """When the latest post whose key starts with `prefix` (and sorts before `before`) went out."""
        return self.store.db.execute(
            "select max(sent_at) from outbox where key like ? and key < ? and state = 'sent'", [prefix + "%", before]
        ).fetchone()[0]

    def failure(self, key: str) -> str | None:
        """Slack's error code for a post that failed for good; None while it may still go out."""
        row = self.store.db.execute("select error from outbox where key = ? and state = 'failed'", [key]).fetchone()
        return row[0] if row else None

    def sent_ts(self, key: str) -> str | None:
        """The ts of the message posted for `key`, once it is posted."""
        row = self.store.db.execute("select ts from outbox where key = ? and state = 'sent'", [key]).fetchone()
        return row[0] if row else None

    def unfinished(self, *, pending_before: int, sending_before: int, limit: int = 200) -> list[str]:
        """Keys enqueued but not posted: pending since before `pending_before`, claimed before
        `sending_before` by a process that never finished (its claim is stale), or failed for now."""
        rows = self.store.db.execute(
            "select key, state, claimed_at, claimed_by from outbox where state in ('pending', 'sending', 'retry')"
            " order by claimed_at"
        )
        unfinished = [
            key
            for key, state, claimed_at, claimed_by in rows
            if state == "retry"
            or claimed_at < (pending_before if state == "pending" else sending_before)
            or not alive(claimed_by)
        ]
        return unfinished[:limit]

    def release(self, key: str, *, error: str) -> None:
        """Put back a post that failed (Slack's `error`), for the next attempt (its job, or the
        sweep). Its answer may have been lost after Slack posted it, so that attempt looks for
        it first."""
        with self.store.write() as db:
            db.execute("update outbox set state = 'retry', error = ? where key = ? and state = 'sending'", [error, key])

    def last_error(self, key: str) -> str | None:
        """Slack's error code for the latest attempt at a post not made (None once it is posted,
        or while an attempt is under way)."""
        row = self.store.db.execute(
            "select error from outbox where key = ? and state in ('retry', 'failed')", [key]
        ).fetchone()
        return row[0] if row else None

    def settled(self, keys: Iterable[str]) -> set[str]:
        """Which of these keys were posted, given up on or skipped (a post `pending` or `sending`
        is not settled: its process may have died, and claiming it again recovers it)."""
        keys = list(keys)
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = self.store.db.execute(
                f"select key from outbox where state in {SETTLED_STATES} and key in ({','.join('?' * len(chunk))})",
                chunk,
            )
            found.update(row[0] for row in rows)
        return found
