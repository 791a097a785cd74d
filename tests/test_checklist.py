"""The four steps as a live checklist, through signed block_actions and view_submissions."""

from __future__ import annotations

import random
import threading

import pytest

from bot.model import StepState
from bot.views import war_room as views
from tests.conftest import ANA, BOB, CAR, DAN, in_thread
from tests.slackclient import find_element


@pytest.fixture
def crisis(bot):
    return bot.open_crisis("Checklist crisis", user=ANA, responders=[BOB])


def checklist_message(fake, crisis):
    return fake.message(crisis.channel_id, crisis.checklist_ts)


STEP_NOTE_MARKS = ("✅ Step", "➖ Step", "↩️ Step")


def thread_notes(fake, crisis):
    """The one-line records of step changes in the checklist's thread."""
    return [m["text"] for m in in_thread(fake, crisis) if m["text"].startswith(STEP_NOTE_MARKS)]


def click(bot, fake, crisis, action, user):
    reply = bot.send.click(checklist_message(fake, crisis), action, user=user)
    assert reply.status == 200 and reply.body == ""  # acked at once, empty
    bot.settle()


def states(bot, crisis):
    return [s.state for s in bot.services.steps.of(crisis.id)]


def test_done_updates_the_checklist_in_place_and_notes_it_in_the_thread(bot, fake, crisis):
    posts_before = fake.count("chat.postMessage")
    click(bot, fake, crisis, "crisis.step.done#1", BOB)

    assert states(bot, crisis)[0] is StepState.DONE
    message = checklist_message(fake, crisis)  # same ts: updated in place
    text = str(message["blocks"])
    assert "1 of 4 done" in text and f"Done by <@{BOB}> <!date^" in text
    find_element(message["blocks"], "crisis.step.undo#1")
    assert "crisis.step.done#1" not in text
    assert thread_notes(fake, crisis) == [f"✅ Step 1 (Acknowledge) done by <@{BOB}>"]
    assert fake.count("chat.postMessage") == posts_before + 1
    event = bot.services.timeline.events(crisis.id)[-1]
    assert (event.kind, event.actor, event.detail["step"], event.detail["new"]) == ("step_changed", BOB, 1, "done")


def test_a_done_step_can_be_reopened_and_that_is_recorded(bot, fake, crisis):
    click(bot, fake, crisis, "crisis.step.done#3", ANA)
    click(bot, fake, crisis, "crisis.step.undo#3", BOB)
    assert states(bot, crisis)[2] is StepState.PENDING
    assert thread_notes(fake, crisis)[-1] == f"↩️ Step 3 (Resolve quickly) reopened by <@{BOB}>"
    find_element(checklist_message(fake, crisis)["blocks"], "crisis.step.done#3")
    changes = [e.detail for e in bot.services.timeline.events(crisis.id) if e.kind == "step_changed"]
    assert [(c["old"], c["new"]) for c in changes] == [("pending", "done"), ("done", "pending")]


def test_not_applicable_needs_a_reason_through_a_modal(bot, fake, crisis):
    click(bot, fake, crisis, "crisis.step.skip#2", ANA)
    modal = bot.last_view()
    assert modal["callback_id"] == "crisis.step.skip" and "Own it and apologise" in str(modal["blocks"])

    for empty in ("", "   \n "):
        reply = bot.send.submit(modal, {"reason": empty}, user=ANA)
        assert reply.json["response_action"] == "errors" and "why" in reply.json["errors"]["reason"]
    assert states(bot, crisis)[1] is StepState.PENDING

    reply = bot.send.submit(modal, {"reason": "Not our fault: the <!channel> courier lost it"}, user=ANA)
    assert reply.body == ""
    bot.settle()
    step = bot.services.steps.of(crisis.id)[1]
    assert step.state is StepState.NOT_APPLICABLE and step.reason == "Not our fault: the <!channel> courier lost it"
    text = str(checklist_message(fake, crisis)["blocks"])
    assert "Not applicable — Not our fault: the &lt;!channel&gt; courier lost it" in text and "<!channel>" not in text
    assert thread_notes(fake, crisis)[-1].startswith(
        f"➖ Step 2 (Own it and apologise) marked not applicable by <@{ANA}>: Not our fault"
    )


