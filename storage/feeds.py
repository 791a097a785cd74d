"""RSS and Atom feeds to poll, with what their servers said last (ETag, Last-Modified), their
back-off and how long they have been failing.

A poll is claimed by moving the feed's next poll time forward in one compare-and-set update,
so two bot processes never poll the same feed at once.
"""

from __future__ import annotations

from bot.model import Feed
from storage.database import Store

COLUMNS = "id, crisis_id, url, etag, last_modified, next_poll_at, failures, failing_since, last_error, last_ok_at"


class FeedRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def of(self, crisis_id: int | None) -> list[Feed]:
        """The active feeds of a crisis (None: of the brand watch), in the order they were added."""
        where = "crisis_id = ?" if crisis_id is not None else "crisis_id is null"
        rows = self.store.db.execute(
            f"select {COLUMNS} from feeds where {where} and active = 1 order by id",
            [crisis_id] if crisis_id is not None else [],
        )
        return [Feed(*row) for row in rows]

    def get(self, feed_id: int) -> Feed | None:
        row = self.store.db.execute(f"select {COLUMNS} from feeds where id = ?", [feed_id]).fetchone()
        return Feed(*row) if row else None

    def replace(self, crisis_id: int | None, urls: list[str], *, now: int) -> None:
        """Make these the scope's feeds: new ones are polled at once, dropped ones stop, ones
        kept keep their state (their ETag, their back-off)."""
        scope = crisis_id or 0
        with self.store.write() as db:
            db.execute("update feeds set active = 0 where coalesce(crisis_id, 0) = ?", [scope])
            for url in urls:
                updated = db.execute(
                    "update feeds set active = 1 where coalesce(crisis_id, 0) = ? and url = ?", [scope, url]
                ).rowcount
                if not updated:
                    db.execute(
                        "insert into feeds (crisis_id, url, next_poll_at, failures, active) values (?, ?, ?, 0, 1)",
                        [crisis_id, url, now],
                    )

    def claim_due(self, *, now: int, lease_seconds: int, limit: int) -> list[Feed]:
        """Feeds due for a poll (of the brand watch or of an open crisis), each claimed for
        `lease_seconds` so no other process polls it meanwhile."""
        claimed = []
        with self.store.write() as db:
            rows = db.execute(
                f"""select {COLUMNS} from feeds f
                    where f.active = 1 and f.next_poll_at <= ?
                      and (f.crisis_id is null or exists (select 1 from crises c where c.id = f.crisis_id and c.status = 'open'))
                    order by f.next_poll_at limit ?""",
                [now, limit],
            ).fetchall()
            for row in rows:
                feed = Feed(*row)
                db.execute(
                    "update feeds set next_poll_at = ? where id = ? and next_poll_at = ?",
                    [now + lease_seconds, feed.id, feed.next_poll_at],
                )
                claimed.append(feed)
        return claimed

    def polled(self, feed_id: int, *, etag: str | None, last_modified: str | None, next_poll_at: int, now: int) -> None:
        """A poll succeeded (200 or 304): remember the validators, clear the failures."""
        with self.store.write() as db:
            db.execute(
                """update feeds set etag = ?, last_modified = ?, next_poll_at = ?, failures = 0,
                       failing_since = null, last_error = null, last_ok_at = ? where id = ?""",
                [etag, last_modified, next_poll_at, now, feed_id],
            )

    def failed(self, feed_id: int, *, error: str, next_poll_at: int, now: int) -> Feed | None:
        """A poll failed: count it, back off, and remember since when it has been failing."""
        with self.store.write() as db:
            db.execute(
                """update feeds set failures = failures + 1, failing_since = coalesce(failing_since, ?),
                       last_error = ?, next_poll_at = ? where id = ?""",
                [now, error, next_poll_at, feed_id],
            )
        return self.get(feed_id)

    def broken_since(self, before: int) -> list[Feed]:
        """Active feeds failing since before `before` (of the watch or of an open crisis)."""
        rows = self.store.db.execute(
            f"""select {COLUMNS} from feeds f where f.active = 1 and f.failing_since < ?
                  and (f.crisis_id is null or exists (select 1 from crises c where c.id = f.crisis_id and c.status = 'open'))""",
            [before],
        )
        return [Feed(*row) for row in rows]
