"""Localized replies in Slack: show, switch, draft, approve, through signed payloads."""

from __future__ import annotations

import json

import pytest

from bot.model import DraftState, StepState
from bot.templates import Details
from bot.templates import check as template_check
from tests.conftest import ANA, BOB, CAR, DAN, at_once, in_thread
from tests.harness import Harness
from tests.slackclient import find_element


@pytest.fixture
def branded_env(env):
    return {**env, "BRAND_NAME": "Acme", "SUPPORT_CONTACT": "support@acme.example"}


@pytest.fixture
def bot(fake, branded_env):
    harness = Harness.start(fake, branded_env)
    yield harness
    harness.stop()


thread = in_thread


def last_template(fake, crisis):
    return next(
        m
        for m in reversed(thread(fake, crisis))
        if m["text"].endswith(tuple(f"reply in {x}" for x in LANGS)) or " reply in " in m["text"]
    )


LANGS = ("English", "Nederlands (Dutch)", "Русский (Russian)")


def shown_text(message):
    return next(b for b in message["blocks"] if b.get("block_id") == "text")["text"]["text"]


def select(message, action_prefix, label):
    """The select option whose label starts with `label`, as a message dict the sender can click."""
    block, element = find_element(message["blocks"], action_prefix)
    option = next(o for o in element["options"] if o["text"]["text"].startswith(label))
    chosen = json.loads(json.dumps(message))
    for b in chosen["blocks"]:
        for e in b.get("elements", []) if b["type"] == "actions" else []:
            if e["action_id"] == element["action_id"]:
                e["value"] = option["value"]
    return chosen


def test_the_command_shows_the_filled_template_in_the_thread(bot, fake):
    crisis = bot.open_crisis("Late parcels", user=ANA, customer_handle="@jane_doe")
    fake.channels[crisis.channel_id].members.add(BOB)  # joined by himself: only people in the war room see replies
    reply = bot.send.command("template apology nl", user=BOB, channel=crisis.channel_id)
    assert reply.status == 200 and reply.body == ""
    bot.settle()
    message = last_template(fake, crisis)
    text = shown_text(message)
    assert text.startswith("Hallo @jane_doe,") and "spijt ons" in text and text.endswith("bob")  # the asker signs
    assert (
        "Apology (step 2)" in message["blocks"][0]["text"]["text"]
        and "Nederlands" in message["blocks"][0]["text"]["text"]
    )
    for action in (
        "crisis.template.language",
        "crisis.template.kind",
        "crisis.template.edit",
        "crisis.template.details",
    ):
        find_element(message["blocks"], action)


def test_language_comes_from_the_crisis_then_the_person_then_the_default(bot, fake):
    russian = bot.open_crisis("Russian crisis", user=ANA, language="ru", responders=[BOB])
    bot.send.click(fake.message(russian.channel_id, russian.checklist_ts), "crisis.step.template#1", user=BOB)
    bot.settle()
    assert "Русский" in last_template(fake, russian)["blocks"][0]["text"]["text"]

    fake.users[ANA]["locale"] = "nl-NL"
    unset = bot.open_crisis("No language", user=ANA)
    bot.send.click(fake.message(unset.channel_id, unset.checklist_ts), "crisis.step.template#1", user=ANA)  # nl-NL
    bot.settle()
    assert "Nederlands" in last_template(fake, unset)["blocks"][0]["text"]["text"]
    fake.users[DAN]["locale"] = "ja-JP"
    fake.channels[unset.channel_id].members.add(DAN)
    bot.send.click(fake.message(unset.channel_id, unset.checklist_ts), "crisis.step.template#3", user=DAN)
    bot.settle()
    message = last_template(fake, unset)
    assert "English" in message["blocks"][0]["text"]["text"] and "Resolution" in message["blocks"][0]["text"]["text"]


def test_the_step_button_shows_that_steps_kind(bot, fake):
    crisis = bot.open_crisis("Offline", user=ANA, language="fy")
    bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), "crisis.step.template#4", user=ANA)
    bot.settle()
    header = last_template(fake, crisis)["blocks"][0]["text"]["text"]
    assert "Take it offline (step 4)" in header and "Frysk" in header


