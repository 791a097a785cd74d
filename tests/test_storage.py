"""Storage on real SQLite files: idempotent creation, leases, migrations, two connections."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from bot.model import Category, NewCrisis, NewUpdate, NextUpdate, Severity, StepState
from storage import schema
from storage.crises import CrisisRepository, SetupStart
from storage.database import Store, connect
from storage.inbox import Handled, Inbox, settle
from storage.seen_requests import SeenRequests
from storage.steps import StepRepository
from storage.updates import Audience, FollowerRepository, UpdateRepository


def _new(**kw) -> NewCrisis:
    return NewCrisis(
        title="T", category=Category.TROLLING, severity=Severity.LOW, owner_id="UA1", opener_id="UB2", **kw
    )


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "crisis.db")
    yield s
    s.close()


def test_the_file_is_in_wal_mode_at_the_latest_schema(store):
    db = connect(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(schema.MIGRATIONS)
    db.close()


def test_migrating_twice_changes_nothing(store):
    again = Store(store.path)
    assert again.db.execute("PRAGMA user_version").fetchone()[0] == len(schema.MIGRATIONS)
    again.close()


def test_war_rooms_archived_before_the_upgrade_are_known_to_be_archived(tmp_path):
    """Crises closed with an archived war room before version 7 still get it back on reopening."""
    db = connect(tmp_path / "old.db")
    for migration in schema.MIGRATIONS[:6]:
        migration(db)
    db.execute("PRAGMA user_version = 6")
    for crisis, channel, archived_at in ((1, "C1", 100), (2, "C2", None)):
        db["crises"].insert(
            {
                "id": crisis,
                "request_key": f"k{crisis}",
                "title": "T",
                "category": "trolling",
                "severity": "low",
                "owner_id": "UA1",
                "opener_id": "UA1",
                "opened_at": 1,
                "status": "closed",
                "channel_id": channel,
            }
        )
        db["closures"].insert(
            {
                "crisis_id": crisis,
                "closed_by": "UA1",
                "closed_at": 50,
                "lessons": "L",
                "archive": 1,
                "archived_at": archived_at,
            }
        )
    db.conn.commit()
    db.close()
    upgraded = Store(tmp_path / "old.db")
    crises = CrisisRepository(upgraded)
    assert (crises.get(1).archived_room, crises.get(2).archived_room) == ("C1", None)
    upgraded.close()


def test_a_newer_database_is_refused(tmp_path):
    db = sqlite3.connect(tmp_path / "new.db")
    db.execute("PRAGMA user_version = 999")
    db.close()
    with pytest.raises(RuntimeError, match="upgrade the bot"):
        Store(tmp_path / "new.db")


def test_creating_with_the_same_request_key_returns_the_first_crisis(store):
    repo = CrisisRepository(store)
    first, created = repo.create(_new(responders=("UC3",)), request_key="view:V1", at=100)
    again, created_again = repo.create(_new(), request_key="view:V1", at=200)
    assert created and not created_again and again.id == first.id and again.opened_at == 100
    assert repo.participants(first.id) == {"UA1", "UB2", "UC3"}
    assert [s.state for s in StepRepository(store).of(first.id)] == [StepState.PENDING] * 4
    assert store.db["crises"].count == 1


def test_concurrent_creates_with_one_key_store_one_crisis(tmp_path):
    stores = [Store(tmp_path / "c.db") for _ in range(4)]
    results = []
    threads = [
        threading.Thread(
            target=lambda s=s: results.append(CrisisRepository(s).create(_new(), request_key="view:V9", at=1))
        )
        for s in stores
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(created for _, created in results) == 1
    assert len({c.id for c, _ in results}) == 1
    for s in stores:
        s.close()


def test_the_setup_lease_is_exclusive_until_it_expires(store):
    repo = CrisisRepository(store)
    crisis, _ = repo.create(_new(), request_key="k", at=0)
    assert repo.claim_setup(crisis.id, now=1000, lease_seconds=60)
    assert not repo.claim_setup(crisis.id, now=1030, lease_seconds=60)
    assert repo.setups_to_resume(now=1030) == []
    assert repo.claim_setup(crisis.id, now=1061, lease_seconds=60)  # expired: a crashed worker's lease


def test_tasks_and_their_columns_are_stored_together(store):
    repo = CrisisRepository(store)
    crisis, _ = repo.create(_new(), request_key="k", at=0)
    repo.task_done(
        crisis.id, "channel", at=5, lease_until=60, detail={"x": 1}, channel_id="C1", channel_name="crisis-x"
    )
    assert repo.tasks_done(crisis.id) == {"channel": {"x": 1}}
    assert repo.by_channel("C1").channel_name == "crisis-x"


def test_a_failed_transaction_leaves_nothing_behind(store):
    with pytest.raises(RuntimeError):
        with store.write() as db:
            db["deliveries"].insert({"key": "a", "seen_at": 1})
            raise RuntimeError("crash mid-way")
    assert store.db["deliveries"].count == 0


def test_deliveries_are_seen_once_across_connections(tmp_path):
    a, b = Store(tmp_path / "d.db"), Store(tmp_path / "d.db")
    assert SeenRequests(a).first_time("trigger:1", now=1)
    assert not SeenRequests(b).first_time("trigger:1", now=2)
    a.close()
    b.close()


def test_an_update_is_stored_once_per_request_with_one_card_per_channel(store):
    crisis, _ = CrisisRepository(store).create(_new(), request_key="view:V1", at=100)
    updates = UpdateRepository(store)
    new = NewUpdate("Contained", "known", "doing", "", NextUpdate.HOUR_1, 3700)
    audience = Audience(room="CROOM", channels=("CA", "CB"), people=("UC3",))
    seen = []

    def posts(stored):
        seen.append(stored)
        return [(f"card:{card}", channel) for card, channel in stored.new_cards]

    first = updates.create(crisis.id, new, audience, author="UA1", at=100, request_key="update:V1", posts=posts)
    again = updates.create(crisis.id, new, audience, author="UA1", at=200, request_key="update:V1", posts=posts)
    assert first.created and not again.created and again.update == first.update and len(seen) == 1
    second = updates.create(crisis.id, new, audience, author="UA1", at=300, request_key="update:V2", posts=posts)
    assert (first.update.number, second.update.number) == (1, 2)
    assert [len(s.new_cards) for s in seen] == [3, 0]  # the cards of the first update are reused
    assert [(p.channel, p.card_id is None) for p in updates.posts(second.update.id)] == [
        ("CROOM", False),
        ("CA", False),
        ("CB", False),
        ("UC3", True),
    ]
    assert store.db["outbox"].count == 3 and store.db["updates"].count == 2
    assert [e["kind"] for e in store.db["events"].rows_where("kind = 'update_posted'")] == ["update_posted"] * 2


def test_a_follower_choice_is_remembered_and_replaced(store):
    crisis, _ = CrisisRepository(store).create(_new(), request_key="view:V1", at=100)
    followers = FollowerRepository(store)
    assert followers.choose(crisis.id, "UC3", following=True, at=1) is None
    assert followers.choose(crisis.id, "UC3", following=False, at=2) is True
    assert followers.choices(crisis.id) == {"UC3": False}


def test_a_channel_name_another_set_up_may_be_creating_is_not_planned_twice(store):
    crises = CrisisRepository(store)
    first, _ = crises.create(_new(), request_key="a", at=1)
    second, _ = crises.create(_new(), request_key="b", at=1)
    assert crises.plan_channel_name(first.id, "crisis-x")
    assert not crises.plan_channel_name(second.id, "crisis-x")  # the first may be creating it right now
    assert crises.plan_channel_name(first.id, "crisis-x")  # its own plan, again after a crash
    crises.task_done(first.id, "channel", at=2, lease_until=60, channel_id="C1", channel_name="crisis-x")
    assert not crises.plan_channel_name(second.id, "crisis-x")  # Slack has it now: name_taken
    assert crises.plan_channel_name(second.id, "crisis-x-2")


def test_a_request_is_settled_once_by_the_change_that_carries_it_out(store):
    inbox = Inbox(store)
    assert inbox.accept("trigger:1", "step", {"args": {}}, now=1)
    assert not inbox.accept("trigger:1", "step", {"args": {}}, now=1)  # Slack sent it again
    assert inbox.claim("trigger:1", now=2, stale_after=300).kind == "step"
    assert inbox.claim("trigger:1", now=3, stale_after=300) is None  # this live process has it
    with store.write() as db:
        settle(db, "trigger:1", now=4)
    with pytest.raises(Handled), store.write() as db:  # a second try at the change is rolled back
        db.execute("insert into deliveries (key, seen_at) values ('rolled back', 5)")
        settle(db, "trigger:1", now=5)
    assert store.db.execute("select count(*) from deliveries").fetchone()[0] == 0
    assert (
        inbox.claim("trigger:1", now=9999, stale_after=300) is None
        and inbox.unfinished(now=9999, stale_after=300) == []
    )


def test_a_crisis_is_stored_with_the_start_of_its_set_up(store):
    """The lease, the first tasks' start and the channel name are stored with the crisis, in its
    transaction, so the set-up that follows the ack writes nothing before asking for the channel."""
    crises = CrisisRepository(store)
    other, _ = crises.create(_new(), request_key="a", at=1)
    assert crises.plan_channel_name(other.id, "crisis-t")  # another set-up is creating that one
    start = SetupStart(lease_seconds=60, tasks=("channel", "mentions"), names=("crisis-t", "crisis-t-2"))
    crisis, created = crises.create(_new(), request_key="b", at=100, setup=start)
    assert created and crisis.channel_name == "crisis-t-2"
    assert not crises.claim_setup(crisis.id, now=159, lease_seconds=60)  # held by this process
    assert [c.id for c in crises.setups_to_resume(now=159)] == [other.id] and crises.tasks_done(crisis.id) == {}
    assert crises.start_tasks(crisis.id, ["channel", "topic"], at=200) == {"channel": 100, "topic": None}
    assert crises.start_tasks(crisis.id, ["topic"], at=300) == {"topic": 200}  # started, never finished
    again, created_again = crises.create(_new(), request_key="b", at=400, setup=start)
    assert not created_again and again == crisis  # a resent submission starts nothing
