"""What people asked the bot to do, stored before Slack hears the acknowledgement.

A click, a command or a modal submission whose work runs after the ack is stored here first,
in the listener, so a process that dies right after acknowledging loses nothing: the
scheduler's sweep finds the request and carries it out. The transaction that stores what the
request changes also settles it (`settle`), so it is carried out once, however often it is
tried. A request is `pending`, `running` (claimed by a process) or `done`.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from storage.database import Store
from storage.liveness import alive, me

KEEP_SECONDS = 24 * 3600  # a request done a day ago is of no more use (what it changed is on the timeline)
PRUNE_CHANCE = 0.01


@dataclass(frozen=True)
class Request:
    key: str  # what Slack sent it as: the trigger id of a click or command, the view of a submission
    kind: str
    payload: dict[str, Any]


class Handled(Exception):
    """The request was carried out already (by a process that took over a claim it thought
    stale): the change that would carry it out again is rolled back."""


def settle(db: Database, key: str, *, now: int) -> None:
    """Mark a request done inside the transaction that stores what it changes; raises Handled
    (rolling that transaction back) if it was done already."""
    done = db.execute("update inbox set state = 'done', done_at = ? where key = ? and state != 'done'", [now, key])
    if done.rowcount != 1:
        raise Handled(key)


class Inbox:
    def __init__(self, store: Store) -> None:
        self.store = store

    def accept(self, key: str, kind: str, payload: dict[str, Any], *, now: int) -> bool:
        """Store a request; False if it was stored before (Slack sent it again)."""
        with self.store.write() as db:
            cursor = db.execute(
                """insert or ignore into inbox (key, kind, payload, state, received_at, claimed_at, claimed_by)
                   values (?, ?, ?, 'pending', ?, ?, ?)""",
                [key, kind, json.dumps(payload), now, now, me()],
            )
            if cursor.rowcount == 1 and random.random() < PRUNE_CHANCE:  # amortised clean-up
                db.execute("delete from inbox where state = 'done' and done_at < ?", [now - KEEP_SECONDS])
            return cursor.rowcount == 1

    def claim(self, key: str, *, now: int, stale_after: int) -> Request | None:
        """Take a request to carry it out: one never tried, or one whose process died or has
        held it for longer than `stale_after`. None when it is done or another process has it."""
        with self.store.write() as db:
            row = db.execute(
                "select kind, payload, state, claimed_at, claimed_by from inbox where key = ?", [key]
            ).fetchone()
            if row is None:
                return None
            kind, payload, state, claimed_at, claimed_by = row
            if state == "done" or (state == "running" and claimed_at > now - stale_after and alive(claimed_by)):
                return None
            db.execute(
                "update inbox set state = 'running', claimed_at = ?, claimed_by = ? where key = ?", [now, me(), key]
            )
            return Request(key, kind, json.loads(payload))

    def done(self, key: str, *, now: int) -> None:
        """Settle a request that changed nothing (it was refused, or failed)."""
        with self.store.write() as db:
            db.execute("update inbox set state = 'done', done_at = ? where key = ? and state != 'done'", [now, key])

    def unfinished(self, *, now: int, stale_after: int, limit: int = 100) -> list[str]:
        """Requests not carried out whose process died, or that waited or ran longer than
        `stale_after`: a live process carries out its own at once."""
        rows = self.store.db.execute(
            "select key, claimed_at, claimed_by from inbox where state != 'done' order by received_at"
        )
        return [key for key, claimed_at, claimed_by in rows if claimed_at < now - stale_after or not alive(claimed_by)][
            :limit
        ]
