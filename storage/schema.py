"""Schema and migrations, numbered by SQLite's `user_version`.

Each migration runs once, inside the caller's write transaction, so two processes starting at
the same moment cannot both apply it. Add a function to MIGRATIONS; never edit a released one.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database


def _v1_crises(db: Database) -> None:
    db["crises"].create(
        {
            "id": int,
            "request_key": str,  # idempotency key of the submission that opened it (the modal's view id)
            "title": str,
            "description": str,
            "link": str,
            "platform": str,
            "category": str,
            "severity": str,
            "language": str,
            "customer_handle": str,
            "owner_id": str,
            "opener_id": str,
            "is_private": int,
            "status": str,  # open | closed
            "origin_channel_id": str,
            "response_url": str,  # where the opener ran /crisis open, to answer them there
            "channel_id": str,
            "channel_name": str,
            "header_ts": str,
            "checklist_ts": str,
            "opened_at": int,
            "closed_at": int,
            "setup_state": str,  # pending | done | failed
            "setup_error": str,
            "lease_until": int,  # a worker finishing set-up holds this lease
        },
        pk="id",
        not_null={"request_key", "title", "category", "severity", "owner_id", "opener_id", "opened_at"},
        defaults={"status": "open", "is_private": 0, "setup_state": "pending"},
    )
    db["crises"].create_index(["request_key"], unique=True)
    db["crises"].create_index(["channel_id"], unique=True)
    db["crises"].create_index(["status", "opened_at"])

    db["participants"].create(
        {"crisis_id": int, "user_id": str, "role": str},
        pk=("crisis_id", "user_id", "role"),
        foreign_keys=[("crisis_id", "crises", "id")],
    )
    db["setup_tasks"].create(
        {"crisis_id": int, "task": str, "done_at": int, "detail": str},
        pk=("crisis_id", "task"),
        foreign_keys=[("crisis_id", "crises", "id")],
    )
    # The checklist: one row per step; `version` makes every change a compare-and-set.
    db["steps"].create(
        {
            "crisis_id": int,
            "step": int,
            "state": str,
            "reason": str,
            "changed_by": str,
            "changed_at": int,
            "version": int,
        },
        pk=("crisis_id", "step"),
        not_null={"state", "version"},
        foreign_keys=[("crisis_id", "crises", "id")],
    )
    # The append-only record of everything that happened to a crisis: who, what, when, old/new.
    db["events"].create(
        {"id": int, "crisis_id": int, "at": int, "actor": str, "kind": str, "detail": str},
        pk="id",
        not_null={"crisis_id", "at", "kind"},
        foreign_keys=[("crisis_id", "crises", "id")],
    )
    db["events"].create_index(["crisis_id", "id"])
    # Requests already handled (Slack retries carry the same trigger_id / event_id).
    db["deliveries"].create({"key": str, "seen_at": int}, pk="key")


def _v2_outbox(db: Database) -> None:
    # Scheduled posts (nudges, digests) delivered exactly once: claimed, posted, marked sent.
    db["outbox"].create(
        {"key": str, "channel": str, "state": str, "claimed_at": int, "sent_at": int, "ts": str, "error": str},
        pk="key",
        not_null={"channel", "state", "claimed_at"},
    )


def _v3_replies(db: Database) -> None:
    # What customer-facing replies are filled with, beyond the crisis's own fields.
    for column in ("what_happened", "resolution", "contact", "signer"):
        db["crises"].add_column(f"reply_{column}", str)
    # Drafted replies and their approval: who drafted, who decided, when, from which template.
    db["drafts"].create(
        {
            "id": int,
            "crisis_id": int,
            "kind": str,
            "language": str,
            "text": str,
            "author_id": str,
            "state": str,  # pending | approved | changes_requested
            "created_at": int,
            "decided_by": str,
            "decided_at": int,
            "note": str,
            "channel_id": str,
            "message_ts": str,
        },
        pk="id",
        not_null={"crisis_id", "kind", "language", "text", "author_id", "state", "created_at"},
        foreign_keys=[("crisis_id", "crises", "id")],
    )
    db["drafts"].create_index(["crisis_id"])


def _v4_closures(db: Database) -> None:
    # Each closing of a crisis (a reopened crisis can be closed again): what was learnt.
    db["closures"].create(
        {
            "id": int,
            "crisis_id": int,
            "closed_by": str,
            "closed_at": int,
            "lessons": str,
            "root_cause": str,
            "goodwill": str,  # what was offered, empty when nothing was
            "force_reason": str,  # why it was closed with steps still open
            "archive": int,
            "search_text": str,  # title, lessons, cause and follow-ups, CJK spaced out for FTS
        },
        pk="id",
        not_null={"crisis_id", "closed_by", "closed_at", "lessons"},
        foreign_keys=[("crisis_id", "crises", "id")],
    )
    db["closures"].create_index(["crisis_id"])
    db["closures"].enable_fts(["search_text"], create_triggers=True, tokenize="unicode61 remove_diacritics 2")
    db["followups"].create(
        {
            "id": int,
            "crisis_id": int,
            "closure_id": int,
            "text": str,
            "owner_id": str,
            "state": str,  # open | done
            "created_at": int,
            "done_by": str,
            "done_at": int,
        },
        pk="id",
        not_null={"crisis_id", "closure_id", "text", "owner_id", "state", "created_at"},
        foreign_keys=[("crisis_id", "crises", "id"), ("closure_id", "closures", "id")],
    )
    db["followups"].create_index(["state"])


def _v5_recovery(db: Database) -> None:
    # What Slack last showed, so a restart re-renders what a crash left stale.
    db["crises"].add_column("rendered_checklist", str)  # "<sum of step versions>:<status>"
    db["crises"].add_column("rendered_header", str)  # "<owner>|<status>|<all settled>|<customer>"
    db["closures"].add_column("archived_at", int)
    # Who holds a lease or claim (storage.liveness): a restarted bot takes over a dead holder's at once.
    db["crises"].add_column("lease_holder", str)
    db["outbox"].add_column("claimed_by", str)
    # Posts enqueued by the transaction that stored their cause wait as 'pending'.
    db["outbox"].create_index(["state", "claimed_at"])


def _v6_reply_facts(db: Database) -> None:
    # What replies need beyond the first four details: the facts' link, what we changed, and
    # whether the post came down (a flag, stored as 0/1).
    db["crises"].add_column("reply_changes", str)
    db["crises"].add_column("reply_facts_link", str)
    db["crises"].add_column("reply_taken_down", int)


def _v7_shown(db: Database) -> None:
    # What the bot showed people, so a click or a submission is checked against the bot's own
    # records instead of what its payload says: the open forms (where to answer the opener) and
    # the messages showing a reply template (the only messages a template picker may change).
    db["open_forms"].create(
        {"view_id": str, "opener_id": str, "origin_channel_id": str, "response_url": str, "opened_at": int},
        pk="view_id",
        not_null={"opener_id", "opened_at"},
    )
    db["template_messages"].create(
        {"channel_id": str, "ts": str, "crisis_id": int, "shown_at": int},
        pk=("channel_id", "ts"),
        not_null={"crisis_id", "shown_at"},
        foreign_keys=[("crisis_id", "crises", "id")],
    )


def _v8_war_rooms_back(db: Database) -> None:
    # A reopened crisis gets its archived war room back (unarchived with a user token) or moves
    # on to a new one (a bot cannot unarchive); the rooms it left keep leading to it.
    db["crises"].add_column("archived_room", str)  # its war room while closing has it archived
    db["crises"].add_column("previous_channel_id", str)  # the archived war room the current one continues
    db["crises"].add_column("previous_channel_name", str)
    db["crises"].add_column("reopened_by", str)  # told how the war room came back
    db["war_rooms"].create(
        {"channel_id": str, "crisis_id": int, "left_at": int},
        pk="channel_id",
        not_null={"crisis_id", "left_at"},
        foreign_keys=[("crisis_id", "crises", "id")],
    )
    db.execute(
        """update crises set archived_room = channel_id
           where status = 'closed' and channel_id is not null and exists (
               select 1 from closures cl where cl.crisis_id = crises.id and cl.archived_at is not null
                 and cl.id = (select max(id) from closures where crisis_id = crises.id))"""
    )


def _v9_exactly_once(db: Database) -> None:
    # A set-up task is recorded when it starts, not only when it is done: one started and never
    # done may have done its work in Slack (a crash, a lost answer), so its next try looks first.
    db["setup_tasks"].add_column("started_at", int)
    # A set-up's retry back-off is not a lease (a person's Retry runs at once), and it grows
    # with each passing failure in a row.
    db["crises"].add_column("setup_retry_at", int)
    db["crises"].add_column("setup_failures", int, not_null_default=0)
    # What people asked for, stored before the ack and settled by the change that carries it out.
    db["inbox"].create(
        {
            "key": str,
            "kind": str,
            "payload": str,
            "state": str,  # pending | running | done
            "received_at": int,
            "claimed_at": int,
            "claimed_by": str,
            "done_at": int,
        },
        pk="key",
        not_null={"kind", "payload", "state", "received_at", "claimed_at"},
    )
    db["inbox"].create_index(["state"])


def _v10_volume(db: Database) -> None:
    # What a crisis watches: its keywords (one per line), and what its header last showed of
    # the volume (so the scheduler re-renders it only when the figures change).
    db["crises"].add_column("keywords", str)
    db["crises"].add_column("rendered_volume", str)
    db["crises"].add_column("volume_rendered_at", int)
    # Mentions, one row per item and scope: scope 0 is the brand watch, else a crisis id. `key`
    # identifies the item at its source (a Slack message, a feed entry's id or link, a webhook
    # item), so a restart, a retried webhook or a second process never counts it twice.
    # `weight` is 1 for an item, N for a count a tool reported for a window.
    db["mentions"].create(
        {
            "id": int,
            "scope": int,
            "key": str,
            "at": int,
            "source": str,  # listening | feed | webhook
            "platform": str,
            "author": str,
            "text": str,
            "link": str,
            "weight": int,
        },
        pk="id",
        not_null={"scope", "key", "at", "source", "weight"},
    )
    db["mentions"].create_index(["scope", "key"], unique=True)
    db["mentions"].create_index(["scope", "at"])
    # RSS/Atom feeds, of a crisis (crisis_id) or of the brand watch (crisis_id null), polled
    # with conditional requests and backed off while they fail.
    db["feeds"].create(
        {
            "id": int,
            "crisis_id": int,
            "url": str,
            "etag": str,
            "last_modified": str,
            "next_poll_at": int,
            "failures": int,
            "failing_since": int,
            "last_error": str,
            "last_ok_at": int,
            "active": int,
        },
        pk="id",
        not_null={"url", "next_poll_at", "failures", "active"},
        defaults={"failures": 0, "active": 1, "next_poll_at": 0},
    )
    db.execute("create unique index feeds_scope_url on feeds (coalesce(crisis_id, 0), url)")
    # Spikes of the brand watch: one row per rise, so each alerts exactly once. At most one is
    # open (ended_at null) at a time.
    db["spikes"].create(
        {
            "id": int,
            "started_at": int,
            "ended_at": int,
            "count": int,
            "baseline": float,
            "below_since": int,
        },
        pk="id",
        not_null={"started_at", "count", "baseline"},
    )
    db.execute("create unique index spikes_one_open on spikes ((1)) where ended_at is null")


def _v11_updates(db: Database) -> None:
    # Stakeholder updates: the owner's reports, each promising when the next one comes.
    db["updates"].create(
        {
            "id": int,
            "crisis_id": int,
            "number": int,  # 1, 2, … within the crisis
            "request_key": str,  # the form's view id (or the closing's), so a resent submission stores one
            "author_id": str,
            "at": int,
            "status": str,
            "known": str,
            "doing": str,
            "need": str,
            "next": str,  # 30m | 1h | 2h | 4h | morning | none
            "next_due": int,
            "notify_everyone": int,
            "closure_id": int,  # the final update of a closing
        },
        pk="id",
        not_null={"crisis_id", "number", "request_key", "author_id", "at", "status", "next"},
        defaults={"notify_everyone": 0},
        foreign_keys=[("crisis_id", "crises", "id")],
    )
    db["updates"].create_index(["request_key"], unique=True)
    db["updates"].create_index(["crisis_id", "number"], unique=True)
    # One card per crisis and channel, edited in place: its message, the update it shows, and
    # why it could not be posted (told to the owner once).
    db["update_cards"].create(
        {
            "id": int,
            "crisis_id": int,
            "channel_id": str,
            "room": int,  # the war room's card, pinned
            "ts": str,
            "shown_update": int,
            "pinned": int,
            "error": str,
            "reported": int,
        },
        pk="id",
        not_null={"crisis_id", "channel_id", "room"},
        defaults={"pinned": 0, "reported": 0},
        foreign_keys=[("crisis_id", "crises", "id")],
    )
    db["update_cards"].create_index(["crisis_id", "channel_id"], unique=True)
    # Where each update went: a reply in a card's thread, or a follower's DM (`card_id` null).
    db["update_posts"].create(
        {"id": int, "update_id": int, "card_id": int, "channel": str},
        pk="id",
        not_null={"update_id", "channel"},
        foreign_keys=[("update_id", "updates", "id"), ("card_id", "update_cards", "id")],
    )
    db["update_posts"].create_index(["update_id"])
    # Who chose to follow (1) or unfollow (0) a crisis; the owner and responders follow by default.
    db["followers"].create(
        {"crisis_id": int, "user_id": str, "following": int, "at": int},
        pk=("crisis_id", "user_id"),
        not_null={"following", "at"},
        foreign_keys=[("crisis_id", "crises", "id")],
    )
    # What the war-room header last said about the next update (rules.updates.shown_promise).
    db["crises"].add_column("rendered_promise", str)


def _v12_team_language(db: Database) -> None:
    # The language a war room's messages are in, when the crisis sets its own (else TEAM_LOCALE).
    db["crises"].add_column("team_locale", str)


def _v13_people(db: Database) -> None:
    # Each person's Slack language as users.info last gave it, so every process of the bot knows it.
    db["people"].create({"user_id": str, "locale": str, "learnt_at": int}, pk="user_id", not_null={"learnt_at"})


def _v14_mention_hours(db: Database) -> None:
    # Mentions per scope and hour, kept by triggers in the same transaction as the rows: the
    # header and `/crisis status` read a crisis's hours on every render and ack, and grouping
    # a spreading crisis's 100,000 rows took 50-110 ms each time. `items` counts the rows, so an
    # hour a count moved out of is known to be empty. The (scope, at) index also carries the
    # weight, so a window's total is read from the index alone.
    db["mention_hours"].create(
        {"scope": int, "hour": int, "weight": int, "items": int}, pk=("scope", "hour"), not_null={"weight", "items"}
    )
    db.execute(
        "insert into mention_hours (scope, hour, weight, items)"
        " select scope, (at / 3600) * 3600, sum(weight), count(*) from mentions group by 1, 2"
    )
    add = """insert into mention_hours (scope, hour, weight, items) values (new.scope, (new.at / 3600) * 3600, new.weight, 1)
             on conflict (scope, hour) do update set weight = weight + excluded.weight, items = items + 1;"""
    take = """update mention_hours set weight = weight - old.weight, items = items - 1
              where scope = old.scope and hour = (old.at / 3600) * 3600;"""
    db.execute(f"create trigger mention_hours_insert after insert on mentions begin {add} end")
    db.execute(f"create trigger mention_hours_delete after delete on mentions begin {take} end")
    db.execute(
        f"create trigger mention_hours_update after update of scope, at, weight on mentions begin {take} {add} end"
    )
    db["mentions"].create_index(["scope", "at", "weight"])
    db.execute("drop index idx_mentions_scope_at")


MIGRATIONS: list[Callable[[Database], None]] = [
    _v1_crises,
    _v2_outbox,
    _v3_replies,
    _v4_closures,
    _v5_recovery,
    _v6_reply_facts,
    _v7_shown,
    _v8_war_rooms_back,
    _v9_exactly_once,
    _v10_volume,
    _v11_updates,
    _v12_team_language,
    _v13_people,
    _v14_mention_hours,
]


def migrate(db: Database) -> int:
    """Apply the migrations this file has and the database lacks; returns the new version."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise RuntimeError(
            f"the database is at schema version {version}, newer than this bot's {len(MIGRATIONS)}: upgrade the bot"
        )
    for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
        migration(db)
        db.execute(f"PRAGMA user_version = {number}")
    return len(MIGRATIONS)
