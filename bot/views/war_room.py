"""The war room's messages: the pinned header, the four-step checklist, and what the bot
tells the owner and the opener. Built from stored state only."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_timedelta
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.model import Crisis, Step, StepState, StepStatus
from bot.rules.checklist import SKIP_REASON_MAX
from bot.rules.volume import Figures
from bot.slack.blockkit import Message
from bot.slack.ids import Action, Callback, CrisisRef, Field, StepRef, dump
from bot.views import volume
from bot.views.closing import close_button
from bot.views.common import context, text_input
from bot.views.updates import header_actions
from bot.words.locales import language
from bot.words.text import bold, channel, code, cut, escape, link, mrkdwn, plain, user, when

HEADER_LIMIT = 150
TOPIC_LIMIT = 250
_STATE_ICON = {StepState.PENDING: "⏳", StepState.DONE: "✅", StepState.NOT_APPLICABLE: "➖"}


def topic(crisis: Crisis) -> str:
    """The channel topic: the real title in any script (the channel name is only a slug)."""
    return cut(f"🔥 {escape(crisis.title)} · {crisis.severity.label}", TOPIC_LIMIT)


def purpose(crisis: Crisis) -> str:
    """Says which archived war room this one continues, for whoever comes from that one."""
    continues = f", continuing #{crisis.previous_channel_name}" if crisis.previous_channel_name else ""
    return cut(
        f"War room of crisis #{crisis.id} ({crisis.category.label}){continues}: {escape(crisis.title)}", TOPIC_LIMIT
    )


def header(
    crisis: Crisis,
    *,
    closable: bool = False,
    figures: Figures | None = None,
    feeds: int = 0,
    promise: str,
) -> Message:
    """The pinned summary at the top of the war room, with the volume of mentions and what is
    tracked; `closable` adds the Close crisis button (while the crisis is open and all four
    steps are settled). While it is open it says when the next stakeholder update is due (the
    `promise`, worded by promise_line at the moment the header is drawn, like the `figures`)
    and offers to post one."""
    lang = language(crisis.language)
    fields = [
        f"*Kind*\n{crisis.category.label}",
        f"*Severity*\n{crisis.severity.label}",
        f"*Owner*\n{user(crisis.owner_id)}",
        f"*Response language*\n{lang.label if lang else 'Each responder’s Slack language'}",
    ]
    if crisis.platform:
        fields.append(f"*Platform*\n{crisis.platform.label}")
    if crisis.customer_handle:
        fields.append(f"*Customer*\n{mrkdwn(crisis.customer_handle, 200)}")
    if crisis.link:
        fields.append(f"*Post*\n{link(crisis.link, 'Open the post')}")
    blocks = [
        HeaderBlock(block_id="title", text=plain(f"🔥 {crisis.title}", HEADER_LIMIT)),
        SectionBlock(block_id="facts", fields=[MarkdownTextObject(text=f) for f in fields]),
    ]
    if crisis.description:
        blocks.append(SectionBlock(block_id="what", text=f"*What happened*\n{mrkdwn(crisis.description, 2900)}"))
    blocks.append(SectionBlock(block_id="volume", text=volume.figures_line(figures)))
    status = "Open" if crisis.is_open else "Closed"
    continues = f" · continues {channel(crisis.previous_channel_id)}" if crisis.previous_channel_id else ""
    meta = context(
        f"Crisis #{crisis.id} · {status} · opened by {user(crisis.opener_id)} {when(crisis.opened_at)}{continues}",
        volume.tracking_line(crisis, feeds),
        block_id="meta",
    )
    blocks.append(meta)
    if crisis.is_open:
        blocks += [
            SectionBlock(block_id="promise", text=promise),
            header_actions(crisis),
        ]
    actions = volume.buttons(crisis) + ([close_button(crisis)] if closable else [])
    blocks.append(ActionsBlock(block_id="actions", elements=actions))
    return Message(
        text=f"Crisis #{crisis.id}: {mrkdwn(crisis.title, 500)} — owner {user(crisis.owner_id)}", blocks=blocks
    )


def checklist(crisis: Crisis, steps: list[StepStatus], *, interactive: bool = True) -> Message:
    """The four steps with their state, who changed each and when, and (while the crisis is
    open and `interactive`) one button per possible move."""
    interactive = interactive and crisis.is_open
    settled = sum(1 for s in steps if s.settled)
    skipped = sum(1 for s in steps if s.state is StepState.NOT_APPLICABLE)
    progress = f"*The four steps* — {settled} of {len(steps)} done"
    if skipped:
        progress += f" ({skipped} not applicable)"
    blocks: list = [SectionBlock(block_id="progress", text=progress)]
    for status in steps:
        blocks.append(SectionBlock(block_id=f"step-{status.step.value}", text=_step_text(status)))
        if interactive:
            blocks.append(
                ActionsBlock(block_id=f"step-{status.step.value}-actions", elements=_step_buttons(crisis, status))
            )
    if interactive:
        blocks.append(context("Anyone in the war room can tick a step. Changes are posted in this thread."))
    return Message(text=f"Checklist of crisis #{crisis.id}: {settled} of {len(steps)} done", blocks=blocks)


def _step_text(status: StepStatus) -> str:
    step = status.step
    line = f"{_STATE_ICON[status.state]} *{step.value}. {step.label}*"
    if status.state is StepState.PENDING:
        return f"{line}\n_{step.done_means}_"
    who = f"{user(status.changed_by)} {when(status.changed_at)}" if status.changed_at else user(status.changed_by)
    if status.state is StepState.DONE:
        return f"{line}\nDone by {who}"
    return f"{line}\nNot applicable — {mrkdwn(status.reason, 2000)} ({who})"


def _step_buttons(crisis: Crisis, status: StepStatus) -> list[ButtonElement]:
    ref = dump(StepRef(crisis=crisis.id, step=status.step.value))
    n = status.step.value
    templates = ButtonElement(action_id=Action.STEP_TEMPLATE.id(n), text="Templates", value=ref)
    if status.state is not StepState.PENDING:
        return [ButtonElement(action_id=Action.STEP_UNDO.id(n), text="Reopen", value=ref), templates]
    buttons = [ButtonElement(action_id=Action.STEP_DONE.id(n), text="Done", value=ref, style="primary")]
    if status.step.skippable:
        buttons.append(ButtonElement(action_id=Action.STEP_SKIP.id(n), text="Not applicable", value=ref))
    return [*buttons, templates]


def step_note(status: StepStatus) -> Message:
    """The one-line record of a change, posted in the checklist's thread."""
    step = status.step
    name = f"Step {step.value} {step.label}"
    if status.state is StepState.DONE:
        text = f"✅ {name} — done by {user(status.changed_by)}"
    elif status.state is StepState.NOT_APPLICABLE:
        text = f"➖ {name} — not applicable: {mrkdwn(status.reason, 1000)} ({user(status.changed_by)})"
    else:
        text = f"↩️ {name} — reopened by {user(status.changed_by)}"
    return Message.section(text)