def test_steps_one_and_three_cannot_be_skipped_even_by_a_forged_click(bot, fake, crisis):
    blocks = checklist_message(fake, crisis)["blocks"]
    for step in (1, 3):
        with pytest.raises(AssertionError):
            find_element(blocks, f"crisis.step.skip#{step}")
    views_before = len(fake.views)
    forged = {**checklist_message(fake, crisis)}
    forged["blocks"] = [
        {
            "type": "actions",
            "block_id": "forged",
            "elements": [
                {
                    "type": "button",
                    "action_id": "crisis.step.skip#1",
                    "text": {"type": "plain_text", "text": "x"},
                    "value": f'{{"crisis":{crisis.id},"step":1}}',
                }
            ],
        }
    ]
    bot.send.click(forged, "crisis.step.skip#1", user=ANA)
    bot.settle()
    (shown,) = list(fake.views.values())[views_before:]  # the form is replaced by the reason it cannot be used
    assert "callback_id" not in shown and "always applies" in str(shown["blocks"])
    assert states(bot, crisis) == [StepState.PENDING] * 4


def test_a_form_that_needs_slack_first_opens_at_once_and_fills_in_after(bot, fake, crisis):
    fake.channels[crisis.channel_id].members.add(CAR)  # Car joined by herself: checking her costs a Slack call
    fake.latency = 0.3
    bot.send.click(checklist_message(fake, crisis), "crisis.step.skip#2", user=CAR)
    bot.settle()
    order = [c.method for c in fake.calls][-3:]
    assert order == ["views.open", "conversations.members", "views.update"]
    assert bot.last_view()["callback_id"] == "crisis.step.skip"


def test_someone_outside_the_war_room_is_refused_privately(bot, fake, crisis):
    updates_before = fake.count("chat.update")
    click(bot, fake, crisis, "crisis.step.done#1", DAN)
    assert states(bot, crisis)[0] is StepState.PENDING
    assert fake.count("chat.update") == updates_before
    answer = fake.responses[-1]
    assert answer["response_type"] == "ephemeral" and "Only people in" in answer["text"]


def test_someone_who_joined_the_channel_by_themselves_may_tick(bot, fake, crisis):
    fake.channels[crisis.channel_id].members.add(CAR)
    click(bot, fake, crisis, "crisis.step.done#1", CAR)
    click(bot, fake, crisis, "crisis.step.undo#1", CAR)
    assert states(bot, crisis)[0] is StepState.PENDING
    assert fake.count("conversations.members") == 1  # remembered after the first check


def test_a_closed_crisis_does_not_change(bot, fake, crisis):
    with bot.services.store.write() as db:
        db.execute("update crises set status = 'closed' where id = ?", [crisis.id])
    click(bot, fake, crisis, "crisis.step.done#1", ANA)
    assert states(bot, crisis)[0] is StepState.PENDING
    assert "is closed" in fake.responses[-1]["text"]


