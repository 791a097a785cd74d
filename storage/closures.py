"""Closing and reopening crises, their follow-up actions, and the lessons library."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.model import Closure, FollowUp, FollowUpState, Role, Status
from storage.database import Store
from storage.inbox import settle
from storage.outbox import Posts, enqueue
from storage.timeline import record_event


@dataclass(frozen=True)
class ClosureInput:
    lessons: str
    root_cause: str
    goodwill: str
    force_reason: str
    archive: bool
    followups: tuple[tuple[str, str], ...]  # (what, owner user id)
    search_text: str


@dataclass(frozen=True)
class ClosureFacts:
    """What a closing stored, for deciding what it publishes."""

    closure_id: int
    channel: str | None  # the war room
    followups: tuple[tuple[int, str], ...]  # (follow-up id, owner user id)


@dataclass(frozen=True)
class ReopenFacts:
    event_id: int
    channel: str | None  # the war room


class ClosureRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def close(
        self,
        crisis_id: int,
        closing: ClosureInput,
        *,
        by: str,
        at: int,
        posts: Callable[[ClosureFacts], Posts] = lambda facts: (),
    ) -> Closure | None:
        """Close an open crisis with everything learnt and enqueue, in the same transaction, the
        posts `posts` says the closing calls for. None when it was not open (already closed by
        someone else, or a resent submission)."""
        with self.store.write() as db:
            changed = db.execute(
                "update crises set status = ?, closed_at = ? where id = ? and status = ?",
                [Status.CLOSED.value, at, crisis_id, Status.OPEN.value],
            ).rowcount
            if changed != 1:
                return None
            closure_id = db.execute(
                """insert into closures (crisis_id, closed_by, closed_at, lessons, root_cause, goodwill, force_reason,
                       archive, search_text) values (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    crisis_id,
                    by,
                    at,
                    closing.lessons,
                    closing.root_cause,
                    closing.goodwill,
                    closing.force_reason,
                    int(closing.archive),
                    closing.search_text,
                ],
            ).lastrowid
            channel = db.execute("select channel_id from crises where id = ?", [crisis_id]).fetchone()[0]
            followups = tuple(
                (
                    db.execute(
                        """insert into followups (crisis_id, closure_id, text, owner_id, state, created_at)
                           values (?, ?, ?, ?, ?, ?)""",
                        [crisis_id, closure_id, text, owner, FollowUpState.OPEN.value, at],
                    ).lastrowid,
                    owner,
                )
                for text, owner in closing.followups
            )
            for key, where in posts(ClosureFacts(closure_id, channel, followups)):
                enqueue(db, key, where, now=at)
            record_event(
                db,
                crisis_id,
                at=at,
                actor=by,
                kind="closed",
                detail={
                    "closure": closure_id,
                    "forced": bool(closing.force_reason),
                    "reason": closing.force_reason or None,
                },
            )
        closure = self.get(closure_id)
        assert closure is not None
        return closure

    def archived(self, closure_id: int, *, at: int) -> None:
        """The war room is archived: a reopening must bring it back (a bot cannot unarchive)."""
        with self.store.write() as db:
            db.execute("update closures set archived_at = ? where id = ?", [at, closure_id])
            db.execute(
                "update crises set archived_room = channel_id where id = (select crisis_id from closures where id = ?)",
                [closure_id],
            )

    def awaiting_archive(self) -> list[Closure]:
        """Closures that asked to archive the war room, not archived yet, of crises still closed."""
        rows = self.store.rows(
            """select cl.* from closures cl join crises c on c.id = cl.crisis_id
               where cl.archive = 1 and cl.archived_at is null and c.status = 'closed'
                 and cl.id = (select max(id) from closures where crisis_id = c.id)"""
        )
        return [_closure(row) for row in rows]

    def reopen(
        self,
        crisis_id: int,
        *,
        by: str,
        at: int,
        reason: str,
        response_url: str | None = None,
        posts: Callable[[ReopenFacts], Posts] = lambda f: (),
        request: str | None = None,
    ) -> bool:
        """Reopen a closed crisis, enqueueing in the same transaction what `posts` says the
        reopening publishes and settling the `request` that asked for it (storage.inbox);
        False when it was not closed. Its closures stay on record. The reopener joins the
        crisis and, like an opener, hears (at `response_url`) how its war room comes back."""
        with self.store.write() as db:
            changed = db.execute(
                """update crises set status = ?, closed_at = null, reopened_by = ?,
                       response_url = coalesce(?, response_url) where id = ? and status = ?""",
                [Status.OPEN.value, by, response_url, crisis_id, Status.CLOSED.value],
            ).rowcount
            if changed == 1:
                db.execute(
                    "insert or ignore into participants (crisis_id, user_id, role) values (?, ?, ?)",
                    [crisis_id, by, Role.MEMBER.value],
                )
                if request:
                    settle(db, request, now=at)
                event_id = record_event(db, crisis_id, at=at, actor=by, kind="reopened", detail={"reason": reason})
                channel = db.execute("select channel_id from crises where id = ?", [crisis_id]).fetchone()[0]
                for key, where in posts(ReopenFacts(event_id, channel)):
                    enqueue(db, key, where, now=at)
            return changed == 1

    def get(self, closure_id: int) -> Closure | None:
        rows = list(self.store.db["closures"].rows_where("id = ?", [closure_id]))
        return _closure(rows[0]) if rows else None

    def latest(self, crisis_id: int) -> Closure | None:
        rows = list(self.store.db["closures"].rows_where("crisis_id = ?", [crisis_id], order_by="id desc", limit=1))
        return _closure(rows[0]) if rows else None

    def search(self, words: str, *, any_term: bool, limit: int | None = None) -> Iterator[Closure]:
        """The closures that best match `words` (FTS5, ranked by bm25), most relevant first:
        containing all the words, or with `any_term` any of them. Words are quoted, so nobody's
        query is read as FTS syntax. Read lazily: the caller stops when it has enough."""
        quoted = ['"' + word.replace('"', '""') + '"' for word in words.split()]
        query = (" OR " if any_term else " ").join(quoted)
        return (_closure(row) for row in self.store.db["closures"].search(query, limit=limit))

    def latest_lessons(self, *, limit: int | None = None) -> Iterator[Closure]:
        """The latest closures first, read lazily."""
        rows = self.store.db["closures"].rows_where(order_by="closed_at desc, id desc", limit=limit)
        return (_closure(row) for row in rows)

    def of_category(self, category: str, *, excluding: int, limit: int) -> list[Closure]:
        """The latest closure of each recently closed crisis of this category."""
        rows = self.store.rows(
            """select cl.* from closures cl join crises c on c.id = cl.crisis_id
               where c.category = ? and c.id != ?
                 and cl.id = (select max(id) from closures where crisis_id = c.id)
               order by cl.closed_at desc, cl.id desc limit ?""",
            [category, excluding, limit],
        )
        return [_closure(row) for row in rows]

    # Follow-up actions

    def followups(self, crisis_id: int | None = None, *, state: FollowUpState | None = None) -> list[FollowUp]:
        where, params = [], []
        if crisis_id is not None:
            where.append("crisis_id = ?")
            params.append(crisis_id)
        if state is not None:
            where.append("state = ?")
            params.append(state.value)
        rows = self.store.db["followups"].rows_where(" and ".join(where) or None, params, order_by="id")
        return [_followup(row) for row in rows]

    def followup(self, followup_id: int) -> FollowUp | None:
        rows = list(self.store.db["followups"].rows_where("id = ?", [followup_id]))
        return _followup(rows[0]) if rows else None

    def finish_followup(self, followup_id: int, *, by: str, at: int, request: str | None = None) -> FollowUp | None:
        """Mark an open follow-up done, settling the `request` that asked for it (storage.inbox);
        None when it was already done."""
        with self.store.write() as db:
            changed = db.execute(
                "update followups set state = ?, done_by = ?, done_at = ? where id = ? and state = ?",
                [FollowUpState.DONE.value, by, at, followup_id, FollowUpState.OPEN.value],
            ).rowcount
            if changed != 1:
                return None
            if request:
                settle(db, request, now=at)
            followup = self.followup(followup_id)
            assert followup is not None
            record_event(
                db,
                followup.crisis_id,
                at=at,
                actor=by,
                kind="followup_done",
                detail={"followup": followup_id, "text": followup.text},
            )
            return followup


def _closure(row: dict) -> Closure:
    return Closure(
        id=row["id"],
        crisis_id=row["crisis_id"],
        closed_by=row["closed_by"],
        closed_at=row["closed_at"],
        lessons=row["lessons"],
        root_cause=row["root_cause"] or "",
        goodwill=row["goodwill"] or "",
        force_reason=row["force_reason"] or "",
        archive=bool(row["archive"]),
        archived_at=row.get("archived_at"),
    )


def _followup(row: dict) -> FollowUp:
    return FollowUp(**{**row, "state": FollowUpState(row["state"])})
