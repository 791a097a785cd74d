"""Nothing acknowledged is lost: half-done work is finished once, after a crash or a kill."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot import clock, publish
from bot.flows import closing
from bot.model import Step, StepState
from bot.scheduler import tick
from bot.slack.gateway import METADATA_TYPE
from tests.conftest import ANA, BOB, CAR, DAN, in_thread
from tests.fakeslack import BOT_USER, TOKEN
from tests.harness import Harness
from tests.processes import clean_env, start_app
from tests.slackclient import SlackSender

DEAD = "999999:1"  # a holder whose process does not exist


def later(minutes: float):
    return time_machine.travel(datetime.now(UTC) + timedelta(minutes=minutes), tick=True)


def stored_not_published(bot, crisis, step, *, actor):
    """A step change stored with its posts enqueued, as a process that dies right after leaves it."""
    return bot.services.steps.change(
        crisis.id,
        step,
        expect=frozenset({StepState.PENDING}),
        to=StepState.DONE,
        actor=actor,
        at=clock.now(),
        posts=publish.for_step_change,
    )


def notes(fake, crisis):
    return [m for m in in_thread(fake, crisis) if m["text"].startswith("✅")]


def test_a_step_change_whose_process_died_is_noted_and_shown_by_the_scheduler(bot, fake):
    crisis = bot.open_crisis("Died mid-click", user=ANA)
    # The change is stored (and its note enqueued), then the process dies: no note, no update.
    change = stored_not_published(bot, crisis, Step.ACKNOWLEDGE, actor=BOB)
    assert change.posts and notes(fake, crisis) == []
    with later(2):
        tick(bot.services)
        tick(bot.services)
    assert [m["text"] for m in notes(fake, crisis)] == [f"✅ Step 1 (Acknowledge) done by <@{BOB}>"]
    assert "1 of 4 done" in str(fake.message(crisis.channel_id, crisis.checklist_ts)["blocks"])


def test_a_closing_whose_process_died_is_announced_and_archived_once(bot, fake):
    management = fake.add_channel("management", members={BOT_USER})
    bot.services.config = type(bot.services.config)(**{**bot.services.config.__dict__, "digest_channel": management.id})
    crisis = bot.open_crisis("Died while closing", user=ANA)
    request = closing.CloseRequest(
        lessons="Answer the first evening, not the next morning.",
        root_cause="",
        goodwill="",
        force_reason="Test",
        archive=True,
        followups=(("Weekend rota", BOB),),
    )
    closure = closing.close(bot.services, crisis, request, actor=ANA)  # stored; then the process dies
    assert closure and not fake.channels[crisis.channel_id].archived
    with later(2):
        tick(bot.services)
        tick(bot.services)
    room = fake.channels[crisis.channel_id]
    assert len([m for m in room.messages if m["text"].startswith(f"Crisis #{crisis.id} closed")]) == 1
    assert len([m for m in management.messages if "closed" in m["text"]]) == 1
    assert len([m for m in fake.dm_messages(BOB) if "Weekend rota" in m["text"]]) == 1
    assert room.archived and bot.services.closures.get(closure.id).archived_at


def test_a_set_up_that_died_after_creating_its_channel_adopts_it(bot, fake):
    crisis = bot.open_crisis("Died after create", user=ANA)
    # Undo the war room as if the process had died right after Slack created the channel.
    name = crisis.channel_name
    with bot.services.store.write() as db:
        db.execute("delete from setup_tasks where crisis_id = ?", [crisis.id])
        db.execute(
            "update crises set channel_id = null, header_ts = null, checklist_ts = null, setup_state = 'pending', lease_until = ?, lease_holder = ? where id = ?",
            [clock.now() + 600, DEAD, crisis.id],
        )
    fake.channels[crisis.channel_id].messages.clear()
    creates = fake.count("conversations.create")
    tick(bot.services)  # the holder is dead: no need to wait for the lease to run out
    resumed = bot.services.crises.get(crisis.id)
    assert resumed.channel_id == crisis.channel_id and resumed.channel_name == name
    assert fake.count("conversations.create") == creates and resumed.setup_state.value == "done"
    assert len(fake.channels[crisis.channel_id].messages) == 2


def test_a_post_made_just_before_a_crash_is_not_made_again(bot, fake):
    crisis = bot.open_crisis("Crash after post", user=ANA)
    change = stored_not_published(bot, crisis, Step.RESOLVE, actor=ANA)
    key = change.posts[0]
    # The dead process claimed the note and Slack accepted it, but it never recorded the ts.
    bot.services.outbox.claim(key, crisis.channel_id, now=clock.now(), stale_after=300)
    with bot.services.store.write() as db:
        db.execute("update outbox set claimed_by = ? where key = ?", [DEAD, key])
    fake.channels[crisis.channel_id].messages.append(
        {
            "ts": "9999999999.000001",
            "user": BOT_USER,
            "text": "✅ Step 3 (Resolve quickly) done by <@UANA0001>",
            "blocks": [],
            "thread_ts": crisis.checklist_ts,
            "metadata": {"event_type": METADATA_TYPE, "event_payload": {"key": key}},
            "channel": crisis.channel_id,
        }
    )
    tick(bot.services)
    assert len(notes(fake, crisis)) == 1 and fake.count("conversations.replies") == 1
    assert bot.services.outbox.sent_ts(key) == "9999999999.000001"


def test_a_lease_held_by_a_live_worker_is_respected(bot, fake):
    crisis = bot.open_crisis("Busy", user=ANA)
    with bot.services.store.write() as db:
        db.execute(
            "update crises set setup_state = 'pending', lease_until = ?, lease_holder = null where id = ?",
            [clock.now() + 600, crisis.id],
        )
    assert bot.services.crises.setups_to_resume(now=clock.now()) == []
    with bot.services.store.write() as db:
        db.execute("update crises set lease_holder = ? where id = ?", [DEAD, crisis.id])
    assert [c.id for c in bot.services.crises.setups_to_resume(now=clock.now())] == [crisis.id]


@contextmanager
def dies_after_the_ack(bot):
    """The bot acknowledges what it is sent, but the work it defers past the ack never runs, as
    when the process dies right after acknowledging."""
    defer = bot.services.defer
    bot.services.defer = lambda *args, **kwargs: None
    try:
        yield
    finally:
        bot.services.defer = defer


def recovered(bot):
    """Minutes later: the scheduler finds what was acknowledged and never carried out."""
    with later(6):
        tick(bot.services)
        tick(bot.services)


def test_a_not_applicable_reason_acknowledged_before_a_crash_is_recorded_once(bot, fake):
    crisis = bot.open_crisis("Skipped before the crash", user=ANA)
    bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), "crisis.step.skip#2", user=ANA)
    bot.settle()
    with dies_after_the_ack(bot):
        reply = bot.send.submit(bot.last_view(), {"reason": "Not our fault: a troll"}, user=ANA)
    assert reply.status == 200 and reply.body == "" and bot.services.steps.of(crisis.id)[1].state is StepState.PENDING
    recovered(bot)
    recovered(bot)
    step = bot.services.steps.of(crisis.id)[1]
    assert (step.state, step.reason) == (StepState.NOT_APPLICABLE, "Not our fault: a troll")
    assert len([m for m in in_thread(fake, crisis) if m["text"].startswith("➖ Step 2")]) == 1


def test_a_crisis_acknowledged_before_a_crash_gets_its_war_room_once_under_the_name_planned_with_it(bot, fake):
    """The submission stores the crisis with the start of its set-up (its lease, its first tasks,
    its channel's name); a process that dies before asking Slack leaves it to the scheduler,
    which looks for the planned channel first, and creates it once."""
    bot.send.command("open Opened before the crash", user=ANA, channel=fake.general.id)
    bot.settle()
    with dies_after_the_ack(bot):
        reply = bot.send.submit(bot.last_view(), {"category": "trolling"}, user=ANA)
    assert reply.status == 200 and reply.body == "" and fake.count("conversations.create") == 0
    (crisis,) = bot.services.crises.open_crises()
    assert crisis.channel_name and crisis.channel_id is None
    recovered(bot)
    resumed = bot.services.crises.get(crisis.id)
    assert fake.count("users.conversations") == 1 and fake.count("conversations.create") == 1
    assert resumed.channel_name == crisis.channel_name and fake.channels[resumed.channel_id].name == crisis.channel_name
    assert resumed.setup_state.value == "done" and set_up(fake.channels[resumed.channel_id])


def test_a_draft_acknowledged_before_a_crash_is_put_up_for_approval_once(bot, fake):
    crisis = bot.open_crisis("Drafted before the crash", user=ANA, owner=BOB)
    bot.send.command("template apology", user=ANA, channel=crisis.channel_id)
    bot.settle()
    template = [m for m in in_thread(fake, crisis) if m["blocks"]][-1]
    bot.send.click(template, "crisis.template.edit", user=ANA, channel=crisis.channel_id)
    bot.settle()
    with dies_after_the_ack(bot):
        reply = bot.send.submit(bot.last_view(), {"draft_text": "We are sorry. Sam"}, user=ANA)
    assert reply.status == 200 and bot.services.drafts.for_crisis(crisis.id) == []
    recovered(bot)
    recovered(bot)
    assert [d.text for d in bot.services.drafts.for_crisis(crisis.id)] == ["We are sorry. Sam"]
    assert len([m for m in in_thread(fake, crisis) if "Draft reply for approval" in m["text"]]) == 1


# The real process, killed by SIGKILL at the worst moment, then started again.


class Process:
    def __init__(self, fake, env, tmp_path):
        self.fake, self.env, self.tmp_path = fake, env, tmp_path
        self.process = None

    def start(self):
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = clean_env(**{**self.env, "PORT": str(port), "WEB_CONCURRENCY": "1", "SCHEDULER_SECONDS": "1"})
        self.process = start_app(env, self.tmp_path)
        self.send = SlackSender(f"http://127.0.0.1:{port}/slack/events", self.fake)
        deadline = time.monotonic() + 20
        while True:
            try:
                if self.send.command("help", user=ANA, channel=self.fake.general.id).status == 200:
                    return self
            except OSError:
                pass
            assert self.process.poll() is None and time.monotonic() < deadline, "the bot did not start"
            time.sleep(0.1)

    def worker_pid(self) -> int:
        """The gunicorn worker that serves requests (the master only supervises); on a loaded
        machine the master may still be (re)spawning it, so wait for it a little."""
        deadline = time.monotonic() + 10
        while True:
            children = open(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read().split()
            if children or time.monotonic() > deadline:
                return int(children[0])
            time.sleep(0.05)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def process_env(fake, tmp_path):
    return {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99aaabbb85a5",
        "SLACK_API_URL": fake.url,
        "CRISIS_DB_PATH": str(tmp_path / "crisis.db"),
    }


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def set_up(room) -> bool:
    """The war room shows its pinned header and its checklist, and the owner has been told."""
    return len(room.pins) == 1 and any("Checklist" in m["text"] for m in room.messages)


def killed_during_set_up(fake, env, tmp_path, method, when=None):
    """Open a crisis (owned by Bob) with the real process, SIGKILL it the moment Slack has done
    `method` (matching `when`), start the bot again and wait until the restarted bot has
    finished the war room; then let a few more scheduler ticks pass. Returns the war room."""
    bot = Process(fake, env, tmp_path).start()
    again = Process(fake, env, tmp_path)
    try:
        fake.kill_after(method, pid=bot.worker_pid, when=when)
        bot.send.command("open Killed mid-set-up", user=ANA, channel=fake.general.id)
        wait_for(lambda: fake.views)
        fake.latency = 0.2  # the set-up's calls come well after the submission's ack went out
        bot.send.submit(next(iter(fake.views.values())), {"category": "trolling", "owner": BOB}, user=ANA)
        wait_for(lambda: not fake.kills_pending)
        fake.latency = 0
        bot.stop()  # the master would only start a fresh worker; stop it and start the bot again
        again.start()
        wait_for(lambda: (room := fake.channel_named("crisis-")) and set_up(room) and fake.dm_messages(BOB))
        time.sleep(1.5)  # a few more scheduler ticks: nothing more may happen
        return fake.channel_named("crisis-")
    finally:
        bot.stop()
        again.stop()


def test_killed_right_after_creating_the_channel_the_restarted_bot_finishes_with_one_war_room(
    fake, process_env, tmp_path
):
    room = killed_during_set_up(fake, process_env, tmp_path, "conversations.create")
    assert fake.count("conversations.create") == 1 and [
        c.name for c in fake.channels.values() if c.name.startswith("crisis-")
    ] == [room.name]
    assert len([m for m in room.messages if "Checklist" in m["text"]]) == 1 and len(room.pins) == 1


def test_the_restarted_bot_finds_its_channel_among_more_than_a_page_of_channels(fake, process_env, tmp_path):
    for n in range(1200):  # users.conversations answers at most 999 channels a page
        fake.add_channel(f"team-{n}", members={BOT_USER})
    room = killed_during_set_up(fake, process_env, tmp_path, "conversations.create")
    assert (
        fake.count("conversations.create") == 1
        and len([c for c in fake.channels.values() if c.name.startswith("crisis-")]) == 1
    )
    assert set_up(room) and len(fake.dm_messages(BOB)) == 1


def war_room_posts(fake, room):
    """The header, checklist and owner's DM that set-up posted, each as a list of copies."""
    headers = [m for m in room.messages if m["text"].startswith("Crisis #")]
    checklists = [m for m in room.messages if m["text"].startswith("Checklist for crisis")]
    return headers, checklists, [m for m in fake.dm_messages(BOB) if "You're the owner" in m["text"]]


@pytest.mark.parametrize(
    "posted",
    [
        lambda args: args["text"].startswith("Crisis #"),  # the header
        lambda args: args["text"].startswith("Checklist for crisis"),
        lambda args: args["channel"] == BOB,  # the owner's DM
    ],
    ids=["header", "checklist", "owner's DM"],
)
def test_killed_right_after_a_set_up_post_the_restarted_bot_posts_it_once(fake, process_env, tmp_path, posted):
    room = killed_during_set_up(fake, process_env, tmp_path, "chat.postMessage", when=posted)
    headers, checklists, dms = war_room_posts(fake, room)
    assert (len(headers), len(checklists), len(dms)) == (1, 1, 1) and room.pins == [headers[0]["ts"]]


def test_killed_after_posting_the_closing_summary_the_restarted_bot_finishes_once(fake, process_env, tmp_path):
    management = fake.add_channel("management", members={BOT_USER, DAN})
    env = {**process_env, "DIGEST_CHANNEL": management.id}
    harness = Harness.start(fake, env)  # open and settle the crisis in-process, then hand over to processes
    crisis = harness.open_crisis("Killed while closing", user=ANA)
    for step in (1, 2, 3, 4):
        harness.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), f"crisis.step.done#{step}", user=ANA)
        harness.settle()
    harness.stop()
    bot = Process(fake, env, tmp_path).start()
    again = Process(fake, env, tmp_path)
    try:
        fake.kill_after(
            "chat.postMessage",
            pid=bot.worker_pid,
            when=lambda args: "closed" in (args.get("text") or "") and args.get("channel") == crisis.channel_id,
        )
        bot.send.command("close", user=ANA, channel=crisis.channel_id)
        wait_for(lambda: any(v.get("callback_id") == "crisis.close" for v in fake.views.values()))
        modal = [v for v in fake.views.values() if v.get("callback_id") == "crisis.close"][-1]
        bot.send.submit(
            modal, {"lessons": "Never let a complaint wait until Monday.", "archive": ["archive"]}, user=ANA
        )
        room = fake.channels[crisis.channel_id]
        wait_for(lambda: any(m["text"].startswith(f"Crisis #{crisis.id} closed") for m in room.messages))
        bot.stop()
        again.start()
        wait_for(lambda: room.archived and any("closed" in m["text"] for m in management.messages))
        time.sleep(1.5)
        assert len([m for m in room.messages if m["text"].startswith(f"Crisis #{crisis.id} closed")]) == 1
        assert len([m for m in management.messages if "closed" in m["text"]]) == 1
    finally:
        bot.stop()
        again.stop()