def test_the_pickers_rewrite_the_same_message(bot, fake):
    crisis = bot.open_crisis("Pickers", user=ANA, language="en")
    bot.send.command("template holding", user=ANA, channel=crisis.channel_id)
    bot.settle()
    message = last_template(fake, crisis)
    count = len(thread(fake, crisis))
    bot.send.click(
        select(message, "crisis.template.language", "Русский"),
        "crisis.template.language",
        user=ANA,
        channel=crisis.channel_id,
    )
    bot.settle()
    updated = fake.message(crisis.channel_id, message["ts"])
    assert "Русский" in updated["blocks"][0]["text"]["text"] and len(thread(fake, crisis)) == count
    bot.send.click(
        select(updated, "crisis.template.kind", "Apology"), "crisis.template.kind", user=ANA, channel=crisis.channel_id
    )
    bot.settle()
    again = fake.message(crisis.channel_id, message["ts"])
    assert "Apology" in again["blocks"][0]["text"]["text"] and "Русский" in again["blocks"][0]["text"]["text"]


def draft_reply(bot, fake, crisis, user, text=None, kind="apology"):
    bot.send.command(f"template {kind}", user=user, channel=crisis.channel_id)
    bot.settle()
    bot.send.click(last_template(fake, crisis), "crisis.template.edit", user=user, channel=crisis.channel_id)
    bot.settle()
    modal = bot.last_view()
    assert modal["callback_id"] == "crisis.draft.reply"
    prefilled = next(b for b in modal["blocks"] if b.get("block_id") == "draft_text")["element"]["initial_value"]
    reply = bot.send.submit(modal, {"draft_text": text or prefilled}, user=user)
    assert reply.body == ""
    bot.settle()
    draft_message = next(m for m in reversed(thread(fake, crisis)) if "Draft reply for approval" in m["text"])
    return prefilled, draft_message


def test_edit_and_use_sends_a_draft_for_the_owners_approval(bot, fake):
    crisis = bot.open_crisis("Draft me", user=ANA, owner=BOB, language="en")
    prefilled, message = draft_reply(bot, fake, crisis, ANA, text="Hi all,\n\nWe got it wrong and we are sorry.\n\nSam")
    assert "We got it wrong" not in prefilled
    assert f"<@{BOB}>, please review" in str(message["blocks"]) and shown_text(message).startswith("Hi all,")
    find_element(message["blocks"], "crisis.draft.approve")
    find_element(message["blocks"], "crisis.draft.changes")
    draft = bot.services.drafts.get(1)
    assert (draft.state, draft.author_id, draft.kind, draft.language) == (DraftState.PENDING, ANA, "apology", "en")


def test_the_owner_approves_and_is_offered_the_matching_step(bot, fake):
    crisis = bot.open_crisis("Approve me", user=ANA, owner=BOB, language="nl")
    _, message = draft_reply(bot, fake, crisis, ANA)
    bot.send.click(message, "crisis.draft.approve", user=BOB)
    bot.settle()
    approved = fake.message(crisis.channel_id, message["ts"])
    assert "Approved to publish" in str(approved["blocks"]) and "crisis.draft.approve" not in str(approved["blocks"])
    event = bot.services.timeline.events(crisis.id)[-1]
    assert event.kind == "reply_approved"
    assert event.detail | {"note": None} == {
        "draft": 1,
        "author": ANA,
        "template": "nl/apology",
        "kind": "apology",
        "language": "nl",
        "note": None,
    }
    assert event.actor == BOB and event.at
    offer = thread(fake, crisis)[-1]
    assert "mark step 2 (Own it and apologise) as done?" in offer["text"]
    bot.send.click(offer, "crisis.step.done#2", user=BOB)
    bot.settle()
    assert bot.services.steps.of(crisis.id)[1].state is StepState.DONE


def test_nobody_approves_their_own_draft_unless_alone(bot, fake):
    crisis = bot.open_crisis("Self approval", user=ANA, responders=[CAR])  # Ana owns it, Car helps
    _, message = draft_reply(bot, fake, crisis, ANA)
    bot.send.click(message, "crisis.draft.approve", user=ANA)
    bot.settle()
    assert "someone else needs to approve it" in fake.responses[-1]["text"]
    assert bot.services.drafts.get(1).state is DraftState.PENDING

    alone = bot.open_crisis("Alone", user=BOB)
    _, message = draft_reply(bot, fake, alone, BOB)
    bot.send.click(message, "crisis.draft.approve", user=BOB)
    bot.settle()
    assert bot.services.drafts.get(2).state is DraftState.APPROVED


