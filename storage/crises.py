"""Crises, their participants and the progress of their war-room set-up."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from sqlite_utils import Database

from bot.model import (
    Category,
    Crisis,
    NewCrisis,
    Platform,
    ReplyDetails,
    Role,
    SetupState,
    Severity,
    Status,
    Step,
    StepState,
)
from storage.database import Store
from storage.feeds import FeedRepository
from storage.inbox import settle
from storage.liveness import alive, me
from storage.outbox import Posts, enqueue
from storage.timeline import record_event

# Time to acknowledge and time to resolve of the crisis `c`, in seconds: until step 1 was first
# marked done, and until step 3 was last marked done (if it still is). The closing summary, the
# export and the digest's medians all use this one definition.
RESPONSE_TIMES = """
    (select min(e.at) from events e where e.crisis_id = c.id and e.kind = 'step_changed'
       and json_extract(e.detail, '$.step') = 1 and json_extract(e.detail, '$.new') = 'done') - c.opened_at,
    (select s.changed_at from steps s where s.crisis_id = c.id and s.step = 3 and s.state = 'done') - c.opened_at"""


class HasCrisis(Protocol):
    crisis_id: int


@dataclass(frozen=True)
class OwnerChange:
    """What a hand-over stored, for deciding what it publishes."""

    event_id: int
    channel: str | None  # the war room
    new_owner: str


@dataclass(frozen=True)
class MoveFacts:
    """What leaving an archived war room for a new one stored, for deciding what it publishes."""

    event_id: int
    previous_channel: str  # the archived war room (the new one does not exist yet)


@dataclass(frozen=True)
class SetupStart:
    """What a war room's set-up stores before its first Slack call (its lease, the tasks it
    starts with, the channel name it asks for), stored here with the crisis itself: the set-up
    that follows the submission's ack then calls Slack at once, with nothing to write first."""

    lease_seconds: int
    tasks: tuple[str, ...]
    names: tuple[str, ...]  # the channel is planned under the first no other crisis is creating


