"""When the database cannot be written (a full disk, a lock another process holds, a read-only
file), the bot says so in plain words, keeps open forms open with what was typed, and goes on
answering everything that only reads."""

from __future__ import annotations

import json
import resource
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import time_machine

from bot import clock
from bot.flows import inbox
from bot.model import StepState
from tests.conftest import ANA
from tests.fakeslack import TOKEN, FakeSlack
from tests.processes import clean_env, run_app, serve
from tests.slackclient import SIGNING_SECRET, SlackSender

REASON = "Not our fault: the courier lost the parcel, and we say so"
LESSON = "Answer the first evening, not the next morning, and say who is on it."
UNTRUE = "Nothing you entered is lost"


def everything_told(fake: FakeSlack) -> str:
    """Every text the bot sent people: response_url answers and messages."""
    return json.dumps(fake.responses) + json.dumps([c.args for c in fake.calls if c.method.startswith("chat.")])


# The real process with a full disk.


def worker_pid(pid: int) -> int:
    return int(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0])


@contextmanager
def full_disk(db_path: Path, pid: int) -> Iterator[None]:
    """The disk under the database is full for process `pid`: the write-ahead log is emptied
    into the database, then the process may not write a byte more to any file (RLIMIT_FSIZE:
    the kernel cuts the write short, which SQLite reports as "database or disk is full")."""
    db = sqlite3.connect(db_path)
    try:
        busy, _, _ = db.execute("pragma wal_checkpoint(truncate)").fetchone()
        assert busy == 0
    finally:
        db.close()
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (1, resource.RLIM_INFINITY))
    try:
        yield
    finally:
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def open_through(send: SlackSender, fake: FakeSlack, title: str) -> dict:
    """Open a crisis through the bot; its checklist message once the war room is set up."""
    send.command(f"open {title}", user=ANA, channel=fake.general.id)
    view = fake.wait_for(lambda: next((v for v in fake.views.values() if v.get("callback_id") == "crisis.open"), None))
    assert send.submit(view, {"category": "business_error"}, user=ANA).body == ""
    return fake.wait_for(
        lambda: next(
            (m for c in fake.channels.values() for m in c.messages if m["text"].startswith("Checklist")), None
        ),
        timeout=20,
    )


def modal(fake: FakeSlack, callback_id: str) -> dict:
    return fake.wait_for(lambda: next((v for v in fake.views.values() if v.get("callback_id") == callback_id), None))


def test_with_the_disk_full_forms_keep_their_text_reads_work_and_clicks_are_answered(fake, tmp_path):
    db_path = tmp_path / "crisis.db"
    env = clean_env(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.url,
        CRISIS_DB_PATH=str(db_path),
        WEB_CONCURRENCY="1",
    )
    process, url = serve(env, tmp_path)
    send = SlackSender(f"{url}/slack/events", fake)
    try:
        checklist = open_through(send, fake, "Parcel lost before the weekend")
        room = checklist["channel"]
        send.click(checklist, "crisis.step.skip#2", user=ANA)
        skip = modal(fake, "crisis.step.skip")
        refusal = send.command("close", user=ANA, channel=room).json
        send.click({"ts": "1.1", "blocks": refusal["blocks"], "channel": room}, "crisis.close.force", user=ANA)
        close = modal(fake, "crisis.close")
        closing = {"lessons": LESSON, "force_reason": "The customer withdrew the complaint"}

        with full_disk(db_path, worker_pid(process.pid)):
            for text, answer in [("status", "Acknowledge"), ("list", "Parcel lost"), ("lessons parcel", "No lessons")]:
                reply = send.command(text, user=ANA, channel=room)
                assert reply.status == 200 and answer in json.dumps(reply.json), (text, reply)

            reply = send.click(checklist, "crisis.step.done#1", user=ANA)
            assert reply.status == 200
            told = fake.wait_for(lambda: [r for r in fake.responses if "couldn't save" in r["text"]])
            assert "disk" in told[0]["text"] and "full" in told[0]["text"]  # full, or a write it refused

            for form, typed in [(skip, {"reason": REASON}), (close, closing)]:
                reply = send.submit(form, typed, user=ANA)
                assert reply.status == 200 and reply.json["response_action"] == "errors", reply
                (error,) = reply.json["errors"].values()  # under the form's first field
                assert "couldn't save" in error and "disk" in error and "still here" in error

        assert send.submit(skip, {"reason": REASON}, user=ANA).body == ""  # space again: the same form goes through

        def step_two() -> tuple | None:
            db = sqlite3.connect(db_path)
            try:
                return db.execute("select state, reason from steps where step = 2").fetchone()
            finally:
                db.close()

        assert fake.wait_for(lambda: step_two() == ("na", REASON))  # stored in the inbox, carried out after the ack
        assert UNTRUE not in everything_told(fake)
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert "Traceback" not in output, output


# A lock held by another process, in-process.


