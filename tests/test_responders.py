"""CRISIS_RESPONDERS naming a Slack user group: asking Slack who is in it never delays an ack,
and a lookup that fails never loses a form."""

from __future__ import annotations

import pytest

from tests.conftest import BOB, DAN
from tests.harness import Harness

GROUP = "SRESP001"


@pytest.fixture
def workers(fake, env):
    """Two bot processes sharing one database, as gunicorn runs them: each has its own cache of
    who is in the group, so a form opened through one may be submitted through the other."""
    fake.usergroups[GROUP] = [BOB]
    started = [Harness.start(fake, {**env, "CRISIS_RESPONDERS": GROUP}) for _ in range(2)]
    yield started
    for harness in started:
        harness.stop()


def test_the_ack_of_crisis_open_never_waits_for_the_group_lookup(workers, fake):
    one, _ = workers
    slow = fake.hold("usergroups.users.list")
    try:
        reply = one.send.command("open Refunds late again", user=BOB, channel=fake.general.id)
        assert reply.status == 200 and reply.body == ""
        fake.wait_for(lambda: slow.waiting == 1)  # the lookup is in Slack's hands: the ack came before it
    finally:
        slow.release.set()
    one.settle()
    assert one.last_view()["callback_id"] == "crisis.open"


def test_a_submission_asks_slack_nothing_so_a_failing_lookup_loses_nothing(workers, fake):
    one, two = workers
    one.send.command("open Refunds late again", user=BOB, channel=fake.general.id)
    one.settle()
    form = one.last_view()
    fake.fail("usergroups.users.list", "internal_error", times=10)  # the other worker's lookup would fail
    lookups = fake.count("usergroups.users.list")
    reply = two.send.submit(form, {"category": "business_error"}, user=BOB)
    assert reply.status == 200 and reply.body == ""
    two.settle()
    assert fake.count("usergroups.users.list") == lookups
    assert [c["title"] for c in two.services.store.db["crises"].rows] == ["Refunds late again"]


def test_a_failing_lookup_at_crisis_open_is_explained(workers, fake):
    one, _ = workers
    fake.fail("usergroups.users.list", "internal_error", times=10)
    reply = one.send.command("open Refunds late again", user=BOB, channel=fake.general.id)
    assert reply.status == 200
    one.settle()
    shown = str(one.last_view()["blocks"])
    assert "couldn't check" in shown and "crisis response team" in shown and "Something went wrong" not in shown


def test_someone_outside_the_group_is_told_in_the_form(workers, fake):
    one, _ = workers
    one.send.command("open Not me", user=DAN, channel=fake.general.id)
    one.settle()
    assert "Only the crisis response team" in str(one.last_view()["blocks"])
    assert fake.count("chat.postMessage") == 0


def test_a_form_the_bot_has_no_record_of_stays_open_while_it_asks_slack(workers, fake):
    """Whom the form was opened for is the bot's record (storage.shown); without one (it could
    not be stored), a person only Slack can place is asked about after the ack, not before."""
    one, two = workers
    one.send.command("open Refunds late again", user=BOB, channel=fake.general.id)
    one.settle()
    form = one.last_view()
    with one.services.store.write() as db:
        db.execute("delete from open_forms")
    slow = fake.hold("usergroups.users.list")
    try:
        reply = two.send.submit(form, {"category": "business_error"}, user=BOB)
        assert reply.status == 200 and "couldn't check" in reply.json["errors"]["title"], reply
        fake.wait_for(lambda: slow.waiting == 1)  # asked after the ack
    finally:
        slow.release.set()
    two.settle()
    assert two.send.submit(form, {"category": "business_error"}, user=BOB).body == ""  # now it knows
    two.settle()
    assert [c["title"] for c in two.services.store.db["crises"].rows] == ["Refunds late again"]
