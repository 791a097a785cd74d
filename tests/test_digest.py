"""The daily digest: content, limits, exactly once a day, on demand and from the command line."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot import clock
from bot.flows import digest
from bot.scheduler import tick
from bot.slack.blockkit import MESSAGE_MAX_BLOCKS
from tests.bulk import bulk_crises
from tests.conftest import ANA, BOB, CAR, DAN
from tests.fakeslack import BOT_USER
from tests.harness import Harness
from tests.processes import clean_env, run_app

AMSTERDAM = "Europe/Amsterdam"


@pytest.fixture
def digest_env(env, management):
    return {**env, "DIGEST_CHANNEL": management.id, "DIGEST_TIME": "09:00", "DIGEST_TZ": AMSTERDAM}


@pytest.fixture
def bot(fake, digest_env):
    harness = Harness.start(fake, digest_env)
    yield harness
    harness.stop()


def digests(management):
    return [m for m in management.messages if "Crisis digest" in m["text"]]


def at(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_the_digest_says_what_is_burning_who_owns_it_and_what_was_learnt(fake, digest_env, management):
    bot = Harness.start(fake, {**digest_env, "STALL_HOURS": "12"})
    try:
        with time_machine.travel(at(2026, 11, 24, 7), tick=True) as traveller:  # 08:00 in Amsterdam
            old = bot.open_crisis("Old medium one", user=ANA, severity="medium")
            traveller.move_to(at(2026, 11, 24, 8, 1))
            tick(bot.services)  # Tuesday's digest, on time
            traveller.move_to(at(2026, 11, 24, 9))
            critical = bot.open_crisis(
                "Critical <!channel> leak", user=ANA, owner=BOB, severity="critical", category="hacked_account"
            )
            bot.open_crisis("Secret recall", user=CAR, severity="high", private=["private"])
            done = bot.open_crisis("Finished one", user=ANA)
            for step in (1, 2, 3, 4):
                bot.send.click(fake.message(done.channel_id, done.checklist_ts), f"crisis.step.done#{step}", user=ANA)
                bot.settle()
            bot.send.click(fake.message(old.channel_id, old.checklist_ts), "crisis.step.done#1", user=ANA)
            bot.settle()
            bot.send.command("close", user=ANA, channel=done.channel_id)
            bot.settle()
            lesson = "Reply before the evening news. Everything else follows from that."
            bot.send.submit(
                bot.last_view(),
                {"lessons": lesson, "followup_1": "Evening webcare rota", "followup_owner_1": CAR},
                user=ANA,
            )
            bot.settle()
            traveller.move_to(at(2026, 11, 25, 8, 1))  # Wednesday, just after 09:00 in Amsterdam
            tick(bot.services)
    finally:
        bot.stop()
    tuesday, wednesday = digests(management)
    text = str(wednesday["blocks"])
    assert "3 open" in text and "🔴 Critical 1" in text and "🟠 High 1" in text and "🟡 Medium 1" in text
    assert "3 opened and 1 closed since the last digest" in text
    assert text.index("Critical &lt;!channel&gt; leak") < text.index("A private crisis") < text.index("Old medium one")
    assert f"app_redirect?channel={critical.channel_id}|*Critical &lt;!channel&gt; leak*>" in text
    assert f"owner <@{BOB}>" in text and "Hacked account" in text and "0/4" in text and "1/4" in text
    assert "not acknowledged in time" in text and "stalled" in text
    assert "Secret recall" not in text and f"A private crisis (owner <@{CAR}>)" in text
    assert "Finished one" in text and "lesson: Reply before the evening news." in text and "Everything else" not in text
    assert "Evening webcare rota" in text and f"<@{CAR}>" in text
    assert "Median time to acknowledge" in text and "Crises by type:" in text
    assert "Crisis digest · Wednesday 25 November" in text and "late" not in text


def test_on_demand_the_digest_shows_private_crises_to_their_people(bot, fake, management):
    bot.open_crisis("Secret recall", user=CAR, private=["private"])
    as_car = bot.ask("digest", user=CAR, channel=fake.general.id).json
    as_dan = bot.ask("digest", user=DAN, channel=fake.general.id).json
    assert as_car["response_type"] == "ephemeral" and "Secret recall" in str(as_car["blocks"])
    assert "Secret recall" not in str(as_dan["blocks"]) and "A private crisis" in str(as_dan["blocks"])
    assert digests(management) == []  # on demand is not the daily post


def test_five_thousand_crises_stay_within_slacks_limits(bot, fake, management):
    now = clock.now()
    bulk_crises(bot.services.store, 5000, now=now)
    snapshot = digest.gather(bot.services, now=now, day=digest.today(bot.services, now))
    message = digest.render(bot.services, snapshot).to_kwargs()  # validated: raises if Slack would reject it
    assert len(message["blocks"]) <= MESSAGE_MAX_BLOCKS
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in message["blocks"])
    text = str(message["blocks"])
    assert "Open crises: 4900" in text and f"…and {4900 - 15} more open crises" in text and "/crisis list" in text
    assert "…and 90 more closed" in text and "…and 90 more." in text
    next_slot = digest.latest_slot(now + 24 * 3600, bot.services.config.digest_time, bot.services.config.digest_tz)
    with time_machine.travel(next_slot.timestamp() + 60, tick=True):
        digest.send_due(bot.services, now=clock.now())  # the scheduler's digest job alone: 4,900
        # overdue nudges would take Slack (and the rate budget) minutes, and are not the point
    assert len(digests(management)) == 1  # and the fake Slack accepted it


def test_a_quiet_day_gets_one_line_or_nothing(fake, digest_env, management):
    harness = Harness.start(fake, digest_env)
    try:
        with time_machine.travel(at(2026, 11, 23, 8, 5), tick=True):
            tick(harness.services)
        assert [m["text"] for m in digests(management)] == [
            "🌤️ Crisis digest, Monday 23 November: no open crises and nothing closed since the last digest."
        ]
    finally:
        harness.stop()
    management.messages.clear()
    quiet = Harness.start(
        fake, {**digest_env, "DIGEST_QUIET": "skip", "CRISIS_DB_PATH": digest_env["CRISIS_DB_PATH"] + "-2"}
    )
    try:
        with time_machine.travel(at(2026, 11, 23, 8, 5), tick=True):
            tick(quiet.services)
            tick(quiet.services)
        assert management.messages == [] and quiet.services.outbox.settled(["digest:2026-11-23"])
    finally:
        quiet.stop()


def test_once_a_day_at_the_local_time_across_a_dst_change(bot, fake, management):
    bot.open_crisis("Keeps going", user=ANA)
    # Summer time ends in Amsterdam on Sunday 25 October 2026: 09:00 is 07:00 UTC before, 08:00 UTC after.
    for moment, expected in [
        (at(2026, 10, 24, 6, 59), 0),  # a fresh install catches up nothing
        (at(2026, 10, 24, 7, 0), 1),
        (at(2026, 10, 24, 15, 0), 1),
        (at(2026, 10, 25, 7, 30), 1),  # 08:30 in Amsterdam on the winter-time day
        (at(2026, 10, 25, 8, 0), 2),
        (at(2026, 10, 25, 23, 59), 2),
    ]:
        with time_machine.travel(moment, tick=False):
            tick(bot.services)
        assert len(digests(management)) == expected, moment
    assert all("late" not in d["text"] for d in digests(management))
    keys = [d["metadata"]["event_payload"]["key"] for d in digests(management)]
    assert keys == ["digest:2026-10-24", "digest:2026-10-25"]


def test_a_restart_mid_day_does_not_send_it_again(fake, digest_env, management):
    first = Harness.start(fake, digest_env)
    first.open_crisis("Restart", user=ANA)
    with time_machine.travel(at(2026, 11, 23, 8, 1), tick=True):
        tick(first.services)
    first.stop()
    second = Harness.start(fake, digest_env)
    try:
        with time_machine.travel(at(2026, 11, 23, 12, 0), tick=True):
            tick(second.services)
        assert len(digests(management)) == 1
    finally:
        second.stop()


def test_two_schedulers_on_one_database_send_one(fake, digest_env, management):
    bots = [Harness.start(fake, digest_env) for _ in range(2)]
    try:
        bots[0].open_crisis("Twice?", user=ANA)
        fake.latency = 0.05
        with time_machine.travel(at(2026, 11, 23, 8, 1), tick=True):
            threads = [threading.Thread(target=tick, args=(b.services,)) for b in bots for _ in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert len(digests(management)) == 1
    finally:
        for b in bots:
            b.stop()


def test_days_missed_while_down_give_one_late_digest(bot, fake, management):
    bot.open_crisis("Long weekend", user=ANA)
    with time_machine.travel(at(2026, 11, 20, 8, 1), tick=False):
        tick(bot.services)
    with time_machine.travel(at(2026, 11, 23, 13, 0), tick=False):  # Friday's went out; the bot was down since
        tick(bot.services)
        tick(bot.services)
    friday, monday = digests(management)
    assert "late" in monday["text"] and "Monday 23 November" in monday["text"]
    assert monday["metadata"]["event_payload"]["key"] == "digest:2026-11-23"


def test_a_crash_after_posting_the_digest_never_posts_it_twice(bot, fake, management):
    bot.open_crisis("Crash", user=ANA)
    with time_machine.travel(at(2026, 11, 23, 8, 1), tick=True) as traveller:
        original = bot.services.outbox.sent
        bot.services.outbox.sent = lambda *a, **k: None  # the process dies before recording the post
        tick(bot.services)
        bot.services.outbox.sent = original
        traveller.shift(timedelta(minutes=10))
        tick(bot.services)
    assert len(digests(management)) == 1


def test_digest_dry_run_prints_text_and_sends_nothing(bot, fake, digest_env, tmp_path):
    bot.open_crisis("Printed <crisis>", user=ANA, severity="critical")
    calls = len(fake.calls)
    env = clean_env(**{**digest_env, "SLACK_API_URL": "http://127.0.0.1:9/api/"})  # nothing listens there
    result = run_app(env, tmp_path, argv=["digest", "--dry-run"])
    assert result.returncode == 0, result.stderr
    assert "Printed <crisis>" in result.stdout and "1 open" in result.stdout and "@UANA0001" in result.stdout
    assert "<@" not in result.stdout and len(fake.calls) == calls


def test_digest_send_posts_now_and_only_once_a_day(bot, fake, digest_env, management, tmp_path):
    bot.open_crisis("From cron", user=ANA)
    env = clean_env(**{**digest_env, "DIGEST_TIME": "off"})
    first = run_app(env, tmp_path, argv=["digest", "--send"])
    second = run_app(env, tmp_path, argv=["digest", "--send"])
    assert first.returncode == second.returncode == 0, first.stderr
    assert "was posted." in first.stdout and "posted already" in second.stdout
    assert len(digests(management)) == 1


def test_a_digest_slack_refused_goes_out_once_the_bot_is_invited(fake, digest_env):
    board = fake.add_channel("board", members={DAN}, private=True)  # the bot is not in it yet
    bot = Harness.start(fake, {**digest_env, "DIGEST_CHANNEL": board.id})
    try:
        with time_machine.travel(at(2026, 11, 24, 8, 1), tick=True) as traveller:
            tick(bot.services)  # channel_not_found: not posted, so not settled
            assert digests(board) == [] and not bot.services.outbox.settled(["digest:2026-11-24"])
            board.members.add(BOT_USER)  # someone invites the bot, half an hour later
            traveller.shift(timedelta(minutes=30))
            tick(bot.services)
            tick(bot.services)
    finally:
        bot.stop()
    assert [d["metadata"]["event_payload"]["key"] for d in digests(board)] == ["digest:2026-11-24"]


def test_digest_send_fails_loudly_until_it_is_posted(fake, digest_env, tmp_path):
    board = fake.add_channel("board", members={DAN}, private=True)  # the bot is not in it yet
    env = clean_env(**{**digest_env, "DIGEST_CHANNEL": board.id, "DIGEST_TIME": "off"})
    refused = run_app(env, tmp_path, argv=["digest", "--send"])
    assert refused.returncode != 0 and "not posted" in refused.stdout + refused.stderr
    assert "the channel no longer exists or the bot cannot see it" in refused.stdout + refused.stderr
    board.members.add(BOT_USER)
    posted = run_app(env, tmp_path, argv=["digest", "--send"])
    assert posted.returncode == 0 and "was posted." in posted.stdout and len(digests(board)) == 1