@dataclass(frozen=True)
class NudgeFacts:
    crisis_id: int
    owner_id: str
    channel_id: str
    opened_at: int
    first_step: StepState
    last_change: int | None
    all_settled: bool


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
        setup: SetupStart | None = None,
    ) -> tuple[Crisis, bool]:
        """Store a new crisis with its participants, checklist and first timeline event, and
        with it the start of its war room's set-up (`setup`, for this process).

        `request_key` identifies the submission; storing the same key twice returns the
        crisis stored the first time and False, so a retried submission opens nothing new.
        """
        with self.store.write() as db:
            existing = self._by("request_key", request_key)
            if existing is not None:
                return existing, False
            crisis_id = db.execute(
                """insert into crises (request_key, title, description, link, platform, category, severity,
                       language, customer_handle, owner_id, opener_id, is_private, status,
                       origin_channel_id, response_url, opened_at, setup_state, keywords)
                   values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    request_key,
                    new.title,
                    new.description,
                    new.link,
                    new.platform.value if new.platform else None,
                    new.category.value,
                    new.severity.value,
                    new.language,
                    new.customer_handle,
                    new.owner_id,
                    new.opener_id,
                    int(new.is_private),
                    Status.OPEN.value,
                    origin_channel_id,
                    response_url,
                    at,
                    SetupState.PENDING.value,
                    "\n".join(new.keywords),
                ],
            ).lastrowid
            FeedRepository(self.store).replace(crisis_id, list(new.feeds), now=at)
            people = [(new.opener_id, Role.OPENER), (new.owner_id, Role.OWNER)] + [
                (u, Role.RESPONDER) for u in new.responders
            ]
            db.conn.executemany(
                "insert or ignore into participants (crisis_id, user_id, role) values (?, ?, ?)",
                [(crisis_id, user_id, role.value) for user_id, role in people],
            )
            db.conn.executemany(
                "insert into steps (crisis_id, step, state, version) values (?, ?, ?, 0)",
                [(crisis_id, int(step), StepState.PENDING.value) for step in Step],
            )
            record_event(db, crisis_id, at=at, actor=new.opener_id, kind="opened", detail={"owner": new.owner_id})
            if setup is not None:
                db.execute(
                    "update crises set lease_until = ?, lease_holder = ? where id = ?",
                    [at + setup.lease_seconds, me(), crisis_id],
                )
                db.conn.executemany(
                    "insert into setup_tasks (crisis_id, task, started_at) values (?, ?, ?)",
                    [(crisis_id, task, at) for task in setup.tasks],
                )
                for name in setup.names:
                    if _plan(db, crisis_id, name):
                        break
            crisis = self._by("id", crisis_id)
        assert crisis is not None
        return crisis, True

    def get(self, crisis_id: int) -> Crisis | None:
        return self._by("id", crisis_id)

    def by_channel(self, channel_id: str) -> Crisis | None:
        """The crisis whose war room is this channel, or was before it moved on to a new one."""
        crisis = self._by("channel_id", channel_id)
        if crisis is None:
            row = self.store.db.execute("select crisis_id from war_rooms where channel_id = ?", [channel_id]).fetchone()
            crisis = self.get(row[0]) if row else None
        return crisis

    # A reopened crisis whose war room closing archived: back in it, or on to a new one.

    def rooms_to_restore(self, *, reopened_before: int) -> list[Crisis]:
        """Open crises whose war room is still archived, reopened before `reopened_before` (a
        crash interrupted bringing it back; a younger one is probably being brought back now)."""
        rows = self.store.rows(
            """select c.* from crises c where c.status = ? and c.archived_room is not null
                 and (select max(at) from events e where e.crisis_id = c.id and e.kind = 'reopened') < ?
               order by c.id""",
            [Status.OPEN.value, reopened_before],
        )
        return [self._crisis(row) for row in rows]

    def unarchived(self, crisis_id: int, *, archived: str, redo: tuple[str, ...], at: int) -> bool:
        """The archived war room is back: its set-up `redo` tasks run again (archiving removed
        everyone, so they are invited again). False when another worker brought it back first."""
        with self.store.write() as db:
            if not _room_back(db, crisis_id, archived):
                return False
            db.execute(
                f"delete from setup_tasks where crisis_id = ? and task in ({','.join('?' * len(redo))})",
                [crisis_id, *redo],
            )
            record_event(db, crisis_id, at=at, actor=None, kind="war_room_unarchived", detail={"channel": archived})
            return True

    def moved(self, crisis_id: int, *, archived: str, at: int, posts: Callable[[MoveFacts], Posts]) -> bool:
        """Leave the archived war room for a new one, which the set-up makes from scratch: the
        old room is kept as a former war room (it still leads to the crisis) and the posts
        `posts` says the move calls for are enqueued, all in one transaction. A compare-and-set
        on the archived room: False when another worker got there first, so a retry, a double
        click or a crash never gives two new war rooms."""
        with self.store.write() as db:
            if not _room_back(db, crisis_id, archived):
                return False
            db.execute(
                "insert or ignore into war_rooms (channel_id, crisis_id, left_at) values (?, ?, ?)",
                [archived, crisis_id, at],
            )
            db.execute(
                """update crises set previous_channel_id = channel_id, previous_channel_name = channel_name,
                       channel_id = null, channel_name = null, header_ts = null, checklist_ts = null,
                       rendered_checklist = null, rendered_header = null where id = ?""",
                [crisis_id],
            )
            db.execute("delete from setup_tasks where crisis_id = ?", [crisis_id])
            event_id = record_event(db, crisis_id, at=at, actor=None, kind="war_room_moved", detail={"from": archived})
            for key, where in posts(MoveFacts(event_id, archived)):
                enqueue(db, key, where, now=at)
            return True

    def open_crises(self) -> list[Crisis]:
        """Open crises, most severe first, then oldest first."""
        rows = self.store.db["crises"].rows_where("status = ?", [Status.OPEN.value], order_by="opened_at, id")
        crises = [self._crisis(row) for row in rows]
        return sorted(crises, key=lambda c: (c.severity.rank, c.opened_at, c.id))

    def unfinished_setups(self, *, opener_id: str) -> list[Crisis]:
        """Open crises this person opened whose war room is not fully set up."""
        rows = self.store.db["crises"].rows_where(
            "status = ? and setup_state != ? and opener_id = ?",
            [Status.OPEN.value, SetupState.DONE.value, opener_id],
            order_by="id",
        )
        return [self._crisis(r) for r in rows]

    def setups_to_resume(self, *, now: int) -> list[Crisis]:
        """Open crises whose set-up never finished (a crash, a passing Slack failure) and is not
        being worked on (or its worker died) nor waiting out a back-off. Failed ones wait for a
        person's retry."""
        rows = self.store.db["crises"].rows_where(
            "status = ? and setup_state = ? and coalesce(setup_retry_at, 0) <= ?",
            [Status.OPEN.value, SetupState.PENDING.value, now],
            order_by="id",
        )
        return [self._crisis(r) for r in rows if _lease_free(r, now)]

    def add_participant(self, crisis_id: int, user_id: str, role: Role) -> None:
        with self.store.write() as db:
            db.execute(
                "insert or ignore into participants (crisis_id, user_id, role) values (?, ?, ?)",
                [crisis_id, user_id, role.value],
            )

    def nudge_facts(self) -> list[NudgeFacts]:
        """For every open crisis with a war room: what the nudge rules look at."""
        rows = self.store.db.execute(
            """select c.id, c.owner_id, c.channel_id, c.opened_at,
                      (select state from steps where crisis_id = c.id and step = 1),
                      (select max(changed_at) from steps where crisis_id = c.id),
                      (select count(*) from steps where crisis_id = c.id and state = 'pending')
               from crises c where c.status = ? and c.channel_id is not null""",
            [Status.OPEN.value],
        )
        return [
            NudgeFacts(id_, owner, channel, opened_at, StepState(first), last_change, pending == 0)
            for id_, owner, channel, opened_at, first, last_change, pending in rows
        ]

    def response_times(self, crisis_ids: list[int]) -> dict[int, tuple[int | None, int | None]]:
        """For each crisis, seconds from opening until step 1 was first marked done (time to
        acknowledge) and until step 3 was last marked done, if it still is (time to resolve)."""
        times: dict[int, tuple[int | None, int | None]] = {}
        for start in range(0, len(crisis_ids), 500):
            chunk = crisis_ids[start : start + 500]
            rows = self.store.db.execute(
                f"select c.id, {RESPONSE_TIMES} from crises c where c.id in ({','.join('?' * len(chunk))})", chunk
            )
            times.update({row[0]: (row[1], row[2]) for row in rows})
        return times

    def participants(self, crisis_id: int) -> set[str]:
        rows = self.store.rows("select user_id from participants where crisis_id = ?", [crisis_id])
        return {row["user_id"] for row in rows}

    # War-room set-up: a lease so one worker at a time runs it, and a record of finished tasks
    # so that running it again only does what is left.

    def claim_setup(self, crisis_id: int, *, now: int, lease_seconds: int) -> bool:
        """Take the set-up lease if it is free, expired or held by a process that died; False if
        a live worker holds it. A back-off is no lease: a person's retry runs at once."""
        with self.store.write() as db:
            row = db.execute("select lease_until, lease_holder from crises where id = ?", [crisis_id]).fetchone()
            if row is None or not _lease_free({"lease_until": row[0], "lease_holder": row[1]}, now):
                return False
            db.execute(
                "update crises set lease_until = ?, lease_holder = ? where id = ?",
                [now + lease_seconds, me(), crisis_id],
            )
            return True

    def release_setup(
        self, crisis_id: int, *, state: SetupState, error: str | None, retry_at: int | None = None, failures: int = 0
    ) -> None:
        """End a set-up run; `retry_at` keeps the scheduler from retrying before then, after
        `failures` passing failures in a row."""
        with self.store.write() as db:
            db.execute(
                """update crises set lease_until = null, lease_holder = null, setup_state = ?, setup_error = ?,
                       setup_retry_at = ?, setup_failures = ? where id = ?""",
                [state.value, error, retry_at, failures, crisis_id],
            )

    def tasks_done(self, crisis_id: int) -> dict[str, dict]:
        """Finished set-up tasks, each with the details it stored (ids, failed invitees...)."""
        rows = self.store.rows("select * from setup_tasks where crisis_id = ? and done_at is not null", [crisis_id])
        return {row["task"]: json.loads(row["detail"] or "{}") for row in rows}

    def start_tasks(self, crisis_id: int, tasks: Sequence[str], *, at: int) -> dict[str, int | None]:
        """Record that set-up tasks are about to call Slack, in one transaction (the tasks that
        can run at once start together). Returns, for each, when an earlier try at it started,
        if one did and never finished (what it did may be in Slack already), else None."""
        with self.store.write() as db:
            unfinished = dict(
                db.execute(
                    f"""select task, started_at from setup_tasks where crisis_id = ? and done_at is null
                          and task in ({",".join("?" * len(tasks))})""",
                    [crisis_id, *tasks],
                ).fetchall()
            )
            db.conn.executemany(
                "insert or ignore into setup_tasks (crisis_id, task, started_at) values (?, ?, ?)",
                [(crisis_id, task, at) for task in tasks if task not in unfinished],
            )
            return {task: unfinished.get(task) for task in tasks}

    def task_done(
        self, crisis_id: int, task: str, *, at: int, lease_until: int, detail: dict | None = None, **columns: Any
    ) -> None:
        """Record a finished set-up task, in one transaction with the crisis columns it produced
        (the channel id, a message ts) and the renewed lease, so a crash never leaves one
        without the other."""
        assignments = "".join(f", {name} = ?" for name in columns)
        with self.store.write() as db:
            db.execute(
                f"update crises set lease_until = ?{assignments} where id = ?",
                [lease_until, *columns.values(), crisis_id],
            )
            db.execute(
                """insert into setup_tasks (crisis_id, task, started_at, done_at, detail) values (?, ?, ?, ?, ?)
                   on conflict (crisis_id, task) do update set done_at = excluded.done_at, detail = excluded.detail""",
                [crisis_id, task, at, at, json.dumps(detail or {})],
            )

    def rendered(self, crisis_id: int, *, checklist: str | None = None, header: str | None = None) -> None:
        """Remember what Slack now shows, so the scheduler re-renders only what a crash left stale."""
        with self.store.write() as db:
            if checklist is not None:
                db.execute("update crises set rendered_checklist = ? where id = ?", [checklist, crisis_id])
            if header is not None:
                db.execute("update crises set rendered_header = ? where id = ?", [header, crisis_id])

    def stale_renders(self, *, quiet_since: int, closed_since: int) -> tuple[list[int], list[int]]:
        """Crises whose checklist, and whose header, Slack shows in a state older than the stored
        one, and that have been quiet since `quiet_since` (a render may still be under way)."""
        rows = self.store.db.execute(
            """select c.id,
                      coalesce(c.rendered_checklist, '') != sum(s.version) || ':' || c.status,
                      coalesce(c.rendered_header, '') != c.owner_id || '|' || c.status || '|'
                          || (sum(s.state != 'pending') = 4) || '|' || coalesce(c.customer_handle, '')
               from crises c join steps s on s.crisis_id = c.id
               where c.checklist_ts is not null and c.header_ts is not null
                 and (c.status = 'open' or c.closed_at >= ?)
               group by c.id
               having max(coalesce(s.changed_at, 0), c.opened_at, coalesce(c.closed_at, 0)) < ?""",
            [closed_since, quiet_since],
        )
        checklists, headers = [], []
        for crisis_id, checklist_stale, header_stale in rows:
            if checklist_stale:
                checklists.append(crisis_id)
            if header_stale:
                headers.append(crisis_id)
        return checklists, headers

    def set_checklist_ts(self, crisis_id: int, ts: str) -> None:
        """The checklist was posted again (someone deleted it): remember the new message."""
        with self.store.write() as db:
            db.execute("update crises set checklist_ts = ? where id = ?", [ts, crisis_id])

    def plan_channel_name(self, crisis_id: int, name: str) -> bool:
        """Remember the channel name about to be created, before asking Slack for it, so a set-up
        whose answer never came can find and adopt the channel. False when another crisis
        planned that name: it may be creating it right now (two crises must never adopt the same
        channel), or it created it and Slack would refuse the name."""
        with self.store.write() as db:
            return _plan(db, crisis_id, name)

    def origin_from_form(self, crisis_id: int) -> None:
        """Where to answer the opener, from the bot's record of the form the crisis was submitted
        from, when the crisis was stored without it: Slack shows a modal before it answers
        views.open, so a submission can come in before the record is stored. Only the opener's
        own form counts (storage.shown: the form was opened for them)."""
        with self.store.write() as db:
            db.execute(
                """update crises set response_url = f.response_url, origin_channel_id = f.origin_channel_id
                   from open_forms f
                   where crises.id = ? and crises.response_url is null and crises.origin_channel_id is null
                     and crises.request_key = 'view:' || f.view_id and f.opener_id = crises.opener_id""",
                [crisis_id],
            )

    def set_reply_details(self, crisis_id: int, details: ReplyDetails, customer: str, *, actor: str, at: int) -> None:
        """Store what replies are filled with (and the customer's handle), on the record."""
        with self.store.write() as db:
            db.execute(
                """update crises set customer_handle = ?, reply_what_happened = ?, reply_resolution = ?,
                       reply_contact = ?, reply_signer = ?, reply_changes = ?, reply_facts_link = ?,
                       reply_taken_down = ? where id = ?""",
                [
                    customer,
                    details.what_happened,
                    details.resolution,
                    details.contact,
                    details.signer,
                    details.changes,
                    details.facts_link,
                    int(details.taken_down),
                    crisis_id,
                ],
            )
            record_event(
                db,
                crisis_id,
                at=at,
                actor=actor,
                kind="reply_details_changed",
                detail={"customer": customer, **asdict(details)},
            )

    def set_tracking(
        self, crisis_id: int, keywords: tuple[str, ...], feeds: tuple[str, ...], *, actor: str, at: int
    ) -> None:
        """Change what a crisis counts: its keywords and its feeds, on the record."""
        with self.store.write() as db:
            db.execute("update crises set keywords = ? where id = ?", ["\n".join(keywords), crisis_id])
            FeedRepository(self.store).replace(crisis_id, list(feeds), now=at)
            record_event(
                db,
                crisis_id,
                at=at,
                actor=actor,
                kind="tracking_changed",
                detail={"keywords": list(keywords), "feeds": list(feeds)},
            )

    def set_team_locale(self, crisis_id: int, tag: str, *, actor: str, at: int) -> bool:
        """Change the language the war room's messages are in, on the record; False when it
        already was."""
        with self.store.write() as db:
            changed = db.execute(
                "update crises set team_locale = ? where id = ? and coalesce(team_locale, '') != ?",
                [tag, crisis_id, tag],
            ).rowcount
            if changed:
                record_event(db, crisis_id, at=at, actor=actor, kind="team_language_changed", detail={"language": tag})
            return bool(changed)

    def volume_rendered(self, crisis_id: int, figures: str, *, at: int) -> None:
        """Remember the volume figures the header now shows, and when they were drawn."""
        with self.store.write() as db:
            db.execute(
                "update crises set rendered_volume = ?, volume_rendered_at = ? where id = ?", [figures, at, crisis_id]
            )

    def volume_shown(self) -> dict[int, tuple[str | None, int | None]]:
        """For each open crisis whose header is posted: the volume figures it shows, and when
        they were drawn."""
        rows = self.store.db.execute(
            "select id, rendered_volume, volume_rendered_at from crises where status = 'open' and header_ts is not null"
        )
        return {row[0]: (row[1], row[2]) for row in rows}

    def set_owner(
        self,
        crisis_id: int,
        new_owner: str,
        *,
        actor: str,
        at: int,
        posts: Callable[[OwnerChange], Posts] = lambda change: (),
        request: str | None = None,
    ) -> Crisis | None:
        """Hand ownership over, enqueueing in the same transaction the posts `posts` says the
        hand-over calls for and settling the `request` that asked for it (storage.inbox);
        returns the updated crisis, or None if it was already theirs."""
        with self.store.write() as db:
            crisis = self._by("id", crisis_id)
            if crisis is None or crisis.owner_id == new_owner:
                return None
            if request:
                settle(db, request, now=at)
            db.execute("update crises set owner_id = ? where id = ?", [new_owner, crisis_id])
            self.add_participant(crisis_id, new_owner, Role.OWNER)
            event_id = record_event(
                db,
                crisis_id,
                at=at,
                actor=actor,
                kind="owner_changed",
                detail={"old": crisis.owner_id, "new": new_owner},
            )
            for key, where in posts(OwnerChange(event_id, crisis.channel_id, new_owner)):
                enqueue(db, key, where, now=at)
            return self._by("id", crisis_id)

    def of(self, item: HasCrisis | None) -> Crisis | None:
        """The crisis a draft, closure, follow-up or timeline event belongs to (None for none)."""
        return self.get(item.crisis_id) if item is not None else None

    def _by(self, column: str, value: Any) -> Crisis | None:
        rows = self.store.rows(f"select * from crises where {column} = ? limit 1", [value])
        return self._crisis(rows[0]) if rows else None

    def _crisis(self, row: dict) -> Crisis:
        return crisis_from_row(row)

    def responders(self, crisis_id: int) -> list[str]:
        """The responders named when the crisis was opened, in the order they were named."""
        rows = self.store.rows(
            "select user_id from participants where crisis_id = ? and role = ? order by rowid",
            [crisis_id, Role.RESPONDER.value],
        )
        return [r["user_id"] for r in rows]


def _room_back(db: Database, crisis_id: int, archived: str) -> bool:
    """Claim bringing back the archived war room of an open crisis (compare-and-set), and mark
    its set-up unfinished so that what the room now needs is done, also after a crash."""
    return (
        db.execute(
            "update crises set archived_room = null, setup_state = ?, setup_error = null"
            " where id = ? and status = ? and archived_room = ?",
            [SetupState.PENDING.value, crisis_id, Status.OPEN.value, archived],
        ).rowcount
        == 1
    )


def _plan(db: Database, crisis_id: int, name: str) -> bool:
    """Plan the crisis's channel under `name`, unless another crisis planned it or has its war
    room under it, or it is the archived room a crisis moved on from (Slack would only answer
    name_taken: asking costs a round trip)."""
    planned = db.execute(
        "select 1 from crises where (id != ? and channel_name = ?) or previous_channel_name = ?",
        [crisis_id, name, name],
    ).fetchone()
    if planned:
        return False
    db.execute("update crises set channel_name = ? where id = ?", [name, crisis_id])
    return True


def _lease_free(row: dict, now: int) -> bool:
    """No lease, an expired one, or one whose holder died."""
    return row["lease_until"] is None or row["lease_until"] < now or not alive(row["lease_holder"])


def crisis_from_row(row: dict) -> Crisis:
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
        keywords=tuple(k for k in (row.get("keywords") or "").split("\n") if k),
        setup_failures=row.get("setup_failures") or 0,
        reply=ReplyDetails(
            what_happened=row.get("reply_what_happened") or "",
            resolution=row.get("reply_resolution") or "",
            contact=row.get("reply_contact") or "",
            signer=row.get("reply_signer") or "",
            changes=row.get("reply_changes") or "",
            facts_link=row.get("reply_facts_link") or "",
            taken_down=bool(row.get("reply_taken_down")),
        ),
        archived_room=row.get("archived_room"),
        previous_channel_id=row.get("previous_channel_id"),
        previous_channel_name=row.get("previous_channel_name"),
        reopened_by=row.get("reopened_by"),
        team_locale=row.get("team_locale"),
    )
