"""Button clicks: one listener for every action_id in bot.ids.Action, dispatched by kind."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App, BoltContext
from slack_sdk.models.views import View

from bot.flows import access, closing, drafting, step_changes, volume
from bot.model import Step
from bot.rules.checklist import Move
from bot.services import Services
from bot.slack import ids
from bot.slack.blockkit import Message
from bot.slack.gateway import SlackError
from bot.slack.ids import Action
from bot.templates import Kind
from bot.views import closing as closing_views
from bot.views import drafts as draft_views
from bot.views import notices
from bot.views import war_room as war_room_views
from bot.views.forms import read_values
from bot.words.i18n import _
from handlers.commands import open_close_modal, open_modal, open_tracking_modal, open_update_modal, share_chart
from handlers.plumbing import (
    Interaction,
    accept,
    defer_answer,
    guarded,
    open_when_ready,
    services_of,
    subject_of,
    tell,
)

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(Action.pattern())(on_action)


@guarded
def on_action(ack: Ack, body: dict, context: BoltContext) -> None:
    ack()
    handler = HANDLERS[Action.parse(body["actions"][0]["action_id"])]
    handler(services_of(context), Interaction.of(body, subject_of(context)))


def _resume_setup(services: Services, who: Interaction) -> None:
    accept(services, who, "setup", crisis=who.ref.crisis)


def _open_anyway(services: Services, who: Interaction) -> None:
    # open_modal checks who may open, after the ack (a CRISIS_RESPONDERS group may take Slack seconds)
    services.defer_urgent(open_modal, services, who, ids.OpenContext(title=who.ref.title))


def _open_from_spike(services: Services, who: Interaction) -> None:
    services.defer_urgent(_open_prefilled, services, who, who.ref.spike)  # open_modal checks who may open


def _open_prefilled(services: Services, who: Interaction, spike_id: int) -> None:
    open_modal(services, who, volume.prefill(services, spike_id))


def _volume_chart(services: Services, who: Interaction) -> None:
    services.defer(share_chart, services, who, who.ref.crisis)


def _tracking(services: Services, who: Interaction) -> None:
    services.defer_urgent(open_tracking_modal, services, who, who.ref.crisis)


def _step_done(services: Services, who: Interaction) -> None:
    _move(services, who, who.ref, Move.DONE)


def _step_reopen(services: Services, who: Interaction) -> None:
    _move(services, who, who.ref, Move.REOPEN)


def _move(services: Services, who: Interaction, ref: ids.StepRef, move: Move) -> None:
    accept(services, who, "step", crisis=ref.crisis, step=ref.step, move=move.value)


def _step_skip(services: Services, who: Interaction) -> None:
    services.defer_urgent(_open_skip_modal, services, who, who.ref)


def _open_skip_modal(services: Services, who: Interaction, ref: ids.StepRef) -> None:
    def build() -> View | Message:
        refusal = step_changes.may_skip(services, ref.crisis, Step(ref.step), who.user_id)  # may ask Slack
        crisis = services.crises.get(ref.crisis)
        if refusal is not None or crisis is None:
            return notices.note(refusal or _("That crisis no longer exists."))
        return war_room_views.skip_modal(crisis, Step(ref.step))

    open_when_ready(services, who, build)


def _step_template(services: Services, who: Interaction) -> None:
    kind = Kind.for_step(Step(who.ref.step))
    defer_answer(
        services,
        who,
        drafting.show,
        services,
        who.crisis,
        kind,
        None,
        who.user_id,
        # Translators: completes "I could not …"
        failing=_("show the template"),
    )


def _template_switch(services: Services, who: Interaction) -> None:
    """A picker rewrites the message it is on (the current request's), once the bot's records
    say that message shows this crisis's reply."""
    ref = who.ref
    defer_answer(
        services,
        who,
        drafting.switch,
        services,
        who.crisis,
        Kind(ref.kind),
        ref.language,
        who.user_id,
        channel=who.channel_id or "",
        ts=who.message_ts or "",
        # Translators: completes "I could not …"; the reply is a drafted customer reply
        failing=_("show that reply"),
    )


def _template_edit(services: Services, who: Interaction) -> None:
    services.defer_urgent(_open_draft_modal, services, who, who.ref, None)


def _draft_revise(services: Services, who: Interaction) -> None:
    draft = services.drafts.get(who.ref.draft)
    if draft is not None:
        ref = ids.TemplateRef(crisis=draft.crisis_id, kind=draft.kind, language=draft.language)
        services.defer_urgent(_open_draft_modal, services, who, ref, draft.text)


def _open_draft_modal(services: Services, who: Interaction, ref: ids.TemplateRef, text: str | None) -> None:
    def build() -> View | Message:
        crisis = who.crisis  # the draft's, for a revision
        refusal = drafting.draft_refusal(services, crisis, who.user_id)
        if refusal:
            return notices.note(refusal)
        filled = (
            text
            if text is not None
            else drafting.draft_text(services, crisis, Kind(ref.kind), ref.language, who.user_id)
        )
        return draft_views.draft_modal(ref, filled)

    open_when_ready(services, who, build)


def _template_details(services: Services, who: Interaction) -> None:
    """The details form for the reply clicked on; it remembers that message (checked again
    against the bot's records when the form is saved) to show the reply with the new details."""
    ref = who.ref
    located = ids.TemplateRef(ref.crisis, ref.kind, ref.language, ts=who.message_ts or "")

    def build() -> View | Message:
        crisis = who.crisis
        refusal = drafting.reply_refusal(services, crisis, who.user_id) or drafting.shown_refusal(
            services, crisis, channel=who.channel_id or "", ts=located.ts
        )
        if refusal:
            return notices.note(refusal)
        return drafting.details_form(services, crisis, located, who.user_id)  # the preview needs users.info

    services.defer_urgent(open_when_ready, services, who, build)


def _template_preview(services: Services, who: Interaction) -> None:
    """Preview in the details form: re-render it with what is typed so far, stored or not."""
    view = who.view or {}
    if view.get("id"):
        typed = drafting.read_details(read_values(view))
        services.defer(_update_preview, services, who, view, typed)


def _update_preview(services: Services, who: Interaction, view: dict, typed: drafting.TypedDetails) -> None:
    crisis = who.crisis
    refusal = drafting.reply_refusal(services, crisis, who.user_id)
    built = (
        notices.notice_modal(notices.note(refusal))
        if refusal
        else drafting.details_form(services, crisis, who.ref, who.user_id, typed)
    )
    try:
        services.slack.update_view(view["id"], built, hash=view.get("hash"))
    except SlackError as error:  # hash_conflict: they typed on and pressed again; that update wins
        log.info("preview not updated: %s", error.code)


def _draft_approve(services: Services, who: Interaction) -> None:
    accept(services, who, "decide", draft=who.ref.draft, approve=True)


def _draft_changes(services: Services, who: Interaction) -> None:
    services.defer_urgent(_open_changes_modal, services, who, who.ref.draft)


def _open_changes_modal(services: Services, who: Interaction, draft_id: int) -> None:
    def build() -> View | Message:
        draft = services.drafts.get(draft_id)
        crisis = services.crises.of(draft)
        if draft is None or crisis is None:
            return notices.note(_("That draft no longer exists."))
        refusal = drafting.approval_refusal(services, crisis, draft, who.user_id)  # may ask Slack for a user group
        return notices.note(refusal) if refusal else draft_views.changes_modal(draft)

    open_when_ready(services, who, build)


def _close(services: Services, who: Interaction) -> None:
    ref, crisis = who.ref, who.crisis
    refusal = closing.close_refusal(services, crisis, who.user_id, forced=ref.forced)  # forced: steps are the point
    if refusal is not None:
        tell(services, who, closing_views.refusal_message(crisis, refusal))
        return
    services.defer_urgent(open_close_modal, services, who, crisis.id, ref.forced)


def _followup_done(services: Services, who: Interaction) -> None:
    accept(services, who, "followup", followup=who.ref.followup)


def _post_update(services: Services, who: Interaction) -> None:
    crisis = who.crisis
    refusal = access.update_refusal(services, crisis, who.user_id) if crisis else _("That crisis no longer exists.")
    if refusal or crisis is None:
        tell(services, who, notices.note(refusal or ""))
        return
    services.defer_urgent(open_update_modal, services, who, crisis.id)


def _follow(services: Services, who: Interaction) -> None:
    accept(services, who, "follow", crisis=who.ref.crisis, following=True)


def _unfollow(services: Services, who: Interaction) -> None:
    accept(services, who, "follow", crisis=who.ref.crisis, following=False)


HANDLERS: dict[Action, Callable[[Services, Interaction], None]] = {
    Action.RESUME_SETUP: _resume_setup,
    Action.OPEN_ANYWAY: _open_anyway,
    Action.STEP_DONE: _step_done,
    Action.STEP_UNDO: _step_reopen,
    Action.STEP_SKIP: _step_skip,
    Action.STEP_TEMPLATE: _step_template,
    Action.TEMPLATE_LANGUAGE: _template_switch,
    Action.TEMPLATE_KIND: _template_switch,
    Action.TEMPLATE_EDIT: _template_edit,
    Action.TEMPLATE_DETAILS: _template_details,
    Action.TEMPLATE_PREVIEW: _template_preview,
    Action.DRAFT_APPROVE: _draft_approve,
    Action.DRAFT_CHANGES: _draft_changes,
    Action.DRAFT_REVISE: _draft_revise,
    Action.CLOSE: _close,
    Action.FORCE_CLOSE: _close,
    Action.FOLLOWUP_DONE: _followup_done,
    Action.POST_UPDATE: _post_update,
    Action.FOLLOW: _follow,
    Action.FOLLOW_PICK: _follow,
    Action.UNFOLLOW: _unfollow,
    Action.VOLUME_CHART: _volume_chart,
    Action.TRACKING: _tracking,
    Action.OPEN_FROM_SPIKE: _open_from_spike,
}
