"""Mentions of the brand and of each crisis, counted from stored rows only.

Each item is stored once per scope (the brand watch, or a crisis) under the key it has at its
source; `insert or ignore` on that unique key is what keeps a restart, a retried webhook or a
second bot process from counting an item twice. A count a tool reports for a window is one
row whose weight is the count; reporting the same window again replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.model import Mention, Platform, Source
from storage.database import Store

CHUNK = 500
HOUR = 3600  # the size of the hours storage.schema's mention_hours keeps


@dataclass(frozen=True)
class Bucket:
    """How many mentions from one source and platform fell in one time bucket."""

    start: int
    source: Source
    platform: Platform
    total: int


class MentionRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, mentions: Iterable[Mention]) -> int:
        """Store mentions not stored yet (counts replace the count of the same window);
        returns how many were new."""
        rows = [
            (m.scope, m.key, m.at, m.source.value, m.platform.value, m.author, m.text, m.link, m.weight)
            for m in mentions
        ]
        items, counts = [], []
        for row in rows:
            (items if row[8] == 1 and not row[1].startswith("count:") else counts).append(row)
        with self.store.write() as db:
            inserted = db.conn.executemany(
                "insert or ignore into mentions (scope, key, at, source, platform, author, text, link, weight)"
                " values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                items,
            )
            new = max(inserted.rowcount, 0)  # the rows inserted (not what the hours' triggers changed)
            for row in counts:
                cursor = db.execute(
                    "update mentions set at = ?, weight = ?, platform = ? where scope = ? and key = ?",
                    [row[2], row[8], row[4], row[0], row[1]],
                )
                if cursor.rowcount == 0:
                    db.execute(
                        "insert into mentions (scope, key, at, source, platform, author, text, link, weight)"
                        " values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        row,
                    )
                    new += 1
        return new

    def total(self, scope: int, since: int, until: int) -> int:
        """Mentions of a scope with `since <= at < until`: the whole hours between from
        `mention_hours`, the rows of the partial hours at either end themselves."""
        first, last = _whole_hours(since, until)
        row = self.store.db.execute(
            """select (select coalesce(sum(weight), 0) from mention_hours where scope = ? and hour >= ? and hour < ?)
                    + (select coalesce(sum(weight), 0) from mentions where scope = ? and at >= ? and at < ?)
                    + (select coalesce(sum(weight), 0) from mentions where scope = ? and at >= ? and at < ?)""",
            [scope, first, last, scope, since, first, scope, last, until],
        ).fetchone()
        return int(row[0])

    def per_hour(self, scope: int, since: int, until: int) -> dict[int, int]:
        """{hour start: mentions} for the hours (aligned on the epoch) with mentions, counting
        those with `since <= at < until`. Whole hours come from `mention_hours`; the rows of
        the partial hours at either end are read themselves."""
        first, last = _whole_hours(since, until)
        rows = self.store.db.execute(
            """select hour, weight from mention_hours where scope = ? and hour >= ? and hour < ? and items > 0
               union all
               select (at / 3600) * 3600, sum(weight) from mentions where scope = ? and at >= ? and at < ? group by 1
               union all
               select (at / 3600) * 3600, sum(weight) from mentions where scope = ? and at >= ? and at < ? group by 1""",
            [scope, first, last, scope, since, first, scope, last, until],
        )
        hours: dict[int, int] = {}
        for start, total in rows:
            hours[int(start)] = hours.get(int(start), 0) + int(total)
        return hours

    def buckets(self, scope: int, since: int, until: int, size: int) -> list[Bucket]:
        """Mentions per bucket of `size` seconds, per source and platform: what the chart draws."""
        rows = self.store.db.execute(
            """select (at / ?) * ?, source, coalesce(platform, 'other'), sum(weight) from mentions
               where scope = ? and at >= ? and at < ? group by 1, 2, 3 order by 1""",
            [size, size, scope, since, until],
        )
        return [
            Bucket(int(start), Source(source), Platform(platform), int(total))
            for start, source, platform, total in rows
        ]

    def span(self, scope: int) -> tuple[int, int] | None:
        """The first and last time a mention of this scope was counted at."""
        row = self.store.db.execute("select min(at), max(at) from mentions where scope = ?", [scope]).fetchone()
        return (int(row[0]), int(row[1])) if row[0] is not None else None

    def latest_links(self, scope: int, limit: int) -> list[Mention]:
        """The latest mentions that have a link, newest first."""
        rows = self.store.db.execute(
            """select scope, key, at, source, platform, author, text, link, weight from mentions
               where scope = ? and link != '' order by at desc, id desc limit ?""",
            [scope, limit],
        )
        return [_mention(row) for row in rows]

    def top_authors(self, scope: int, since: int, limit: int) -> list[tuple[str, int]]:
        """The authors with the most mentions since `since`, most active first."""
        rows = self.store.db.execute(
            """select author, count(*) from mentions where scope = ? and at >= ? and author != ''
               group by author order by count(*) desc, author limit ?""",
            [scope, since, limit],
        )
        return [(author, int(n)) for author, n in rows]

    def items_between(self, since: int, until: int, *, limit: int) -> list[Mention]:
        """Items (not counts) of any scope counted in a window, each key once: what a new
        crisis's keywords are matched against, so its war room starts with the rise that led
        to it and a baseline."""
        rows = self.store.db.execute(
            """select scope, key, at, source, platform, author, text, link, weight from mentions
               where at >= ? and at < ? and weight = 1 and key not like 'count:%'
               group by key order by at desc limit ?""",
            [since, until, limit],
        )
        return [_mention(row) for row in rows]

    def now_and_peak(self, *, since: int, now: int) -> dict[int, tuple[int, int]]:
        """For every scope with mentions since `since`: (mentions in the hour up to `now`, its
        busiest hour since `since`), in two queries whatever the number of scopes."""
        last = dict(
            self.store.db.execute(
                "select scope, sum(weight) from mentions where at >= ? and at <= ? group by scope", [now - 3600, now]
            ).fetchall()
        )
        peaks = self.store.db.execute(
            """select scope, max(n) from (select scope, sum(weight) as n from mentions
               where at >= ? and at <= ? group by scope, at / 3600) group by scope""",
            [since, now],
        )
        return {int(scope): (int(last.get(scope, 0)), max(int(peak), int(last.get(scope, 0)))) for scope, peak in peaks}

    def overlap(self, scope: int, other: int, since: int, until: int) -> int:
        """How many mentions of `scope` in the window were also counted for `other`."""
        row = self.store.db.execute(
            """select count(*) from mentions a join mentions b on b.key = a.key and b.scope = ?
               where a.scope = ? and a.at >= ? and a.at < ?""",
            [other, scope, since, until],
        ).fetchone()
        return int(row[0])


def _whole_hours(since: int, until: int) -> tuple[int, int]:
    """The whole hours [first, last) inside [since, until), or (since, since) when there are none.
    (Two ranges, not one `or`: SQLite reads a range of the index for each, and for an `or` the
    whole scope.)"""
    first, last = -(-since // HOUR) * HOUR, until // HOUR * HOUR
    return (first, last) if first < last else (since, since)


def _mention(row: tuple) -> Mention:
    scope, key, at, source, platform, author, text, link, weight = row
    return Mention(
        scope, key, at, Source(source), Platform(platform or "other"), author or "", text or "", link or "", weight
    )