def test_only_the_owner_or_an_approver_decides(fake, branded_env):
    fake.usergroups["SCOMMS01"] = [DAN]
    harness = Harness.start(fake, {**branded_env, "CRISIS_APPROVERS": f"{CAR},SCOMMS01"})
    try:
        crisis = harness.open_crisis("Approvers", user=ANA, owner=BOB, responders=[CAR])
        _, first = draft_reply(harness, fake, crisis, ANA)
        harness.send.click(first, "crisis.draft.approve", user=ANA)  # the author, not an approver
        harness.settle()
        assert "Only the owner" in fake.responses[-1]["text"] or "someone else" in fake.responses[-1]["text"]
        harness.send.click(first, "crisis.draft.approve", user=CAR)  # named approver
        harness.settle()
        assert harness.services.drafts.get(1).decided_by == CAR

        _, second = draft_reply(harness, fake, crisis, ANA)
        harness.send.click(second, "crisis.draft.approve", user=DAN)  # in the approvers' user group
        harness.settle()
        assert harness.services.drafts.get(2).decided_by == DAN
    finally:
        harness.stop()


def test_a_stranger_cannot_approve(bot, fake):
    crisis = bot.open_crisis("Stranger", user=ANA, owner=BOB)
    _, message = draft_reply(bot, fake, crisis, ANA)
    bot.send.click(message, "crisis.draft.approve", user=CAR)
    bot.settle()
    assert f"Only the owner, <@{BOB}>" in fake.responses[-1]["text"]
    assert bot.services.drafts.get(1).state is DraftState.PENDING


def test_requesting_changes_and_revising(bot, fake):
    crisis = bot.open_crisis("Changes", user=ANA, owner=BOB, language="en")
    _, message = draft_reply(bot, fake, crisis, ANA, text="First try")
    bot.send.click(message, "crisis.draft.changes", user=BOB)
    bot.settle()
    modal = bot.last_view()
    assert bot.send.submit(modal, {"note": "  "}, user=BOB).json["response_action"] == "errors"
    bot.send.submit(modal, {"note": "Say <!channel> sorry first"}, user=BOB)
    bot.settle()
    sent_back = fake.message(crisis.channel_id, message["ts"])
    assert "Changes requested" in str(sent_back["blocks"]) and "&lt;!channel&gt;" in str(sent_back["blocks"])
    assert bot.services.timeline.events(crisis.id)[-1].kind == "reply_changes_requested"
    bot.send.click(sent_back, "crisis.draft.revise", user=ANA)
    bot.settle()
    revise = bot.last_view()
    assert (
        next(b for b in revise["blocks"] if b.get("block_id") == "draft_text")["element"]["initial_value"]
        == "First try"
    )
    bot.send.submit(revise, {"draft_text": "We are sorry. Second try"}, user=ANA)
    bot.settle()
    assert bot.services.drafts.get(2).text == "We are sorry. Second try"


def test_two_approvers_at_once_make_one_decision(bot, fake):
    crisis = bot.open_crisis("Race", user=ANA, owner=BOB)
    _, message = draft_reply(bot, fake, crisis, ANA)
    fake.latency = 0.02
    at_once(3, bot.send.click, message, "crisis.draft.approve", user=BOB)
    bot.settle()
    assert [e.kind for e in bot.services.timeline.events(crisis.id)].count("reply_approved") == 1
    assert len([m for m in thread(fake, crisis) if "mark step 2" in m["text"]]) == 1


