"""The war room's messages: the pinned header, the four-step checklist, and what the bot
tells the owner and the opener. Built from stored state only."""

from __future__ import annotations

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
from bot.views.common import context, modal_text, text_input
from bot.views.updates import header_actions
from bot.words import commands, i18n
from bot.words.i18n import _
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
    if crisis.previous_channel_name:
        text = _("War room of crisis #{number} ({category}), continuing #{previous}: {title}")
    else:
        text = _("War room of crisis #{number} ({category}): {title}")
    return cut(
        text.format(
            number=crisis.id,
            category=crisis.category.label,
            previous=crisis.previous_channel_name,
            title=escape(crisis.title),
        ),
        TOPIC_LIMIT,
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
        # Translators: a field of the war room's header: its title in bold, then the crisis's kind
        _("*Kind*\n{kind}").format(kind=crisis.category.label),
        # Translators: a field of the war room's header: its title in bold, then the crisis's severity
        _("*Severity*\n{severity}").format(severity=crisis.severity.label),
        # Translators: a field of the war room's header: its title in bold, then a mention of the owner
        _("*Owner*\n{owner}").format(owner=user(crisis.owner_id)),
        # Translators: a field of the war room's header: the language replies to the customer are drafted in
        _("*Response language*\n{language}").format(language=lang.label)
        if lang
        # Translators: a field of the war room's header: no response language was chosen for the crisis
        else _("*Response language*\nEach responder’s Slack language"),
    ]
    if crisis.platform:
        # Translators: a field of the war room's header: the platform the crisis is on
        fields.append(_("*Platform*\n{platform}").format(platform=crisis.platform.label))
    if crisis.customer_handle:
        # Translators: a field of the war room's header: the customer's handle or name, as typed
        fields.append(_("*Customer*\n{customer}").format(customer=mrkdwn(crisis.customer_handle, 200)))
    if crisis.link:
        # Translators: a field of the war room's header: a link to the post the crisis is about
        fields.append(_("*Post*\n{link}").format(link=link(crisis.link, _("Open the post"))))
    blocks = [
        HeaderBlock(block_id="title", text=plain(f"🔥 {crisis.title}", HEADER_LIMIT)),
        SectionBlock(block_id="facts", fields=[MarkdownTextObject(text=f) for f in fields]),
    ]
    if crisis.description:
        what = _("*What happened*\n{description}").format(description=mrkdwn(crisis.description, 2900))
        blocks.append(SectionBlock(block_id="what", text=what))
    blocks.append(SectionBlock(block_id="volume", text=volume.figures_line(figures)))
    meta = context(_meta_line(crisis), volume.tracking_line(crisis, feeds), block_id="meta")
    blocks.append(meta)
    if crisis.is_open:
        blocks += [
            SectionBlock(block_id="promise", text=promise),
            header_actions(crisis),
        ]
    actions = volume.buttons(crisis) + ([close_button(crisis)] if closable else [])
    blocks.append(ActionsBlock(block_id="actions", elements=actions))
    text = _("Crisis #{number}: {title} — owner {owner}").format(
        number=crisis.id, title=mrkdwn(crisis.title, 500), owner=user(crisis.owner_id)
    )
    return Message(text=text, blocks=blocks)


def _meta_line(crisis: Crisis) -> str:
    """The header's grey line: the crisis's number, whether it is open, who opened it and when,
    and the archived war room it continues (one whole sentence for each case)."""
    if crisis.is_open and crisis.previous_channel_id:
        text = _("Crisis #{number} · Open · opened by {opener} {time} · continues {channel}")
    elif crisis.is_open:
        text = _("Crisis #{number} · Open · opened by {opener} {time}")
    elif crisis.previous_channel_id:
        text = _("Crisis #{number} · Closed · opened by {opener} {time} · continues {channel}")
    else:
        text = _("Crisis #{number} · Closed · opened by {opener} {time}")
    return text.format(
        number=crisis.id,
        opener=user(crisis.opener_id),
        time=when(crisis.opened_at),
        channel=channel(crisis.previous_channel_id),
    )


def checklist(crisis: Crisis, steps: list[StepStatus], *, interactive: bool = True) -> Message:
    """The four steps with their state, who changed each and when, and (while the crisis is
    open and `interactive`) one button per possible move."""
    interactive = interactive and crisis.is_open
    settled = sum(1 for s in steps if s.settled)
    skipped = sum(1 for s in steps if s.state is StepState.NOT_APPLICABLE)
    if skipped:
        progress = _("*The four steps* — {settled} of {total} done ({skipped} not applicable)")
    else:
        progress = _("*The four steps* — {settled} of {total} done")
    blocks: list = [
        SectionBlock(block_id="progress", text=progress.format(settled=settled, total=len(steps), skipped=skipped))
    ]
    for status in steps:
        blocks.append(SectionBlock(block_id=f"step-{status.step.value}", text=_step_text(status)))
        if interactive:
            blocks.append(
                ActionsBlock(block_id=f"step-{status.step.value}-actions", elements=_step_buttons(crisis, status))
            )
    if interactive:
        blocks.append(context(_("Anyone in the war room can tick a step. Changes are posted in this thread.")))
    text = _("Checklist of crisis #{number}: {settled} of {total} done").format(
        number=crisis.id, settled=settled, total=len(steps)
    )
    return Message(text=text, blocks=blocks)