@contextmanager
def locked(db_path: str) -> Iterator[None]:
    """Another process holds the database's write lock (and keeps holding it)."""
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("begin exclusive")
    try:
        yield
    finally:
        db.execute("rollback")
        db.close()


def test_with_the_database_locked_reads_work_and_a_form_stays_open(bot, fake):
    crisis = bot.open_crisis("Locked out", user=ANA)
    bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), "crisis.step.skip#4", user=ANA)
    bot.settle()
    skip = bot.last_view()
    with locked(bot.services.store.path):
        reply = bot.send.command("status", user=ANA, channel=crisis.channel_id)
        assert reply.status == 200 and "Acknowledge" in json.dumps(reply.json)
        reply = bot.send.submit(skip, {"reason": REASON}, user=ANA)
        assert reply.json["response_action"] == "errors" and "busy" in reply.json["errors"]["reason"]
    assert bot.send.submit(skip, {"reason": REASON}, user=ANA).body == ""
    bot.settle()
    assert bot.services.steps.of(crisis.id)[3].reason == REASON
    assert UNTRUE not in everything_told(fake)


def test_with_the_database_locked_a_drafted_reply_stays_in_its_form(bot, fake):
    crisis = bot.open_crisis("Locked draft", user=ANA)
    bot.send.command("template apology en", user=ANA, channel=crisis.channel_id)
    bot.settle()
    template = next(m for m in reversed(fake.channels[crisis.channel_id].messages) if " reply in " in m["text"])
    bot.send.click(template, "crisis.template.edit", user=ANA, channel=crisis.channel_id)
    bot.settle()
    form = bot.last_view()
    with locked(bot.services.store.path):
        reply = bot.send.submit(form, {"draft_text": LESSON}, user=ANA)
        assert reply.json["response_action"] == "errors" and "still here" in reply.json["errors"]["draft_text"]
    assert bot.send.submit(form, {"draft_text": LESSON}, user=ANA).body == ""
    assert bot.send.submit(form, {"draft_text": LESSON}, user=ANA).body == ""  # Slack resending it drafts once
    bot.settle()
    assert [d.text for d in bot.services.drafts.for_crisis(crisis.id)] == [LESSON]
    assert len([m for m in fake.channels[crisis.channel_id].messages if "Draft reply" in m["text"]]) == 1


def test_a_stored_click_the_database_cannot_take_yet_is_kept_and_carried_out_once(bot, fake, monkeypatch):
    """The click was stored (the inbox) and acknowledged, then carrying it out met a held lock:
    the person is told it is kept, and the sweep carries it out once the lock is gone."""
    crisis = bot.open_crisis("Kept for later", user=ANA)
    carry_out = inbox.WORK["step"]
    tries: list[str] = []

    def locked_the_first_time(services, asked):  # noqa: ANN001, ANN202
        tries.append(asked.key)
        if len(tries) > 1:
            return carry_out(services, asked)
        with locked(services.store.path), services.store.patience(0.1):
            return carry_out(services, asked)

    monkeypatch.setitem(inbox.WORK, "step", locked_the_first_time)
    assert (
        bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), "crisis.step.done#1", user=ANA).body == ""
    )
    bot.settle()
    told = fake.responses[-1]["text"]
    assert "couldn't save" in told and "busy" in told and "kept" in told, told
    assert bot.services.steps.of(crisis.id)[0].state is StepState.PENDING
    with time_machine.travel(clock.now() + inbox.STALE_AFTER_SECONDS + 1, tick=True):  # the sweep's turn
        inbox.sweep(bot.services, now=clock.now())
        inbox.sweep(bot.services, now=clock.now())  # once done, never again
        bot.settle()
    assert bot.services.steps.of(crisis.id)[0].state is StepState.DONE and len(tries) == 2
    notes = [m for m in fake.channels[crisis.channel_id].messages if m.get("thread_ts") == crisis.checklist_ts]
    assert len(notes) == 1, notes  # the step's note in the thread, once
    assert UNTRUE not in everything_told(fake)


# A read-only database at start-up.


def read_only(db_path: Path) -> None:
    """Mark the file as written by a newer SQLite than this one: SQLite then opens it read-only
    (file format, byte 18), whoever runs the bot (root ignores file permissions)."""
    data = bytearray(db_path.read_bytes())
    data[18] = 3
    db_path.write_bytes(bytes(data))


@pytest.mark.parametrize("argv", [[], ["digest", "--dry-run"]])
def test_a_read_only_database_at_start_up_is_one_line_and_exit_2(fake, tmp_path, argv):
    db_path = tmp_path / "crisis.db"
    db = sqlite3.connect(db_path)
    db.execute("create table notes (text)")  # a database of someone else's, so the bot has tables to create
    db.commit()
    db.close()
    read_only(db_path)
    env = clean_env(
        SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.url, CRISIS_DB_PATH=str(db_path)
    )
    result = run_app(env, tmp_path, argv=argv)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert "CRISIS_DB_PATH" in lines[0] and "read-only" in lines[0] and "Traceback" not in result.stderr
