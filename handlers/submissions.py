"""Modal submissions: validate inline within Slack's 3 seconds, store, acknowledge, then work."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext

from bot import clock
from bot.flows import closing, drafting, opening, tracking, updates, war_room_setup
from bot.model import Step
from bot.rules import checklist
from bot.rules.checklist import Move
from bot.services import Services
from bot.slack.ids import Callback, Field
from bot.templates import Kind
from bot.views import notices
from bot.views.forms import read_values
from bot.words.i18n import _
from bot.words.text import clean
from handlers.plumbing import Interaction, accept, defer_answer, guarded, services_of, subject_of, tell

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.view(Callback.OPEN_CRISIS.value)(on_open_crisis)
    app.view(Callback.SKIP_STEP.value)(on_skip_step)
    app.view(Callback.DRAFT_REPLY.value)(on_draft_reply)
    app.view(Callback.REPLY_DETAILS.value)(on_reply_details)
    app.view(Callback.REQUEST_CHANGES.value)(on_request_changes)
    app.view(Callback.CLOSE_CRISIS.value)(on_close_crisis)
    app.view(Callback.POST_UPDATE.value)(on_post_update)
    app.view(Callback.TRACKING.value)(on_tracking)


@guarded
def on_open_crisis(ack: Ack, body: dict, context: BoltContext) -> None:
    services = services_of(context)
    view = body["view"]
    submitter = body["user"]["id"]
    form = opening.opened_form(services, view["id"], opener_id=submitter)
    refusal = opening.may_submit(services, submitter, form)
    if refusal:
        ack(response_action="errors", errors={Field.TITLE.value: refusal})
        return
    outcome = opening.submit(
        services, read_values(view), opener_id=submitter, view_id=view["id"], form=form, at=clock.now()
    )
    if isinstance(outcome, opening.Invalid):
        ack(response_action="errors", errors=outcome.errors)
        return
    ack()
    started = outcome.crisis if outcome.new else None  # a resent submission's set-up claims its own lease
    services.defer(war_room_setup.set_up, services, outcome.crisis.id, started=started)


@guarded
def on_skip_step(ack: Ack, body: dict, context: BoltContext) -> None:
    """The reason is stored (in the inbox) before the ack, so a failure to store it keeps the
    form open with the reason typed (handlers.plumbing.guarded)."""
    services = services_of(context)
    ref = subject_of(context).ref
    reason = read_values(body["view"]).get(Field.REASON.value)
    problem = checklist.reason_problem(Step(ref.step), reason)
    if problem:
        ack(response_action="errors", errors={Field.REASON.value: problem})
        return
    accept(
        services, Interaction.of(body), "step", crisis=ref.crisis, step=ref.step, move=Move.SKIP.value, reason=reason
    )
    ack()


@guarded
def on_draft_reply(ack: Ack, body: dict, context: BoltContext) -> None:
    services = services_of(context)
    ref, crisis = subject_of(context).ref, subject_of(context).crisis
    text = clean(read_values(body["view"]).get(Field.DRAFT_TEXT.value))
    if not text:
        ack(response_action="errors", errors={Field.DRAFT_TEXT.value: _("Write the reply first.")})
        return
    refusal = drafting.draft_refusal(services, crisis, body["user"]["id"])  # the crisis the form names, as stored
    if refusal:
        ack(response_action="errors", errors={Field.DRAFT_TEXT.value: refusal})
        return
    # Stored under the submission's view: Slack resending it drafts once.
    accept(services, Interaction.of(body), "draft", crisis=crisis.id, kind=ref.kind, language=ref.language, text=text)
    ack()


@guarded
def on_reply_details(ack: Ack, body: dict, context: BoltContext) -> None:
    services = services_of(context)
    ref, crisis = subject_of(context).ref, subject_of(context).crisis
    actor = body["user"]["id"]
    refusal = drafting.reply_refusal(services, crisis, actor)  # the crisis the form names, as stored
    if refusal:
        ack(response_action="errors", errors={Field.CUSTOMER.value: refusal})
        return
    typed = drafting.read_details(read_values(body["view"]))
    if typed.errors:
        ack(response_action="errors", errors=typed.errors)
        return
    drafting.save_details(services, crisis, typed, actor=actor)
    ack()
    if ref.ts:  # the reply the form was opened from; switch checks the bot's record that it is one
        defer_answer(
            services,
            Interaction.of(body),
            drafting.switch,
            services,
            services.crises.get(crisis.id),
            Kind(ref.kind),
            ref.language,
            actor,
            channel=crisis.channel_id or "",
            ts=ref.ts,
            # Translators: completes "I could not …"
            failing=_("show the reply with the new details"),
        )


@guarded
def on_request_changes(ack: Ack, body: dict, context: BoltContext) -> None:
    services = services_of(context)
    ref = subject_of(context).ref
    note_text = clean(read_values(body["view"]).get(Field.NOTE.value))
    if not note_text:
        ack(response_action="errors", errors={Field.NOTE.value: _("Say what should change, so the author can fix it.")})
        return
    accept(services, Interaction.of(body), "decide", draft=ref.draft, approve=False, note=note_text)
    ack()


@guarded
def on_close_crisis(ack: Ack, body: dict, context: BoltContext) -> None:
    services = services_of(context)
    ref = subject_of(context).ref
    actor = body["user"]["id"]
    crisis = subject_of(context).crisis
    outcome = closing.validate(read_values(body["view"]), forced=ref.forced)
    if isinstance(outcome, opening.Invalid):
        ack(response_action="errors", errors=outcome.errors)
        return
    refusal = closing.close_refusal(services, crisis, actor, forced=ref.forced)  # steps may have reopened meanwhile
    if refusal is not None or crisis is None:
        ack(response_action="errors", errors={Field.LESSONS.value: refusal.reason if refusal else ""})
        return
    closure = closing.close(services, crisis, outcome, actor=actor)
    ack()
    if closure is not None:
        services.defer(_announce, services, Interaction.of(body), closure.id)


def _announce(services: Services, who: Interaction, closure_id: int) -> None:
    problems = closing.announce(services, closure_id)
    if problems:
        # Translators: {problems} is one or more sentences such as "I could not pin the header: why."
        text = _("The crisis is closed and stored, but {problems}").format(problems=" ".join(problems))
        tell(services, who, notices.note(text))


@guarded
def on_post_update(ack: Ack, body: dict, context: BoltContext) -> None:
    """Stored before the form closes (keyed by the view, so a resent submission stores one),
    delivered after the ack."""
    services = services_of(context)
    crisis, actor = subject_of(context).crisis, body["user"]["id"]
    if crisis is None:
        ack(response_action="errors", errors={Field.UPDATE_STATUS.value: _("That crisis no longer exists.")})
        return
    outcome = updates.validate(services, read_values(body["view"]), crisis, actor)
    stored = (
        outcome
        if isinstance(outcome, opening.Invalid)
        else updates.submit(services, crisis, outcome, actor=actor, request_key=f"update:{body['view']['id']}")
    )
    if isinstance(stored, opening.Invalid):
        ack(response_action="errors", errors=stored.errors)
        return
    ack()
    update_id, created = stored
    if created:
        services.defer(updates.deliver, services, update_id)


@guarded
def on_tracking(ack: Ack, body: dict, context: BoltContext) -> None:
    services, crisis = services_of(context), subject_of(context).crisis
    who = Interaction.of(body)
    refusal = tracking.may_change(services, crisis, who.user_id)  # the crisis the form names, as stored
    if refusal or crisis is None:
        ack(response_action="errors", errors={Field.KEYWORDS.value: refusal or _("That crisis no longer exists.")})
        return
    typed = tracking.read(read_values(body["view"]), title=crisis.title)
    if typed.errors:
        ack(response_action="errors", errors=typed.errors)
        return
    ack()
    defer_answer(services, who, tracking.change, services, crisis.id, typed, actor=who.user_id)