def test_reply_details_fill_the_templates_and_stay_data(bot, fake):
    crisis = bot.open_crisis("Details", user=ANA, language="en")
    bot.send.command("template resolution", user=ANA, channel=crisis.channel_id)
    bot.settle()
    message = last_template(fake, crisis)
    bot.send.click(message, "crisis.template.details", user=ANA, channel=crisis.channel_id)
    bot.settle()
    modal = bot.last_view()
    values = {
        "customer_handle": "@jane_doe",
        "what_happened": "{{ brand }} the <!here> delay.",
        "resolution": "a new parcel ships today by express.",
        "contact": "help@acme.example",
        "signer": "Sam",
    }
    assert bot.send.submit(modal, values, user=ANA).body == ""
    bot.settle()
    text = shown_text(fake.message(crisis.channel_id, message["ts"]))
    assert "To put this right: a new parcel ships today by express." in text
    assert text.startswith("Hi @jane_doe,") and text.endswith("– Sam")
    stored = bot.services.crises.get(crisis.id)
    assert stored.reply.what_happened == "{{ brand }} the <!here> delay." and stored.customer_handle == "@jane_doe"
    bot.send.command("template holding", user=ANA, channel=crisis.channel_id)
    bot.settle()
    assert "{{ brand }} the <!here> delay" in shown_text(last_template(fake, crisis))  # data, not template source
    assert bot.services.timeline.events(crisis.id)[-1].kind == "reply_details_changed"


def test_template_command_errors(bot, fake):
    crisis = bot.open_crisis("Errors", user=ANA)
    assert (
        "I don't understand `gibberish`"
        in bot.ask("template gibberish", user=ANA, channel=crisis.channel_id).json["text"]
    )
    assert "war room" in bot.ask("template apology", user=ANA, channel=fake.general.id).json["text"]


def test_a_language_without_templates_falls_back_and_says_so(bot, fake):
    fake.users[ANA]["locale"] = "nl-NL"  # Ana's own language is the fallback
    crisis = bot.open_crisis("Japanese customer", user=ANA)
    bot.send.command("template apology ja", user=ANA, channel=crisis.channel_id)
    bot.settle()
    message = last_template(fake, crisis)
    assert "No templates in ja yet." in str(message["blocks"]) and "Nederlands" in message["blocks"][0]["text"]["text"]


def test_the_next_open_steps_template_by_default(bot, fake):
    crisis = bot.open_crisis("Default kind", user=ANA, language="en")
    bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), "crisis.step.done#1", user=ANA)
    bot.settle()
    bot.send.command("template", user=ANA, channel=crisis.channel_id)
    bot.settle()
    assert "Apology (step 2)" in last_template(fake, crisis)["blocks"][0]["text"]["text"]


def open_details(bot, fake, crisis, kind, *, user=ANA):
    """Show a template of `kind` in the war room and open its details form: (message, modal)."""
    bot.send.command(f"template {kind}", user=user, channel=crisis.channel_id)
    bot.settle()
    message = last_template(fake, crisis)
    bot.send.click(message, "crisis.template.details", user=user, channel=crisis.channel_id)
    bot.settle()
    return message, bot.last_view()


def preview(view):
    return next(b for b in view["blocks"] if b.get("block_id") == "preview")["text"]["text"]


def test_the_details_form_previews_the_reply_and_updates_it_as_typed(bot, fake):
    crisis = bot.open_crisis("Double charge", user=ANA, language="en", category="business_error")
    message, modal = open_details(bot, fake, crisis, "resolution")
    assert modal["title"]["text"] == "Reply details"
    assert "still working on this" in preview(modal) or "haven't fixed this yet" in preview(modal)
    typed = {"resolution": "we've refunded the second charge", "changes": "Payment changes are now tested twice."}
    assert bot.send.click_in_view(modal, "crisis.template.preview", typed, user=ANA).status == 200
    bot.settle()
    updated = preview(fake.views[modal["id"]]).lower()
    assert "we've refunded the second charge" in updated and "payment changes are now tested twice" in updated
    assert bot.services.crises.get(crisis.id).reply.resolution == ""  # a preview stores nothing
    assert shown_text(fake.message(crisis.channel_id, message["ts"])) == shown_text(message)  # nor posts


