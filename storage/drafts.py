"""Drafted replies and the decisions on them."""

from __future__ import annotations

from collections.abc import Callable

from bot.model import Draft, DraftState
from storage.database import Store
from storage.inbox import settle
from storage.outbox import Posts, enqueue
from storage.timeline import record_event


class DraftRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def create(
        self, crisis_id: int, *, kind: str, language: str, text: str, author: str, at: int, request: str | None = None
    ) -> Draft:
        """Store a draft, settling the `request` (storage.inbox) that submitted it."""
        with self.store.write() as db:
            if request:
                settle(db, request, now=at)
            draft_id = db.execute(
                """insert into drafts (crisis_id, kind, language, text, author_id, state, created_at)
                   values (?, ?, ?, ?, ?, ?, ?)""",
                [crisis_id, kind, language, text, author, DraftState.PENDING.value, at],
            ).lastrowid
            record_event(
                db,
                crisis_id,
                at=at,
                actor=author,
                kind="reply_drafted",
                detail={"draft": draft_id, "kind": kind, "language": language},
            )
        draft = self.get(draft_id)
        assert draft is not None
        return draft

    def get(self, draft_id: int) -> Draft | None:
        rows = list(self.store.db["drafts"].rows_where("id = ?", [draft_id]))
        if not rows:
            return None
        row = rows[0]
        return Draft(**{**row, "state": DraftState(row["state"])})

    def for_crisis(self, crisis_id: int) -> list[Draft]:
        rows = self.store.db["drafts"].rows_where("crisis_id = ?", [crisis_id], order_by="id")
        return [Draft(**{**row, "state": DraftState(row["state"])}) for row in rows]

    def posted(self, draft_id: int, *, channel_id: str, ts: str) -> None:
        with self.store.write() as db:
            db.execute("update drafts set channel_id = ?, message_ts = ? where id = ?", [channel_id, ts, draft_id])

    def decide(
        self,
        draft_id: int,
        to: DraftState,
        *,
        by: str,
        at: int,
        note: str | None = None,
        posts: Callable[[Draft], Posts] = lambda draft: (),
        request: str | None = None,
    ) -> Draft | None:
        """Approve a pending draft or ask for changes, recorded on the crisis's timeline with the
        posts `posts` says the decision calls for and settling the `request` that made it
        (storage.inbox). None when it was already decided (two approvers clicking at once make
        one decision)."""
        with self.store.write() as db:
            cursor = db.execute(
                "update drafts set state = ?, decided_by = ?, decided_at = ?, note = ? where id = ? and state = ?",
                [to.value, by, at, note, draft_id, DraftState.PENDING.value],
            )
            if cursor.rowcount != 1:
                return None
            if request:
                settle(db, request, now=at)
            draft = self.get(draft_id)
            assert draft is not None
            for key, where in posts(draft):
                enqueue(db, key, where, now=at)
            kind = "reply_approved" if to is DraftState.APPROVED else "reply_changes_requested"
            record_event(
                db,
                draft.crisis_id,
                at=at,
                actor=by,
                kind=kind,
                detail={
                    "draft": draft.id,
                    "author": draft.author_id,
                    "template": f"{draft.language}/{draft.kind}",
                    "kind": draft.kind,
                    "language": draft.language,
                    "note": note,
                },
            )
            return draft
