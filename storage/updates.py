"""Stakeholder updates, the cards that show them, where each went, and who follows a crisis."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.model import NewUpdate, NextUpdate, Status, Update, UpdateCard
from storage.database import Store
from storage.inbox import settle
from storage.outbox import Posts, enqueue
from storage.timeline import record_event


@dataclass(frozen=True)
class UpdatePost:
    """One place an update went: a reply in a card's thread, or (no card) a follower's DM."""

    id: int
    update_id: int
    card_id: int | None
    channel: str  # the card's channel, or the follower's user id


@dataclass(frozen=True)
class UpdateStored:
    """What storing an update created, for deciding what it publishes."""

    update_id: int
    new_cards: tuple[tuple[int, str], ...]  # (card id, channel): cards to post
    posts: tuple[UpdatePost, ...]


@dataclass(frozen=True)
class Stored:
    update: Update
    created: bool  # False: the same request was stored before


@dataclass(frozen=True)
class Audience:
    """Where an update goes, as decided by bot.rules.updates."""

    room: str | None  # the war room, for its pinned card
    channels: tuple[str, ...]  # stakeholder channels, each with its card
    people: tuple[str, ...]  # followers, by DM


@dataclass(frozen=True)
class OpenPromise:
    """An open crisis's latest update, for the reminders and the overdue mentions."""

    crisis_id: int
    owner_id: str
    channel_id: str
    update: Update


class UpdateRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def create(
        self,
        crisis_id: int,
        new: NewUpdate,
        audience: Audience,
        *,
        author: str,
        at: int,
        request_key: str,
        closure_id: int | None = None,
        posts: Callable[[UpdateStored], Posts] = lambda stored: (),
    ) -> Stored:
        """Store an update with where it goes (a card per channel, created on first use; a post
        per card and per follower), record it on the timeline and enqueue, in the same
        transaction, the posts `posts` says it calls for. The same `request_key` returns the
        update stored the first time, so a resent form stores one."""
        with self.store.write() as db:
            existing = self.by_request(request_key)
            if existing is not None:
                return Stored(existing, created=False)
            number = db.execute(
                "select coalesce(max(number), 0) + 1 from updates where crisis_id = ?", [crisis_id]
            ).fetchone()[0]
            update_id = db.execute(
                """insert into updates (crisis_id, number, request_key, author_id, at, status, known, doing, need,
                       next, next_due, notify_everyone, closure_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    crisis_id,
                    number,
                    request_key,
                    author,
                    at,
                    new.status,
                    new.known,
                    new.doing,
                    new.need,
                    new.next.value,
                    new.next_due,
                    int(new.notify_everyone),
                    closure_id,
                ],
            ).lastrowid
            places = ([(audience.room, 1)] if audience.room else []) + [(c, 0) for c in audience.channels]
            new_cards = []
            made = []
            for channel, room in places:
                inserted = db.execute(
                    "insert or ignore into update_cards (crisis_id, channel_id, room) values (?, ?, ?)",
                    [crisis_id, channel, room],
                ).rowcount
                card_id = db.execute(
                    "select id from update_cards where crisis_id = ? and channel_id = ?", [crisis_id, channel]
                ).fetchone()[0]
                if inserted:
                    new_cards.append((card_id, channel))
                made.append((card_id, channel))
            made += [(None, person) for person in audience.people]
            db.conn.executemany(
                "insert into update_posts (update_id, card_id, channel) values (?, ?, ?)",
                [(update_id, card, channel) for card, channel in made],
            )
            rows = db.execute(
                "select id, card_id, channel from update_posts where update_id = ? order by id", [update_id]
            )
            stored = UpdateStored(
                update_id, tuple(new_cards), tuple(UpdatePost(r[0], update_id, r[1], r[2]) for r in rows)
            )
            for key, where in posts(stored):
                enqueue(db, key, where, now=at)
            record_event(
                db,
                crisis_id,
                at=at,
                actor=author,
                kind="update_posted",
                detail={
                    "update": update_id,
                    "number": number,
                    "status": new.status,
                    "next": new.next.value,
                    "next_due": new.next_due,
                    "notify_everyone": new.notify_everyone,
                    "final": closure_id is not None,
                    "channels": len(audience.channels),
                    "followers": len(audience.people),
                },
            )
            update = self.get(update_id)
        assert update is not None
        return Stored(update, created=True)

    def get(self, update_id: int) -> Update | None:
        return self._one("id = ?", [update_id])

    def by_request(self, request_key: str) -> Update | None:
        return self._one("request_key = ?", [request_key])

    def latest(self, crisis_id: int, *, typed: bool = False) -> Update | None:
        """The crisis's latest update; with `typed`, the latest one a person wrote (not a final one)."""
        return self._one(
            "crisis_id = ?" + (" and closure_id is null" if typed else ""), [crisis_id], order_by="number desc"
        )

    def of(self, crisis_id: int) -> list[Update]:
        rows = self.store.db["updates"].rows_where("crisis_id = ?", [crisis_id], order_by="number")
        return [_update(row) for row in rows]

    def latest_of(self, crisis_ids: Iterable[int]) -> dict[int, Update]:
        """The latest update of each of these crises that has one."""
        ids = list(crisis_ids)
        found: dict[int, Update] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self.store.rows(
                f"""select u.* from updates u where u.crisis_id in ({",".join("?" * len(chunk))})
                      and u.number = (select max(number) from updates where crisis_id = u.crisis_id)""",
                chunk,
            )
            found.update({row["crisis_id"]: _update(row) for row in rows})
        return found

    def open_promises(self) -> list[OpenPromise]:
        """Every open crisis with a war room whose latest update promises a next one."""
        rows = self.store.rows(
            """select u.*, c.owner_id as crisis_owner, c.channel_id as crisis_channel
               from updates u join crises c on c.id = u.crisis_id
               where c.status = ? and c.channel_id is not null and u.next_due is not null and u.closure_id is null
                 and u.number = (select max(number) from updates where crisis_id = u.crisis_id)""",
            [Status.OPEN.value],
        )
        return [OpenPromise(row["crisis_id"], row["crisis_owner"], row["crisis_channel"], _update(row)) for row in rows]

    def final_of(self, closure_id: int) -> Update | None:
        return self._one("closure_id = ?", [closure_id])

    def closings_without_final(self, *, since: int) -> list[int]:
        """Closures since `since` of crises still closed that have no final update yet."""
        rows = self.store.db.execute(
            """select cl.id from closures cl join crises c on c.id = cl.crisis_id
               where c.status = ? and cl.closed_at >= ?
                 and cl.id = (select max(id) from closures where crisis_id = c.id)
                 and not exists (select 1 from updates u where u.closure_id = cl.id)""",
            [Status.CLOSED.value, since],
        )
        return [row[0] for row in rows]

    # Cards and posts

    def card(self, card_id: int) -> UpdateCard | None:
        rows = list(self.store.db["update_cards"].rows_where("id = ?", [card_id]))
        return _card(rows[0]) if rows else None

    def cards(self, crisis_id: int) -> list[UpdateCard]:
        rows = self.store.db["update_cards"].rows_where("crisis_id = ?", [crisis_id], order_by="id")
        return [_card(row) for row in rows]

    def unsettled_cards(self, *, quiet_since: int, closed_since: int) -> list[UpdateCard]:
        """Cards with something left to do, of crises open (or closed since `closed_since`):
        not known to be posted nor failed, posted in the war room but not pinned, failed but not
        reported, or showing an older update than the latest one if that is older than
        `quiet_since` (a younger one may still be on its way). A war room's card counts only
        while it is the crisis's war room (a reopened crisis may have moved on to a new one)."""
        rows = self.store.rows(
            """select k.* from update_cards k join crises c on c.id = k.crisis_id
               join updates u on u.crisis_id = k.crisis_id
                 and u.number = (select max(number) from updates where crisis_id = k.crisis_id)
               where (c.status = 'open' or c.closed_at >= ?) and u.at < ?
                 and (k.room = 0 or k.channel_id = c.channel_id)
                 and ((k.ts is null and k.error is null) or (k.room = 1 and k.ts is not null and k.pinned = 0)
                      or (k.error is not null and k.reported = 0)
                      or (k.ts is not null and coalesce(k.shown_update, 0) != u.id))""",
            [closed_since, quiet_since],
        )
        return [_card(row) for row in rows]

    def first_for_card(self, card_id: int) -> Update | None:
        """The update that first reached a card's channel: what its first message shows."""
        return self._one("id = (select min(update_id) from update_posts where card_id = ?)", [card_id])

    def card_posted(self, card_id: int, ts: str, *, showing: int) -> None:
        with self.store.write() as db:
            db.execute("update update_cards set ts = ?, shown_update = ? where id = ?", [ts, showing, card_id])

    def card_failed(self, card_id: int, error: str) -> None:
        with self.store.write() as db:
            db.execute("update update_cards set error = ? where id = ?", [error, card_id])

    def card_reported(self, card_id: int) -> None:
        with self.store.write() as db:
            db.execute("update update_cards set reported = 1 where id = ?", [card_id])

    def shown(self, card_id: int, update_id: int) -> None:
        """Remember which update the card's message shows (or will show, once posted)."""
        with self.store.write() as db:
            db.execute("update update_cards set shown_update = ? where id = ?", [update_id, card_id])

    def pinned(self, card_id: int) -> None:
        with self.store.write() as db:
            db.execute("update update_cards set pinned = 1 where id = ?", [card_id])

    def post(self, post_id: int) -> UpdatePost | None:
        row = self.store.db.execute(
            "select id, update_id, card_id, channel from update_posts where id = ?", [post_id]
        ).fetchone()
        return UpdatePost(*row) if row else None

    def posts(self, update_id: int) -> list[UpdatePost]:
        rows = self.store.db.execute(
            "select id, update_id, card_id, channel from update_posts where update_id = ? order by id", [update_id]
        )
        return [UpdatePost(*row) for row in rows]

    # What the header says

    def promise_renders(self, *, quiet_since: int) -> list[tuple[int, str | None, Update | None]]:
        """For each open crisis with a header: what its header last said about the promise, and
        its latest update (None before the first), if nothing changed since `quiet_since`."""
        rows = self.store.rows(
            """select c.id as crisis, c.rendered_promise as shown, u.* from crises c
               left join updates u on u.crisis_id = c.id
                 and u.number = (select max(number) from updates where crisis_id = c.id)
               where c.status = 'open' and c.header_ts is not null and coalesce(u.at, 0) < ?""",
            [quiet_since],
        )
        return [(row["crisis"], row["shown"], _update(row) if row["id"] else None) for row in rows]

    def rendered_promise(self, crisis_id: int, shown: str) -> None:
        with self.store.write() as db:
            db.execute("update crises set rendered_promise = ? where id = ?", [shown, crisis_id])

    def _one(self, where: str, params: list, order_by: str | None = None) -> Update | None:
        order = f" order by {order_by}" if order_by else ""
        rows = self.store.rows(f"select * from updates where {where}{order} limit 1", params)
        return _update(rows[0]) if rows else None


class FollowerRepository:
    """Who chose to follow or unfollow a crisis (the defaults are bot.rules.updates')."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def choose(
        self, crisis_id: int, user_id: str, *, following: bool, at: int, request: str | None = None
    ) -> bool | None:
        """Record that `user_id` follows (or unfollows) the crisis, settling the `request` that
        asked for it (storage.inbox); returns their previous explicit choice (None when they had
        made none)."""
        with self.store.write() as db:
            if request:
                settle(db, request, now=at)
            row = db.execute(
                "select following from followers where crisis_id = ? and user_id = ?", [crisis_id, user_id]
            ).fetchone()
            db.execute(
                "insert or replace into followers (crisis_id, user_id, following, at) values (?, ?, ?, ?)",
                [crisis_id, user_id, int(following), at],
            )
            return bool(row[0]) if row else None

    def choices(self, crisis_id: int) -> dict[str, bool]:
        rows = self.store.db.execute("select user_id, following from followers where crisis_id = ?", [crisis_id])
        return {user: bool(following) for user, following in rows}


def _update(row: dict) -> Update:
    return Update(
        id=row["id"],
        crisis_id=row["crisis_id"],
        number=row["number"],
        author_id=row["author_id"],
        at=row["at"],
        status=row["status"],
        known=row["known"] or "",
        doing=row["doing"] or "",
        need=row["need"] or "",
        next=NextUpdate(row["next"]),
        next_due=row["next_due"],
        notify_everyone=bool(row["notify_everyone"]),
        closure_id=row["closure_id"],
    )


def _card(row: dict) -> UpdateCard:
    return UpdateCard(
        id=row["id"],
        crisis_id=row["crisis_id"],
        channel_id=row["channel_id"],
        room=bool(row["room"]),
        ts=row["ts"],
        shown_update=row["shown_update"],
        pinned=bool(row["pinned"]),
        error=row["error"],
        reported=bool(row["reported"]),
    )