def all_settled_notice(crisis: Crisis) -> Message:
    text = (
        f"🎉 All four steps are done or not applicable. {user(crisis.owner_id)}, once the cause is known and the "
        "responsible team is told, close the crisis with `/crisis close` and write down the lessons learned."
    )
    return Message.section(text)


def skip_modal(crisis: Crisis, step: Step) -> View:
    """Asks why step 2 or 4 does not apply; the reason is required and goes on the record."""
    return View(
        type="modal",
        callback_id=Callback.SKIP_STEP.value,
        title="Not applicable",
        submit="Mark not applicable",
        close="Cancel",
        private_metadata=dump(StepRef(crisis=crisis.id, step=step.value)),
        blocks=[
            SectionBlock(
                block_id="step",
                text=f"*Step {step.value} — {step.label}*\n_{step.done_means}_\nCrisis #{crisis.id}: {mrkdwn(crisis.title, 500)}",
            ),
            text_input(
                Field.REASON.value,
                "Why does this step not apply?",
                SKIP_REASON_MAX,
                required=True,
                multiline=True,
                hint="For example: it is not our fault; the customer prefers to keep it public.",
            ),
        ],
    )


def ack_nudge(owner_id: str, minutes: int) -> Message:
    text = (
        f"⏰ {user(owner_id)}, step 1 (Acknowledge) is still open {_duration(minutes * 60)} after this crisis was "
        "opened. The first hours matter: acknowledge publicly now, even before all the facts are in. "
        "A short holding statement will do."
    )
    return Message.section(text)


