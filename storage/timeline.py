"""The append-only timeline of every crisis: who did what, when, with old and new values.

Summaries, exports and the digest are derived from it; nothing ever updates or deletes a row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from storage.database import Store


@dataclass(frozen=True)
class Event:
    id: int
    crisis_id: int
    at: int
    actor: str | None
    kind: str
    detail: dict[str, Any]


def record_event(
    db: Database, crisis_id: int, *, at: int, actor: str | None, kind: str, detail: dict[str, Any] | None = None
) -> int:
    """Append one event; call it inside the transaction that made the change it records.
    Returns its id."""
    return db.execute(
        "insert into events (crisis_id, at, actor, kind, detail) values (?, ?, ?, ?, ?)",
        [crisis_id, at, actor, kind, json.dumps(detail or {})],
    ).lastrowid


class Timeline:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(
        self, crisis_id: int, *, at: int, actor: str | None, kind: str, detail: dict[str, Any] | None = None
    ) -> None:
        with self.store.write() as db:
            record_event(db, crisis_id, at=at, actor=actor, kind=kind, detail=detail)

    def event(self, event_id: int) -> Event | None:
        rows = list(self.store.db["events"].rows_where("id = ?", [event_id]))
        return _event(rows[0]) if rows else None

    def events(self, crisis_id: int) -> list[Event]:
        rows = self.store.db["events"].rows_where("crisis_id = ?", [crisis_id], order_by="id")
        return [_event(row) for row in rows]


def _event(row: dict) -> Event:
    return Event(row["id"], row["crisis_id"], row["at"], row["actor"], row["kind"], json.loads(row["detail"] or "{}"))