def _step_text(status: StepStatus) -> str:
    step = status.step
    line = f"{_STATE_ICON[status.state]} *{step.value}. {step.label}*"
    if status.state is StepState.PENDING:
        return f"{line}\n_{step.done_means}_"
    done = status.state is StepState.DONE
    if done and status.changed_at:
        # Translators: under a step of the checklist; {time} is a date and time as Slack shows it ("Today at 14:05")
        by = _("Done by {person} {time}")
    elif status.changed_at:
        # Translators: under a step of the checklist; {time} is a date and time as Slack shows it ("Today at 14:05")
        by = _("Not applicable — {reason} ({person} {time})")
    elif done:
        by = _("Done by {person}")
    else:
        by = _("Not applicable — {reason} ({person})")
    time = when(status.changed_at) if status.changed_at else ""
    return line + "\n" + by.format(person=user(status.changed_by), time=time, reason=mrkdwn(status.reason, 2000))


def _step_buttons(crisis: Crisis, status: StepStatus) -> list[ButtonElement]:
    ref = dump(StepRef(crisis=crisis.id, step=status.step.value))
    n = status.step.value
    # Translators: a button under a step of the checklist: the reply templates for it (keep it short, at most 75)
    templates = ButtonElement(action_id=Action.STEP_TEMPLATE.id(n), text=_("Templates"), value=ref)
    if status.state is not StepState.PENDING:
        # Translators: a button under a settled step: make it open again (keep it short, at most 75)
        return [ButtonElement(action_id=Action.STEP_UNDO.id(n), text=_("Reopen"), value=ref), templates]
    # Translators: a button under a step: mark it done (keep it short, at most 75)
    buttons = [ButtonElement(action_id=Action.STEP_DONE.id(n), text=_("Done"), value=ref, style="primary")]
    if status.step.skippable:
        # Translators: a button under a step: mark it not applicable, with a reason (keep it short, at most 75)
        buttons.append(ButtonElement(action_id=Action.STEP_SKIP.id(n), text=_("Not applicable"), value=ref))
    return [*buttons, templates]


def step_note(status: StepStatus) -> Message:
    """The one-line record of a change, posted in the checklist's thread."""
    step = status.step
    if status.state is StepState.DONE:
        text = _("✅ Step {number} {step} — done by {person}")
    elif status.state is StepState.NOT_APPLICABLE:
        text = _("➖ Step {number} {step} — not applicable: {reason} ({person})")
    else:
        text = _("↩️ Step {number} {step} — reopened by {person}")
    return Message.section(
        text.format(
            number=step.value, step=step.label, person=user(status.changed_by), reason=mrkdwn(status.reason, 1000)
        )
    )


def all_settled_notice(crisis: Crisis) -> Message:
    text = _(
        "🎉 All four steps are done or not applicable. {owner}, once the cause is known and the "
        "responsible team is told, close the crisis with `/crisis {close}` and write down the lessons learned."
    ).format(owner=user(crisis.owner_id), close=commands.alias("close"))
    return Message.section(text)


def skip_modal(crisis: Crisis, step: Step) -> View:
    """Asks why step 2 or 4 does not apply; the reason is required and goes on the record."""
    return View(
        type="modal",
        callback_id=Callback.SKIP_STEP.value,
        # Translators: the title of the modal that marks a step not applicable (at most 24 characters)
        title=modal_text(_("Not applicable")),
        # Translators: the submit button of that modal (at most 24 characters)
        submit=modal_text(_("Mark not applicable")),
        # Translators: a modal's close button (at most 24 characters)
        close=modal_text(_("Cancel")),
        private_metadata=dump(StepRef(crisis=crisis.id, step=step.value)),
        blocks=[
            SectionBlock(
                block_id="step",
                text=_("*Step {number} — {step}*\n_{done_means}_\nCrisis #{crisis}: {title}").format(
                    number=step.value,
                    step=step.label,
                    done_means=step.done_means,
                    crisis=crisis.id,
                    title=mrkdwn(crisis.title, 500),
                ),
            ),
            text_input(
                Field.REASON.value,
                _("Why does this step not apply?"),
                SKIP_REASON_MAX,
                required=True,
                multiline=True,
                hint=_("For example: it is not our fault; the customer prefers to keep it public."),
            ),
        ],
    )


def ack_nudge(owner_id: str, minutes: int) -> Message:
    # Translators: {duration} is a length of time ("2 hours"); {step} is the name of step 1
    text = _(
        "⏰ {owner}, step 1 ({step}) is still open {duration} after this crisis was "
        "opened. The first hours matter: acknowledge publicly now, even before all the facts are in. "
        "A short holding statement will do."
    ).format(owner=user(owner_id), step=Step.ACKNOWLEDGE.label, duration=i18n.duration(minutes * 60))
    return Message.section(text)