def killed_after_the_ack(fake, env, tmp_path, method, send, carried_out):
    """Open a crisis, then have the real process acknowledge what `send(process, crisis)` sends
    and SIGKILL it at its first call of `method`, before it hears back; start the bot again,
    wait until `carried_out(crisis)` and let a few more scheduler ticks pass. Returns the
    crisis and the acknowledgement."""
    harness = Harness.start(fake, env)
    crisis = harness.open_crisis("Killed after the ack", user=ANA)
    harness.stop()
    bot = Process(fake, env, tmp_path).start()
    again = Process(fake, env, tmp_path)
    try:
        fake.kill_after(method, pid=bot.worker_pid)
        fake.latency = 0.2  # the bot's first Web API call comes well after its ack went out
        reply = send(bot, crisis)
        wait_for(lambda: not fake.kills_pending)
        fake.latency = 0
        bot.stop()
        again.start()
        wait_for(lambda: carried_out(crisis))  # the restarted bot's scheduler finds the request
        time.sleep(1.5)  # a few more scheduler ticks: nothing more may happen
        return crisis, reply
    finally:
        bot.stop()
        again.stop()


def test_a_click_acknowledged_right_before_the_bot_was_killed_is_carried_out(fake, process_env, tmp_path):
    def click_done(bot, crisis):
        fake.channels[crisis.channel_id].members.add(CAR)  # she joined by herself: checking her asks Slack
        return bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), "crisis.step.done#1", user=CAR)

    crisis, reply = killed_after_the_ack(
        fake, process_env, tmp_path, "conversations.members", click_done, lambda crisis: notes(fake, crisis)
    )
    assert reply.status == 200
    assert [m["text"] for m in notes(fake, crisis)] == [f"✅ Step 1 (Acknowledge) done by <@{CAR}>"]
    assert "1 of 4 done" in str(fake.message(crisis.channel_id, crisis.checklist_ts)["blocks"])


