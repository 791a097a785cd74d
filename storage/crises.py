"""Crises, their participants and the progress of their war-room set-up."""

from __future__ import annotations

import json
from typing import Any, Iterable

from bot.model import (
    Category,
    Crisis,
    NewCrisis,
    Platform,
    Role,
    SetupState,
    Severity,
    Status,
    Step,
    StepState,
)
from storage.database import Store
from storage.timeline import record_event


class CrisisRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def create(
        self,
        new: NewCrisis,
        *,
        request_key: str,
        at: int,
        origin_channel_id: str | None = None,
        response_url: str | None = None,
    ) -> tuple[Crisis, bool]:
        """Store a new crisis with its participants, checklist and first timeline event.

        `request_key` identifies the submission; storing the same key twice returns the
        crisis stored the first time and False, so a retried submission opens nothing new.
        """
        with self.store.write() as db:
            existing = self._by("request_key", request_key)
            if existing is not None:
                return existing, False
            crisis_id = db["crises"].insert(
                {
                    "request_key": request_key,
                    "title": new.title,
                    "description": new.description,
                    "link": new.link,
                    "platform": new.platform.value if new.platform else None,
                    "category": new.category.value,
                    "severity": new.severity.value,
                    "language": new.language,
                    "customer_handle": new.customer_handle,
                    "owner_id": new.owner_id,
                    "opener_id": new.opener_id,
                    "is_private": int(new.is_private),
                    "status": Status.OPEN.value,
                    "origin_channel_id": origin_channel_id,
                    "response_url": response_url,
                    "opened_at": at,
                    "setup_state": SetupState.PENDING.value,
                }
            ).last_pk
            db["participants"].insert_all(
                [{"crisis_id": crisis_id, "user_id": new.opener_id, "role": Role.OPENER.value}]
                + [{"crisis_id": crisis_id, "user_id": new.owner_id, "role": Role.OWNER.value}]
                + [{"crisis_id": crisis_id, "user_id": u, "role": Role.RESPONDER.value} for u in new.responders],
                ignore=True,
            )
            db["steps"].insert_all(
                {"crisis_id": crisis_id, "step": int(step), "state": StepState.PENDING.value, "version": 0}
                for step in Step
            )
            record_event(db, crisis_id, at=at, actor=new.opener_id, kind="opened", detail={"owner": new.owner_id})
            crisis = self._by("id", crisis_id)
        assert crisis is not None
        return crisis, True

    def get(self, crisis_id: int) -> Crisis | None:
        return self._by("id", crisis_id)

    def by_channel(self, channel_id: str) -> Crisis | None:
        """The crisis whose war room is this channel, if any."""
        return self._by("channel_id", channel_id)

    def open_crises(self) -> list[Crisis]:
        """Open crises, most severe first, then oldest first."""
        rows = self.store.db["crises"].rows_where("status = ?", [Status.OPEN.value], order_by="opened_at, id")
        crises = [self._crisis(row) for row in rows]
        return sorted(crises, key=lambda c: (c.severity.rank, c.opened_at, c.id))

    def unfinished_setups(self, *, opener_id: str | None = None, now: int) -> list[Crisis]:
        """Open crises whose war room is not fully set up and that nobody is working on now."""
        where = "status = ? and setup_state != ? and (lease_until is null or lease_until < ?)"
        params: list[Any] = [Status.OPEN.value, SetupState.DONE.value, now]
        if opener_id is not None:
            where += " and opener_id = ?"
            params.append(opener_id)
        return [self._crisis(r) for r in self.store.db["crises"].rows_where(where, params, order_by="id")]

    def participants(self, crisis_id: int) -> set[str]:
        rows = self.store.db["participants"].rows_where("crisis_id = ?", [crisis_id], select="user_id")
        return {row["user_id"] for row in rows}

    # War-room set-up: a lease so one worker at a time runs it, and a record of finished tasks
    # so that running it again only does what is left.

    def claim_setup(self, crisis_id: int, *, now: int, lease_seconds: int) -> bool:
        """Take the set-up lease if it is free or expired; False if another worker holds it."""
        with self.store.write() as db:
            cursor = db.execute(
                "update crises set lease_until = ? where id = ? and (lease_until is null or lease_until < ?)",
                [now + lease_seconds, crisis_id, now],
            )
            return cursor.rowcount == 1

    def renew_setup(self, crisis_id: int, *, until: int) -> None:
        """Extend the lease held by the worker running the set-up (after each finished task)."""
        with self.store.write() as db:
            db["crises"].update(crisis_id, {"lease_until": until})

    def release_setup(self, crisis_id: int, *, state: SetupState, error: str | None) -> None:
        with self.store.write() as db:
            db["crises"].update(
                crisis_id, {"lease_until": None, "setup_state": state.value, "setup_error": error}
            )

    def tasks_done(self, crisis_id: int) -> dict[str, dict]:
        """Finished set-up tasks, each with the details it stored (ids, failed invitees...)."""
        rows = self.store.db["setup_tasks"].rows_where("crisis_id = ?", [crisis_id])
        return {row["task"]: json.loads(row["detail"] or "{}") for row in rows}

    def task_done(self, crisis_id: int, task: str, *, at: int, detail: dict | None = None, **columns: Any) -> None:
        """Record a finished set-up task, and in the same transaction any crisis columns it
        produced (the channel id, a message ts), so a crash never leaves one without the other."""
        with self.store.write() as db:
            if columns:
                db["crises"].update(crisis_id, columns)
            db["setup_tasks"].upsert(
                {"crisis_id": crisis_id, "task": task, "done_at": at, "detail": json.dumps(detail or {})},
                pk=("crisis_id", "task"),
            )

    def plan_channel_name(self, crisis_id: int, name: str) -> None:
        """Remember the channel name about to be created, before asking Slack for it."""
        with self.store.write() as db:
            db["crises"].update(crisis_id, {"channel_name": name})

    def set_owner(self, crisis_id: int, new_owner: str, *, actor: str, at: int) -> Crisis | None:
        """Hand ownership over; returns the updated crisis, or None if it was already theirs."""
        with self.store.write() as db:
            crisis = self._by("id", crisis_id)
            if crisis is None or crisis.owner_id == new_owner:
                return None
            db["crises"].update(crisis_id, {"owner_id": new_owner})
            db["participants"].insert(
                {"crisis_id": crisis_id, "user_id": new_owner, "role": Role.OWNER.value}, ignore=True
            )
            record_event(
                db, crisis_id, at=at, actor=actor, kind="owner_changed", detail={"old": crisis.owner_id, "new": new_owner}
            )
            return self._by("id", crisis_id)

    def _by(self, column: str, value: Any) -> Crisis | None:
        rows = list(self.store.db["crises"].rows_where(f"{column} = ?", [value], limit=1))
        return self._crisis(rows[0]) if rows else None

    def _crisis(self, row: dict) -> Crisis:
        responders = tuple(
            r["user_id"]
            for r in self.store.db["participants"].rows_where(
                "crisis_id = ? and role = ?", [row["id"], Role.RESPONDER.value], order_by="rowid"
            )
        )
        return crisis_from_row(row, responders)


def crisis_from_row(row: dict, responders: Iterable[str] = ()) -> Crisis:
    return Crisis(
        id=row["id"],
        title=row["title"],
        category=Category(row["category"]),
        severity=Severity(row["severity"]),
        owner_id=row["owner_id"],
        opener_id=row["opener_id"],
        status=Status(row["status"]),
        opened_at=row["opened_at"],
        description=row["description"] or "",
        link=row["link"] or "",
        platform=Platform(row["platform"]) if row["platform"] else None,
        language=row["language"],
        customer_handle=row["customer_handle"] or "",
        is_private=bool(row["is_private"]),
        channel_id=row["channel_id"],
        channel_name=row["channel_name"],
        header_ts=row["header_ts"],
        checklist_ts=row["checklist_ts"],
        origin_channel_id=row["origin_channel_id"],
        response_url=row["response_url"],
        closed_at=row["closed_at"],
        setup_state=SetupState(row["setup_state"]),
        setup_error=row["setup_error"],
        responders=tuple(responders),
    )