def stall_nudge(owner_id: str, hours: int, *, all_settled: bool) -> Message:
    if all_settled:
        # Translators: {duration} is a length of time ("2 days")
        text = _(
            "⏰ {owner}, no step of this crisis has changed for {duration}. "
            "All four steps are settled: close it with `/crisis {close}` and write down the lessons learned."
        )
    else:
        # Translators: {duration} is a length of time ("2 days"); "@someone" stands for the person to hand over to
        text = _(
            "⏰ {owner}, no step of this crisis has changed for {duration}. "
            "Where does it stand? Tick what is done on the checklist, hand it over with "
            "`/crisis {owner_command} @someone`, or close it with `/crisis {close}`."
        )
    return Message.section(
        text.format(
            owner=user(owner_id),
            duration=i18n.duration(hours * 3600),
            close=commands.alias("close"),
            owner_command=commands.alias("owner"),
        )
    )


def handover_note(new_owner: str, old_owner: str, actor: str | None) -> Message:
    """The war room's note of a hand-over (who handed it over, when it was not the old owner)."""
    if actor in (None, old_owner):
        text = _("👑 {new_owner} now owns this crisis, taking over from {old_owner}.")
    else:
        text = _("👑 {new_owner} now owns this crisis, taking over from {old_owner} (handed over by {actor}).")
    return Message.section(text.format(new_owner=user(new_owner), old_owner=user(old_owner), actor=user(actor)))


def owner_notice(crisis: Crisis, *, handed_over_by: str | None = None) -> Message:
    """The DM that tells someone they are now the one responsible for a crisis."""
    if handed_over_by:
        opening = _("{person} handed crisis #{number} over to you: you are now its owner.").format(
            person=user(handed_over_by), number=crisis.id
        )
    else:
        opening = _("You are the owner of crisis #{number}, opened by {opener}.").format(
            number=crisis.id, opener=user(crisis.opener_id)
        )
    facts = _("{title} · {severity} · war room {channel}").format(
        title=bold(crisis.title, 500), severity=crisis.severity.label, channel=channel(crisis.channel_id)
    )
    advice = _(
        "You answer for it and keep the rest of the company informed. First absorb the shock, "
        "then acknowledge publicly: the first hours matter, haste does not."
    )
    return Message.section(f"{opening}\n{facts}\n{advice}")


def setup_report(crisis: Crisis, problems: list[str], *, resumable: bool) -> Message:
    """What the opener (or reopener) is told once the war room is set up, or what failed and
    how to fix it."""
    facts = {
        "number": crisis.id,
        "title": bold(crisis.title, 500),
        # Translators: stands for the war room's channel while it has none (at most a few words)
        "room": channel(crisis.channel_id, fallback=_("its war room")),
        "previous": channel(crisis.previous_channel_id),
        "owner": user(crisis.owner_id),
        "problems": "\n".join(f"• {p}" for p in problems),
    }
    if not problems and crisis.reopened_by and crisis.previous_channel_id:
        return Message.section(
            _("✅ Crisis #{number} {title} is open again in {room}, continuing {previous}. Owner: {owner}.").format(
                **facts
            )
        )
    if not problems and crisis.reopened_by:
        return Message.section(
            _("✅ Crisis #{number} {title} is open again in {room}. Owner: {owner}.").format(**facts)
        )
    if not problems:
        return Message.section(
            _("✅ War room {room} is ready for crisis #{number}: {title}. Owner: {owner}.").format(**facts)
        )
    if crisis.channel_id:
        text = _("⚠️ Crisis #{number} {title} is saved, but setting up {room} did not finish:\n{problems}")
    else:
        text = _("⚠️ Crisis #{number} {title} is saved, but setting up its war room did not finish:\n{problems}")
    text = text.format(**facts)
    blocks: list = [SectionBlock(block_id="problems", text=cut(text, 2900))]
    if resumable:
        # Translators: a button that runs what is left of a war room's set-up (keep it short, at most 75)
        blocks.append(ActionsBlock(block_id="fix", elements=[resume_button(crisis, _("Retry set-up"))]))
        blocks.append(context(_("Retrying only does what is left; it never opens a second crisis or channel.")))
    return Message(text=text, blocks=blocks)


def names_taken(first: str, last: str) -> str:
    """Every channel name set-up tries is taken: which they are, and what the person can do.
    Stored as the crisis's set-up error, so it stays in the language of whoever ran the set-up."""
    # Translators: "Retry set-up" is the label of the button under this message, as translated there
    return _(
        "I could not create the war-room channel: every name I try is taken, {first} to"
        " {last} (archived channels keep their names). Rename one of those channels in Slack,"
        " then press Retry set-up."
    ).format(first=code("#" + first, 90), last=code("#" + last, 90))


def resume_button(crisis: Crisis, label: str) -> ButtonElement:
    """Runs what is left of a crisis's set-up (never a second channel or crisis)."""
    return ButtonElement(
        action_id=Action.RESUME_SETUP.id(crisis.id),
        text=label,
        style="primary",
        value=dump(CrisisRef(crisis=crisis.id)),
    )
