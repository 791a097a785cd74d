"""What a button's value, an option's value or a modal's private_metadata names grants nothing.

They are the bot's own, but a payload can say anything: every handler authorizes against the
crisis it really touches, takes the message it changes and the URL it answers from its own
records or the current request, and meets a tampered or stale value with a specific refusal.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.slack import ids
from tests.conftest import ANA, BOB, CAR, DAN, in_thread
from tests.harness import Harness
from tests.slackclient import find_element

GENERIC = "Something went wrong"
WORKING = "Working on it"


@pytest.fixture
def bot(fake, env):
    harness = Harness.start(fake, {**env, "BRAND_NAME": "Acme"})
    yield harness
    harness.stop()


@pytest.fixture
def rooms(bot, fake):
    """Bob's private crisis about a secret customer, and Ana's public one that Car helps with."""
    secret = bot.open_crisis("Secret matter", user=BOB, private=["private"], customer_handle="@secret_customer")
    public = bot.open_crisis("Public matter", user=ANA, responders=[CAR], language="en")
    return secret, public


def button(action_id: str, value: Any, *, channel: str, ts: str = "1.1") -> dict[str, Any]:
    """A message with one button, as a forged payload would present it."""
    raw = value if isinstance(value, str) else json.dumps(value)
    element = {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": "x"}, "value": raw}
    return {"ts": ts, "channel": channel, "blocks": [{"type": "actions", "block_id": "b", "elements": [element]}]}


def with_value(message: dict[str, Any], action_prefix: str, value: Any) -> dict[str, Any]:
    """`message` with the element `action_prefix` carrying `value` instead of its own."""
    forged = json.loads(json.dumps(message))
    _, element = find_element(forged["blocks"], action_prefix)
    element["value"] = json.dumps(value)
    return forged


def pick(message: dict[str, Any], action_prefix: str, label: str) -> dict[str, Any]:
    """`message` as Slack sends it back when the option starting with `label` is chosen."""
    _, element = find_element(message["blocks"], action_prefix)
    option = next(o for o in element["options"] if o["text"]["text"].startswith(label))
    return with_value(message, action_prefix, json.loads(option["value"]))


def show_template(bot, fake, crisis, user, words="holding en"):
    bot.send.command(f"template {words}", user=user, channel=crisis.channel_id)
    bot.settle()
    shown = next(m for m in reversed(in_thread(fake, crisis)) if " reply in " in m["text"])
    return fake.message(crisis.channel_id, shown["ts"])  # a copy: later updates leave it as shown


def answers_since(fake, count: int) -> list[str]:
    return [r["text"] for r in fake.responses[count:]]


# Point 3: a payload naming another crisis, or another message, does nothing there.


def test_a_picker_naming_a_private_crisis_does_not_show_its_reply_elsewhere(bot, fake, rooms):
    secret, public = rooms
    shown = show_template(bot, fake, public, ANA)
    forged = with_value(shown, "crisis.template.language", {"crisis": secret.id, "kind": "holding", "language": "en"})
    before = fake.count("chat.update")
    bot.send.click(forged, "crisis.template.language", user=ANA, channel=public.channel_id)
    bot.settle()
    assert fake.count("chat.update") == before
    assert "secret_customer" not in str(fake.message(public.channel_id, shown["ts"]))
    assert "Only people in" in fake.responses[-1]["text"] and "Secret matter" not in fake.responses[-1]["text"]


def test_a_picker_cannot_turn_another_message_into_a_template(bot, fake, rooms):
    _, public = rooms
    shown = show_template(bot, fake, public, ANA)
    checklist = fake.message(public.channel_id, public.checklist_ts)
    aimed = {**pick(shown, "crisis.template.kind", "Apology"), "ts": public.checklist_ts}  # aimed at the checklist
    bot.send.click(aimed, "crisis.template.kind", user=ANA, channel=public.channel_id)
    bot.settle()
    assert fake.message(public.channel_id, public.checklist_ts) == checklist
    assert "/crisis template" in fake.responses[-1]["text"]


def test_a_details_form_cannot_aim_its_update_at_another_message(bot, fake, rooms):
    _, public = rooms
    shown = show_template(bot, fake, public, ANA)
    bot.send.click(shown, "crisis.template.details", user=ANA, channel=public.channel_id)
    bot.settle()
    modal = bot.last_view()
    metadata = json.loads(modal["private_metadata"])
    aimed = {**metadata, "ts": public.checklist_ts}
    checklist = fake.message(public.channel_id, public.checklist_ts)
    reply = bot.send.submit({**modal, "private_metadata": json.dumps(aimed)}, {"signer": "Sam"}, user=ANA)
    assert reply.status == 200
    bot.settle()
    assert fake.message(public.channel_id, public.checklist_ts) == checklist
    assert GENERIC not in str(fake.responses) and GENERIC not in reply.body


def test_a_draft_form_naming_a_private_crisis_writes_nothing_into_it(bot, fake, rooms):
    secret, public = rooms
    shown = show_template(bot, fake, public, ANA)
    bot.send.click(shown, "crisis.template.edit", user=ANA, channel=public.channel_id)
    bot.settle()
    modal = bot.last_view()
    aimed = json.dumps({"crisis": secret.id, "kind": "apology", "language": "en"})
    reply = bot.send.submit({**modal, "private_metadata": aimed}, {"draft_text": "Forged"}, user=DAN)
    bot.settle()
    assert "Only people in" in reply.json["errors"]["draft_text"]
    assert bot.services.drafts.for_crisis(secret.id) == []
    assert not [m for m in fake.channels[secret.channel_id].messages if "Forged" in str(m)]


def test_a_details_form_naming_a_private_crisis_changes_nothing_in_it(bot, fake, rooms):
    secret, public = rooms
    shown = show_template(bot, fake, public, ANA)
    bot.send.click(shown, "crisis.template.details", user=ANA, channel=public.channel_id)
    bot.settle()
    modal = bot.last_view()
    aimed = json.dumps({"crisis": secret.id, "kind": "holding", "language": "en"})
    reply = bot.send.submit({**modal, "private_metadata": aimed}, {"customer_handle": "@hijacked"}, user=DAN)
    assert "Only people in" in json.dumps(reply.json["errors"])
    assert bot.services.crises.get(secret.id).customer_handle == "@secret_customer"


def test_the_templates_button_of_another_crisis_posts_nothing_in_its_room(bot, fake, rooms):
    secret, public = rooms
    posts = len(fake.channels[secret.channel_id].messages)
    checklist = fake.message(public.channel_id, public.checklist_ts)
    forged = with_value(checklist, "crisis.step.template#1", {"crisis": secret.id, "step": 1})
    bot.send.click(forged, "crisis.step.template#1", user=DAN, channel=public.channel_id)
    bot.settle()
    assert len(fake.channels[secret.channel_id].messages) == posts
    assert "Only people in" in fake.responses[-1]["text"]


def test_revising_another_crisis_draft_shows_nothing_of_it(bot, fake, rooms):
    secret, public = rooms
    shown = show_template(bot, fake, secret, BOB)
    bot.send.click(shown, "crisis.template.edit", user=BOB, channel=secret.channel_id)
    bot.settle()
    bot.send.submit(bot.last_view(), {"draft_text": "Confidential wording"}, user=BOB)
    bot.settle()
    (draft,) = bot.services.drafts.for_crisis(secret.id)
    bot.send.click(
        button("crisis.draft.revise#1", {"draft": draft.id}, channel=public.channel_id), "crisis.draft", user=DAN
    )
    bot.settle()
    assert "Confidential wording" not in json.dumps(list(fake.views.values()))
    assert "Only people in" in json.dumps(bot.last_view()) or "Only people in" in fake.responses[-1]["text"]


def test_a_preview_naming_a_private_crisis_renders_nothing_of_it(bot, fake, rooms):
    secret, public = rooms
    shown = show_template(bot, fake, public, ANA)
    bot.send.click(shown, "crisis.template.details", user=ANA, channel=public.channel_id)
    bot.settle()
    modal = bot.last_view()
    forged = with_value(modal, "crisis.template.preview", {"crisis": secret.id, "kind": "holding", "language": "en"})
    bot.send.click_in_view(forged, "crisis.template.preview", {}, user=DAN)
    bot.settle()
    assert "secret_customer" not in json.dumps(list(fake.views.values()))
    assert "Only people in" in json.dumps(fake.views[modal["id"]]) + json.dumps(fake.dm_messages(DAN))


def test_finishing_someone_elses_set_up_is_refused(bot, fake):
    fake.fail("conversations.create", "restricted_action")
    crisis = bot.open_crisis("Half done", user=BOB, private=["private"])
    bot.send.click(button("crisis.setup.resume#1", {"crisis": crisis.id}, channel=fake.general.id), "crisis", user=DAN)
    bot.settle()
    assert fake.count("conversations.create") == 1  # nothing was retried for Dan
    answer = fake.responses[-1]["text"]
    assert f"<@{BOB}>" in answer and "Half done" not in answer


def test_a_forged_open_form_cannot_aim_the_bot_at_another_address(bot, fake):
    bot.send.command("open Aimed elsewhere", user=ANA, channel=fake.general.id)
    bot.settle()
    modal = bot.last_view()
    evil = f"{fake.base}/respond/evil"
    aimed = json.dumps({"origin_channel": fake.general.id, "response_url": evil, "title": ""})
    reply = bot.send.submit({**modal, "private_metadata": aimed}, {"category": "trolling"}, user=ANA)
    assert reply.status == 200
    bot.settle()
    assert not [r for r in fake.responses if r["url"] == evil]
    assert fake.responses[-1]["text"].startswith("✅ War room")  # told where /crisis open ran
    assert bot.services.crises.get(1).response_url != evil


# Point 8: tampered or stale values get a specific, friendly refusal.

NOT_JSON = ("not json", "[1, 2]", '"crisis"', "null", '{"crisis": 1, "surprise": true}')
TAMPERED: dict[type, tuple[Any, ...]] = {
    ids.StepRef: (
        {"crisis": "1", "step": 1},
        {"crisis": 1, "step": 7},
        {"crisis": 1, "step": True},
        {"crisis": 1, "step": 2.0},
        {"crisis": 1.0, "step": 1},
        {"crisis": -1, "step": 1},
        {"crisis": 10**30, "step": 1},
        {"crisis": 999, "step": 1},
    ),
    ids.CrisisRef: ({"crisis": "1"}, {"crisis": 10**30}, {"crisis": 999}),
    ids.TemplateRef: (
        {"crisis": 1, "kind": "poem", "language": "en"},
        {"crisis": 1, "kind": "holding", "language": "xx"},
        {"crisis": 1, "kind": "holding", "language": "<!channel>"},
        {"crisis": 1, "kind": "holding", "language": "en", "ts": "<!here>"},
        {"crisis": 1, "kind": ["holding"], "language": "en"},
        {"crisis": 999, "kind": "holding", "language": "en"},
    ),
    ids.DraftRef: ({"draft": "1"}, {"draft": 10**30}, {"draft": 999}),
    ids.CloseRef: ({"crisis": 1, "forced": "yes"}, {"crisis": 999}),
    ids.FollowUpRef: ({"followup": 1.5}, {"followup": 999}),
    ids.OpenContext: (
        {"title": 5},
        {"title": ["a"]},
        {"title": "T", "link": "javascript:alert(1)"},
        {"title": "T", "link": "example.com/not-normalised"},
        {"title": "T", "platform": "myspace"},
        {"title": "T", "platform": ["x"]},
        {"title": "T", "keywords": ["Acme"]},
    ),
    ids.SpikeRef: ({"spike": "1"}, {"spike": True}, {"spike": 10**30}, {"spike": 999}),
}


def tampered(ref_type: type) -> list[Any]:
    return [*NOT_JSON, *TAMPERED[ref_type]]


def views_left_working(fake) -> list[str]:
    return [view_id for view_id, view in fake.views.items() if WORKING in json.dumps(view)]


@pytest.mark.parametrize("action", list(ids.Action), ids=lambda a: a.value)
def test_a_tampered_button_gets_a_specific_refusal(bot, fake, rooms, action):
    _, public = rooms
    for value in tampered(ids.ACTION_REFS[action]):
        answers, views, drafts = len(fake.responses), len(fake.views), len(bot.services.drafts.for_crisis(public.id))
        message = button(action.id(1), value, channel=public.channel_id)
        reply = bot.send.click(message, action.value, user=ANA)
        bot.settle()
        said = answers_since(fake, answers) + [json.dumps(v) for v in list(fake.views.values())[views:]]
        assert reply.status == 200 and reply.body == "", (value, reply)
        assert said and not [s for s in said if GENERIC in s], (value, said)
        assert not views_left_working(fake), value
        assert len(bot.services.drafts.for_crisis(public.id)) == drafts


FORMS = [c for c in ids.Callback if c is not ids.Callback.OPEN_CRISIS]  # the open form carries nothing


@pytest.mark.parametrize("callback", FORMS, ids=lambda c: c.value)
def test_a_tampered_form_gets_a_specific_refusal_in_the_modal(bot, fake, rooms, callback):
    for value in tampered(ids.CALLBACK_REFS[callback]):
        metadata = value if isinstance(value, str) else json.dumps(value)
        view = {
            "id": "VFORGED01",
            "type": "modal",
            "callback_id": callback.value,
            "private_metadata": metadata,
            "blocks": [],
        }
        reply = bot.send.submit(view, {}, user=ANA)
        bot.settle()
        assert reply.status == 200 and GENERIC not in reply.body, (value, reply)
        answer = reply.json
        assert answer.get("response_action") in ("errors", "update"), (value, answer)
        assert json.dumps(answer).count("out of date") + json.dumps(answer).count("no longer exists") >= 1, answer


def test_an_unknown_button_is_acknowledged_and_explained(bot, fake):
    for action_id in ("crisis.step.explode#1", "crisis.step.done.v2", "someone.elses.button"):
        reply = bot.send.click(button(action_id, "{}", channel=fake.general.id), action_id, user=ANA)
        bot.settle()
        assert reply.status == 200, (action_id, reply)
        assert "no longer available" in fake.responses[-1]["text"]


def test_an_unknown_form_is_acknowledged_and_explained(bot, fake):
    view = {
        "id": "VOLD00001",
        "type": "modal",
        "callback_id": "crisis.retired.form",
        "private_metadata": "{}",
        "blocks": [],
    }
    reply = bot.send.submit(view, {}, user=ANA)
    assert reply.status == 200 and reply.json["response_action"] == "update"
    assert "no longer available" in json.dumps(reply.json["view"])


def test_a_not_applicable_for_step_seven_never_leaves_a_spinner(bot, fake, rooms):
    _, public = rooms
    bot.send.click(
        button("crisis.step.skip#7", {"crisis": public.id, "step": 7}, channel=public.channel_id), "crisis", user=ANA
    )
    bot.settle()
    assert not views_left_working(fake)
    assert "out of date" in fake.responses[-1]["text"]


def test_a_button_of_a_crisis_that_is_gone_says_so(bot, fake, rooms):
    _, public = rooms
    for action, value in (
        (ids.Action.CLOSE, {"crisis": 999}),
        (ids.Action.TEMPLATE_KIND, {"crisis": 999, "kind": "holding", "language": "en"}),
        (ids.Action.DRAFT_REVISE, {"draft": 999}),
    ):
        bot.send.click(button(action.id(1), value, channel=public.channel_id), action.value, user=ANA)
        bot.settle()
        assert "no longer exists" in fake.responses[-1]["text"], action


def test_nothing_else_is_harmed_by_the_checks(bot, fake, rooms):
    """The genuine buttons still work for the people in the war room (a smoke test of the paths above)."""
    _, public = rooms
    shown = show_template(bot, fake, public, CAR)
    bot.send.click(
        pick(shown, "crisis.template.kind", "Apology"), "crisis.template.kind", user=CAR, channel=public.channel_id
    )
    bot.settle()
    assert fake.message(public.channel_id, shown["ts"])["text"].startswith("Apology")
    bot.send.click(shown, "crisis.template.details", user=CAR, channel=public.channel_id)
    bot.settle()
    assert bot.send.submit(bot.last_view(), {"customer_handle": "@jane_doe"}, user=CAR).body == ""
    bot.settle()
    assert "@jane_doe" in str(fake.message(public.channel_id, shown["ts"])["blocks"])


def test_a_form_that_fails_to_build_never_leaves_a_spinner(fake, env, tmp_path):
    """A bug (here an organisation's template that breaks once a customer is named) is told
    with a reference, and the "Working…" modal it interrupted is replaced."""
    broken = tmp_path / "org-templates" / "en"
    broken.mkdir(parents=True)
    (broken / "holding.txt.j2").write_text("Hello{% if customer %} {{ no_such_variable }}{% endif %}.\n")
    harness = Harness.start(fake, {**env, "TEMPLATES_DIR": str(broken.parent)})
    try:
        crisis = harness.open_crisis("Broken template", user=ANA, language="en")
        shown = show_template(harness, fake, crisis, ANA)
        harness.send.click(shown, "crisis.template.details", user=ANA, channel=crisis.channel_id)
        harness.settle()
        assert harness.send.submit(harness.last_view(), {"customer_handle": "@jane"}, user=ANA).body == ""
        harness.settle()
        assert "Something went wrong on our side (reference" in fake.dm_messages(ANA)[-1]["text"]  # not silence
        harness.send.click(shown, "crisis.template.details", user=ANA, channel=crisis.channel_id)
        harness.settle()
        assert not views_left_working(fake)
        assert "Something went wrong on our side (reference" in json.dumps(harness.last_view())
    finally:
        harness.stop()
