"""The four-step checklist of each crisis."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.model import Status, Step, StepState, StepStatus
from storage.database import Store
from storage.inbox import settle
from storage.outbox import Posts, enqueue
from storage.timeline import record_event


@dataclass(frozen=True)
class StepChange:
    """A stored change, and whether the whole checklist was settled before and after it. Changes
    are serialised by the transaction, so exactly one change completes (or un-completes) it."""

    status: StepStatus
    all_settled_before: bool
    all_settled_after: bool
    event_id: int  # the change on the timeline
    channel: str | None  # the war room, if it exists yet
    posts: tuple[str, ...] = ()  # outbox keys of the posts enqueued with it


class StepRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def of(self, crisis_id: int) -> list[StepStatus]:
        """The four steps of a crisis, in order."""
        rows = self.store.rows("select * from steps where crisis_id = ? order by step", [crisis_id])
        return [_status(row) for row in rows]

    def version(self, crisis_id: int) -> int:
        """Grows with every change to any step: a rendered checklist is current while it holds."""
        return (
            self.store.db.execute("select sum(version) from steps where crisis_id = ?", [crisis_id]).fetchone()[0] or 0
        )

    def change(
        self,
        crisis_id: int,
        step: Step,
        *,
        expect: frozenset[StepState],
        to: StepState,
        actor: str,
        at: int,
        reason: str | None = None,
        posts: Callable[[StepChange], Posts] = lambda change: (),
        request: str | None = None,
    ) -> StepChange | None:
        """Move a step to `to` if the crisis is open and the step is in one of the `expect`ed
        states, recording the change on the timeline in the same transaction, and enqueue in
        it the posts that `posts` says the change calls for; the `request` that asked for it
        (storage.inbox) is settled with it. Returns the change, or None when someone else
        changed it first (or the crisis was closed): two clicks at the same moment make exactly
        one change."""
        settled = "select count(*) = 4 from steps where crisis_id = ? and state != 'pending'"
        with self.store.write() as db:
            row = db.execute(
                """select s.state from steps s join crises c on c.id = s.crisis_id
                   where s.crisis_id = ? and s.step = ? and c.status = ?""",
                [crisis_id, int(step), Status.OPEN.value],
            ).fetchone()
            if row is None or StepState(row[0]) not in expect:
                return None
            if request:
                settle(db, request, now=at)
            before = bool(db.execute(settled, [crisis_id]).fetchone()[0])
            db.execute(
                """update steps set state = ?, reason = ?, changed_by = ?, changed_at = ?, version = version + 1
                   where crisis_id = ? and step = ?""",
                [to.value, reason, actor, at, crisis_id, int(step)],
            )
            event_id = record_event(
                db,
                crisis_id,
                at=at,
                actor=actor,
                kind="step_changed",
                detail={"step": int(step), "old": row[0], "new": to.value, "reason": reason},
            )
            updated = db.execute("select * from steps where crisis_id = ? and step = ?", [crisis_id, int(step)])
            status = _status(dict(zip([d[0] for d in updated.description], updated.fetchone(), strict=True)))
            after = bool(db.execute(settled, [crisis_id]).fetchone()[0])
            channel = db.execute("select channel_id from crises where id = ?", [crisis_id]).fetchone()[0]
            change = StepChange(status, before, after, event_id, channel)
            called_for = posts(change)
            for key, where in called_for:
                enqueue(db, key, where, now=at)
            return replace(change, posts=tuple(key for key, _ in called_for))


def _status(row: dict) -> StepStatus:
    return StepStatus(
        step=Step(row["step"]),
        state=StepState(row["state"]),
        version=row["version"],
        changed_by=row["changed_by"],
        changed_at=row["changed_at"],
        reason=row["reason"],
    )