def test_a_preview_of_a_view_that_changed_meanwhile_is_dropped_as_slack_does(bot, fake):
    crisis = bot.open_crisis("Stale", user=ANA, language="en")
    _, shown = open_details(bot, fake, crisis, "resolution")
    modal = json.loads(json.dumps(shown))  # what the person's client holds
    fake.views[modal["id"]]["hash"] = "changed-elsewhere"  # e.g. an earlier preview landed since
    bot.send.click_in_view(modal, "crisis.template.preview", {"resolution": "new text"}, user=ANA)
    bot.settle()
    assert "new text" not in preview(fake.views[modal["id"]])
    assert not fake.violations


def test_a_link_to_the_facts_must_be_a_web_address(bot, fake):
    crisis = bot.open_crisis("Rumour", user=ANA, language="en", category="trolling")
    _, modal = open_details(bot, fake, crisis, "holding")
    reply = bot.send.submit(modal, {"facts_link": "our FAQ page"}, user=ANA)
    assert reply.json["response_action"] == "errors" and "web address" in reply.json["errors"]["facts_link"]
    assert bot.services.crises.get(crisis.id).reply.facts_link == ""
    assert bot.send.submit(modal, {"facts_link": "acme.example/facts"}, user=ANA).body == ""
    assert bot.services.crises.get(crisis.id).reply.facts_link == "https://acme.example/facts"


@pytest.mark.parametrize(
    ("category", "kind", "values"),
    [
        ("trolling", "holding", {"facts_link": "https://acme.example/facts"}),
        ("inappropriate_post", "apology", {"changes": "Every post now needs a second pair of eyes."}),
        ("inappropriate_post", "apology", {"taken_down": ["yes"]}),
        ("hacked_account", "holding", {"taken_down": ["yes"]}),
    ],
)
def test_each_new_detail_reaches_its_reply_and_its_absence_leaves_the_sentence_out(bot, fake, category, kind, values):
    rules = template_check.rules("en")

    def says_it(text):  # the typed value, or for the flag a sentence saying the post came down
        if "taken_down" in values:
            return bool(template_check._words(text, rules.removal_claims))
        return next(iter(values.values())).rstrip(".").lower() in text.lower()

    crisis = bot.open_crisis("New details", user=ANA, language="en", category=category)
    message, modal = open_details(bot, fake, crisis, kind)
    before = shown_text(fake.message(crisis.channel_id, message["ts"]))
    assert not says_it(before) and not template_check.grammar_problems(before, Details(category=category), rules)
    assert bot.send.submit(modal, values, user=ANA).body == ""
    bot.settle()
    assert says_it(shown_text(fake.message(crisis.channel_id, message["ts"])))
    _, reopened = open_details(bot, fake, crisis, kind)
    assert says_it(preview(reopened))  # the form shows what is stored, checkbox included
    taken = next((b for b in reopened["blocks"] if b.get("block_id") == "taken_down"), None)
    assert (taken is not None and bool(taken["element"].get("initial_options"))) == ("taken_down" in values)


def test_the_taken_down_question_is_asked_only_where_a_post_comes_down(bot, fake):
    crisis = bot.open_crisis("Charge", user=ANA, language="en", category="business_error")
    _, modal = open_details(bot, fake, crisis, "apology")
    assert all(b.get("block_id") != "taken_down" for b in modal["blocks"])


def test_a_critical_crisis_of_our_own_making_is_signed_by_the_senior_signer(fake, branded_env):
    harness = Harness.start(fake, {**branded_env, "SENIOR_SIGNER": "Anna de Vries, CEO"})
    try:
        grave = harness.open_crisis("Offensive post", user=ANA, language="en", category="inappropriate_post",
                                    severity="critical")  # fmt: skip
        _, modal = open_details(harness, fake, grave, "apology")
        assert preview(modal).endswith("– Anna de Vries, CEO")
        assert "Anna de Vries, CEO" in json.dumps(modal)  # the signer hint names who signs when empty
        harness.send.submit(modal, {"signer": "Sam"}, user=ANA)
        harness.settle()
        _, signed = open_details(harness, fake, grave, "apology")
        assert preview(signed).endswith("– The Acme team")  # a named signer is a person: the brand signs
        minor = harness.open_crisis("Minor", user=ANA, language="en", category="inappropriate_post", severity="low")
        _, modal = open_details(harness, fake, minor, "apology")
        assert "Anna de Vries" not in preview(modal)
    finally:
        harness.stop()