def test_a_command_acknowledged_right_before_the_bot_was_killed_is_carried_out(fake, process_env, tmp_path):
    def hand_over(bot, crisis):
        return bot.send.command(f"owner <@{BOB}|bob>", user=ANA, channel=crisis.channel_id)

    def announced(crisis):
        return [m for m in fake.channels[crisis.channel_id].messages if f"<@{BOB}> now owns this crisis" in m["text"]]

    crisis, reply = killed_after_the_ack(fake, process_env, tmp_path, "users.info", hand_over, announced)
    assert reply.status == 200
    room = fake.channels[crisis.channel_id]
    assert len(announced(crisis)) == 1
    assert BOB in room.members and len([m for m in fake.dm_messages(BOB) if "handed crisis" in m["text"]]) == 1


def test_a_retried_submission_after_a_restart_is_still_recognised(fake, process_env, tmp_path):
    bot = Process(fake, process_env, tmp_path).start()
    again = Process(fake, process_env, tmp_path)
    try:
        bot.send.command("open Before the restart", user=ANA, channel=fake.general.id)
        wait_for(lambda: fake.views)
        view = next(iter(fake.views.values()))
        bot.send.submit(view, {"category": "venting"}, user=ANA)
        wait_for(lambda: fake.count("pins.add") == 1)
        bot.stop()
        again.start()
        again.send.submit(view, {"category": "venting"}, user=ANA, headers={"X-Slack-Retry-Num": "1"})
        time.sleep(1.5)
        assert fake.count("conversations.create") == 1
    finally:
        bot.stop()
        again.stop()


def test_a_hand_over_whose_process_died_is_announced_once_by_the_scheduler(bot, fake):
    crisis = bot.open_crisis("Died while handing over", user=ANA)
    # Stored with its announcement and DM enqueued; then the process dies before posting them.
    assert bot.services.crises.set_owner(crisis.id, BOB, actor=ANA, at=clock.now(), posts=publish.for_handover)

    def announced():
        notes = [m for m in fake.channels[crisis.channel_id].messages if f"<@{BOB}> now owns this crisis" in m["text"]]
        return len(notes), len([m for m in fake.dm_messages(BOB) if "handed crisis" in m["text"]])

    assert announced() == (0, 0)
    with later(2):
        tick(bot.services)
        tick(bot.services)
    assert announced() == (1, 1)