def test_two_people_clicking_done_at_once_make_one_change(bot, fake, crisis):
    message = checklist_message(fake, crisis)
    fake.latency = 0.02
    barrier = threading.Barrier(2)

    def press(user):
        barrier.wait()
        bot.send.click(message, "crisis.step.done#1", user=user)

    threads = [threading.Thread(target=press, args=(u,)) for u in (ANA, BOB)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bot.settle()
    changes = [e for e in bot.services.timeline.events(crisis.id) if e.kind == "step_changed"]
    assert len(changes) == 1 and len(thread_notes(fake, crisis)) == 1
    refusals = [r for r in fake.responses if "already marked done by" in r["text"]]
    assert len(refusals) == 1 and f"<@{changes[0].actor}>" in refusals[0]["text"]  # the loser is told who won
    assert checklist_message(fake, crisis)["blocks"] == expected_checklist(bot, crisis)


def test_a_retried_click_changes_nothing_twice(bot, fake, crisis):
    message = checklist_message(fake, crisis)
    payload_trigger = bot.send.trigger()
    original = bot.send.trigger
    bot.send.trigger = lambda: payload_trigger  # the retry carries the same trigger_id
    try:
        bot.send.click(message, "crisis.step.done#4", user=ANA)
        bot.send.click(message, "crisis.step.done#4", user=ANA, headers={"X-Slack-Retry-Num": "1"})
    finally:
        bot.send.trigger = original
    bot.settle()
    assert len([e for e in bot.services.timeline.events(crisis.id) if e.kind == "step_changed"]) == 1
    assert len(thread_notes(fake, crisis)) == 1


def test_the_message_always_matches_the_stored_state_under_concurrent_clicks(bot, fake, crisis):
    fake.channels[crisis.channel_id].members.update({CAR})
    fake.latency = 0.01
    rng = random.Random(7)

    def clicker(user):
        for _ in range(6):
            message = checklist_message(fake, crisis)
            buttons = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
            action = rng.choice([a for a in buttons if "skip" not in a and "template" not in a])
            bot.send.click(message, action, user=user)

    threads = [threading.Thread(target=clicker, args=(u,)) for u in (ANA, BOB, CAR)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bot.settle()
    assert checklist_message(fake, crisis)["blocks"] == expected_checklist(bot, crisis)
    changes = [e for e in bot.services.timeline.events(crisis.id) if e.kind == "step_changed"]
    assert len(changes) == len(thread_notes(fake, crisis))  # one note per change, no more


def expected_checklist(bot, crisis):
    current = bot.services.crises.get(crisis.id)
    return views.checklist(current, bot.services.steps.of(crisis.id)).to_kwargs()["blocks"]


def test_when_all_four_are_settled_the_owner_is_invited_to_close(bot, fake, crisis):
    for step in (1, 3):
        click(bot, fake, crisis, f"crisis.step.done#{step}", BOB)
    click(bot, fake, crisis, "crisis.step.skip#4", ANA)
    bot.send.submit(bot.last_view(), {"reason": "They asked to keep it public"}, user=ANA)
    bot.settle()
    assert not [m for m in fake.channels[crisis.channel_id].messages if "All four steps" in m["text"]]
    click(bot, fake, crisis, "crisis.step.done#2", BOB)
    notices = [m for m in fake.channels[crisis.channel_id].messages if "All four steps" in m["text"]]
    assert len(notices) == 1 and f"<@{ANA}>" in notices[0]["text"] and "/crisis close" in notices[0]["text"]
    assert notices[0]["thread_ts"] is None  # in the channel, where the owner sees it
    assert "4 of 4 dealt with (1 not applicable)" in str(checklist_message(fake, crisis)["blocks"])


def test_status_shows_the_same_checklist(bot, fake, crisis):
    click(bot, fake, crisis, "crisis.step.done#1", BOB)
    status = str(bot.ask("status", user=ANA, channel=crisis.channel_id).json["blocks"])
    assert "1 of 4 done" in status and f"Done by <@{BOB}>" in status


def test_a_deleted_checklist_is_posted_again(bot, fake, crisis):
    message = checklist_message(fake, crisis)
    fake.channels[crisis.channel_id].messages.remove(message)
    bot.send.click(message, "crisis.step.done#1", user=ANA)
    bot.settle()
    moved = bot.services.crises.get(crisis.id)
    assert moved.checklist_ts != crisis.checklist_ts
    assert "1 of 4 done" in str(fake.message(crisis.channel_id, moved.checklist_ts)["blocks"])
    assert thread_notes(fake, moved) == [f"✅ Step 1 (Acknowledge) done by <@{ANA}>"]


def test_the_last_two_steps_ticked_at_once_announce_completion_once(bot, fake, crisis):
    for step in (1, 2):
        click(bot, fake, crisis, f"crisis.step.done#{step}", ANA)
    message = checklist_message(fake, crisis)
    fake.latency = 0.05
    barrier = threading.Barrier(2)

    def press(step, user):
        barrier.wait()
        bot.send.click(message, f"crisis.step.done#{step}", user=user)

    threads = [threading.Thread(target=press, args=(3, ANA)), threading.Thread(target=press, args=(4, BOB))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bot.settle()
    notices = [m for m in fake.channels[crisis.channel_id].messages if "All four steps" in m["text"]]
    assert len(notices) == 1
    header_updates = [c for c in fake.calls_to("chat.update") if c["ts"] == crisis.header_ts]
    assert len(header_updates) == 1  # the Close crisis button appears once
