"""Claims on posts that must go out exactly once (nudges, digests), shared by every process."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from storage.database import Store


class Claim(StrEnum):
    NEW = "new"  # nobody tried yet: the caller owns the post now
    STALE = "stale"  # a claim older than the timeout: its process probably died mid-way
    BUSY = "busy"  # another process is posting it right now
    DONE = "done"  # already posted (or given up on)


@dataclass(frozen=True)
class Claimed:
    claim: Claim
    previous_claim_at: int | None = None


class Outbox:
    def __init__(self, store: Store) -> None:
        self.store = store

    def claim(self, key: str, channel: str, *, now: int, stale_after: int) -> Claimed:
        with self.store.write() as db:
            row = db.execute("select state, claimed_at from outbox where key = ?", [key]).fetchone()
            if row is None:
                db.execute(
                    "insert into outbox (key, channel, state, claimed_at) values (?, ?, 'sending', ?)",
                    [key, channel, now],
                )
                return Claimed(Claim.NEW)
            state, claimed_at = row
            if state != "sending":
                return Claimed(Claim.DONE)
            if claimed_at > now - stale_after:
                return Claimed(Claim.BUSY)
            db.execute("update outbox set claimed_at = ? where key = ?", [now, key])
            return Claimed(Claim.STALE, claimed_at)

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

    def release(self, key: str) -> None:
        """Forget a claim whose post failed for now, so a later attempt tries again."""
        with self.store.write() as db:
            db.execute("delete from outbox where key = ? and state = 'sending'", [key])

    def settled(self, keys: Iterable[str]) -> set[str]:
        """Which of these keys were posted or given up on (a claim still `sending` is not settled:
        its process may have died, and claiming it again recovers it)."""
        keys = list(keys)
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = self.store.db.execute(
                f"select key from outbox where state != 'sending' and key in ({','.join('?' * len(chunk))})", chunk
            )
            found.update(row[0] for row in rows)
        return found