def stall_nudge(owner_id: str, hours: int, *, all_settled: bool) -> Message:
    quiet = f"no step of this crisis has changed for {_duration(hours * 3600)}"
    if all_settled:
        advice = "All four steps are settled: close it with `/crisis close` and write down the lessons learned."
    else:
        advice = (
            "Where does it stand? Tick what is done on the checklist, hand it over with `/crisis owner @someone`, "
            "or close it with `/crisis close`."
        )
    text = f"⏰ {user(owner_id)}, {quiet}. {advice}"
    return Message.section(text)


def _duration(seconds: int) -> str:
    return format_timedelta(timedelta(seconds=seconds), threshold=2, locale="en")


def handover_note(new_owner: str, old_owner: str, actor: str | None) -> Message:
    """The war room's note of a hand-over (who handed it over, when it was not the old owner)."""
    by = "" if actor in (None, old_owner) else f" (handed over by {user(actor)})"
    return Message.section(f"👑 {user(new_owner)} now owns this crisis, taking over from {user(old_owner)}{by}.")


def owner_notice(crisis: Crisis, *, handed_over_by: str | None = None) -> Message:
    """The DM that tells someone they are now the one responsible for a crisis."""
    if handed_over_by:
        opening = f"{user(handed_over_by)} handed crisis #{crisis.id} over to you: you are now its owner."
    else:
        opening = f"You are the owner of crisis #{crisis.id}, opened by {user(crisis.opener_id)}."
    text = (
        f"{opening}\n{bold(crisis.title, 500)} · {crisis.severity.label} · war room {channel(crisis.channel_id)}\n"
        "You answer for it and keep the rest of the company informed. First absorb the shock, "
        "then acknowledge publicly: the first hours matter, haste does not."
    )
    return Message.section(text)


def setup_report(crisis: Crisis, problems: list[str], *, resumable: bool) -> Message:
    """What the opener (or reopener) is told once the war room is set up, or what failed and
    how to fix it."""
    room = channel(crisis.channel_id, fallback="its war room")
    if not problems and crisis.reopened_by:
        continues = f", continuing {channel(crisis.previous_channel_id)}" if crisis.previous_channel_id else ""
        text = f"✅ Crisis #{crisis.id} {bold(crisis.title, 500)} is open again in {room}{continues}. Owner: {user(crisis.owner_id)}."
        return Message.section(text)
    if not problems:
        text = f"✅ War room {room} is ready for crisis #{crisis.id}: {bold(crisis.title, 500)}. Owner: {user(crisis.owner_id)}."
        return Message.section(text)
    lines = "\n".join(f"• {p}" for p in problems)
    text = f"⚠️ Crisis #{crisis.id} {bold(crisis.title, 500)} is saved, but setting up {room} did not finish:\n{lines}"
    blocks: list = [SectionBlock(block_id="problems", text=cut(text, 2900))]
    if resumable:
        blocks.append(ActionsBlock(block_id="fix", elements=[resume_button(crisis, "Retry set-up")]))
        blocks.append(context("Retrying only does what is left; it never opens a second crisis or channel."))
    return Message(text=text, blocks=blocks)


def names_taken(first: str, last: str) -> str:
    """Every channel name set-up tries is taken: which they are, and what the person can do."""
    return (
        f"I could not create the war-room channel: every name I try is taken, {code('#' + first, 90)} to"
        f" {code('#' + last, 90)} (archived channels keep their names). Rename one of those channels in Slack,"
        " then press Retry set-up."
    )


def resume_button(crisis: Crisis, label: str) -> ButtonElement:
    """Runs what is left of a crisis's set-up (never a second channel or crisis)."""
    return ButtonElement(
        action_id=Action.RESUME_SETUP.id(crisis.id),
        text=label,
        style="primary",
        value=dump(CrisisRef(crisis=crisis.id)),
    )
