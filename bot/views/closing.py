"""Closing a crisis in Slack: the close modal, the closing summary, the note to management,
follow-up actions, reopening, and the lessons library."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_timedelta
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextObject,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.model import Closure, Crisis, FollowUp, FollowUpState, StepState, StepStatus
from bot.rules.closing import CloseRefusal
from bot.slack.blockkit import Message
from bot.slack.ids import Action, Callback, CloseRef, Field, FollowUpRef, dump
from bot.views.common import context, text_input
from bot.words.text import bold, channel, cut, mrkdwn, user, when

LESSONS_MAX = 3000
ROOT_CAUSE_MAX = 1000
FOLLOWUP_MAX = 300
FOLLOWUP_ROWS = 3
TIMELINE_LINES = 25


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    return format_timedelta(timedelta(seconds=max(seconds, 0)), threshold=1.5, granularity="minute", locale="en")


def close_modal(crisis: Crisis, pending: list[StepStatus], *, forced: bool) -> View:
    about = f"*Crisis #{crisis.id}: {mrkdwn(crisis.title, 500)}*\nA crisis is over when its cause is known, the responsible team is told, and the plan changes so it does not happen again."
    blocks: list = [SectionBlock(block_id="about", text=about)]
    if forced:
        open_steps = ", ".join(f"{s.step.value} {s.step.label}" for s in pending)
        blocks.append(
            text_input(
                Field.FORCE_REASON.value,
                cut(f"Why close with steps still open ({open_steps})?", 2000),
                500,
                required=True,
                multiline=True,
            )
        )
    blocks += [
        text_input(
            Field.LESSONS.value,
            "Lessons learned",
            LESSONS_MAX,
            required=True,
            multiline=True,
            hint="What would you tell the next team? Real sentences: what went wrong or right, and what to do differently.",
        ),
        text_input(Field.ROOT_CAUSE.value, "Root cause", ROOT_CAUSE_MAX, multiline=True),
    ]
    for n in range(1, FOLLOWUP_ROWS + 1):
        blocks += [
            text_input(
                f"{Field.FOLLOWUP.value}_{n}",
                f"What changes in our plan or process ({n})",
                FOLLOWUP_MAX,
                placeholder="e.g. every post is approved by a second person",
            ),
            InputBlock(
                block_id=f"{Field.FOLLOWUP.value}_owner_{n}",
                label=f"Who owns change {n}",
                optional=True,
                element=UserSelectElement(action_id=f"{Field.FOLLOWUP.value}_owner_{n}", placeholder="One person"),
            ),
        ]
    blocks += [
        text_input(
            Field.GOODWILL.value,
            "Goodwill gesture offered",
            300,
            hint="What was offered (a voucher, a gift), if anything. Empty: none.",
        ),
        InputBlock(
            block_id=Field.ARCHIVE.value,
            label="War room",
            optional=True,
            element=CheckboxesElement(
                action_id=Field.ARCHIVE.value,
                options=[
                    Option(
                        value="archive",
                        text=PlainTextObject(text="Archive the channel now (after the closing summary)"),
                    )
                ],
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=Callback.CLOSE_CRISIS.value,
        title="Close the crisis",
        submit="Close crisis",
        close="Cancel",
        private_metadata=dump(CloseRef(crisis=crisis.id, forced=forced)),
        blocks=blocks,
    )


def close_button(crisis: Crisis) -> ButtonElement:
    return ButtonElement(
        action_id=Action.CLOSE.id(crisis.id),
        text="Close crisis",
        style="primary",
        value=dump(CloseRef(crisis=crisis.id)),
    )


def refusal_message(crisis: Crisis, refusal: CloseRefusal) -> Message:
    """Why closing was refused, as the person sees it: open steps come with a way to force."""
    if refusal.open_steps:
        return steps_still_open(crisis, list(refusal.open_steps), may_force=True)
    return Message.section(refusal.reason)


def steps_still_open(crisis: Crisis, pending: list[StepStatus], *, may_force: bool) -> Message:
    names = ", ".join(f"*{s.step.value}. {s.step.label}*" for s in pending)
    text = f"Crisis #{crisis.id} cannot be closed yet: {names} {'is' if len(pending) == 1 else 'are'} still open. Settle {'it' if len(pending) == 1 else 'them'} on the checklist first."
    blocks: list = [SectionBlock(block_id="refusal", text=text)]
    if may_force:
        blocks.append(
            context("As the owner (or an admin) you may close it anyway, with a reason that goes on the record.")
        )
        blocks.append(
            ActionsBlock(
                block_id="force",
                elements=[
                    ButtonElement(
                        action_id=Action.FORCE_CLOSE.id(crisis.id),
                        text="Close anyway…",
                        style="danger",
                        value=dump(CloseRef(crisis=crisis.id, forced=True)),
                    )
                ],
            )
        )
    return Message(text=text, blocks=blocks)


def closing_summary(
    crisis: Crisis,
    closure: Closure,
    steps: list[StepStatus],
    timeline: list[str],
    followups: list[FollowUp],
    *,
    to_acknowledge: int | None,
    to_resolve: int | None,
    updates: str = "",
    volume: str = "",
) -> Message:
    """The record of the crisis, posted in the war room when it closes; `updates` says how its
    stakeholder updates went, `volume` what the mentions did (bot.views.volume.record_line)."""
    head = (
        f"🏁 *Crisis #{crisis.id} closed* by {user(closure.closed_by)} {when(closure.closed_at)}\n"
        f"{bold(crisis.title, 500)} · open for {duration(closure.closed_at - crisis.opened_at)} · "
        f"time to acknowledge {duration(to_acknowledge)} · time to resolve {duration(to_resolve)}"
    )
    step_lines = "\n".join(_step_line(s) for s in steps)
    blocks: list = [
        SectionBlock(block_id="head", text=head),
        SectionBlock(block_id="steps", text=f"*The four steps*\n{step_lines}"),
    ]
    if updates:
        blocks.append(SectionBlock(block_id="updates", text=updates))
    if volume:
        blocks.append(SectionBlock(block_id="volume", text=volume))
    if closure.force_reason:
        blocks.append(
            SectionBlock(
                block_id="forced", text=f"⚠️ *Closed with steps still open:* {mrkdwn(closure.force_reason, 1000)}"
            )
        )
    blocks.append(_timeline(timeline))
    if closure.root_cause:
        blocks.append(SectionBlock(block_id="cause", text=f"*Root cause*\n{mrkdwn(closure.root_cause, 2800)}"))
    blocks.append(SectionBlock(block_id="lessons", text=f"*Lessons learned*\n{mrkdwn(closure.lessons, 2800)}"))
    if followups:
        lines = "\n".join(f"• {mrkdwn(f.text, 300)} — {user(f.owner_id)}" for f in followups)
        blocks.append(SectionBlock(block_id="followups", text=cut(f"*What changes, and who owns it*\n{lines}", 2900)))
    goodwill = f"offered: {mrkdwn(closure.goodwill, 300)}" if closure.goodwill else "none offered"
    blocks.append(context(f"Goodwill gesture: {goodwill}", "`/crisis export` posts this crisis as a post-mortem file."))
    return Message(text=f"Crisis #{crisis.id} closed: {mrkdwn(crisis.title, 300)}", blocks=blocks)


def _timeline(timeline: list[str]) -> SectionBlock:
    """The latest lines of a crisis's story, saying how many earlier ones there are."""
    shown = timeline[-TIMELINE_LINES:]
    earlier = f"_…{len(timeline) - len(shown)} earlier events_\n" if len(timeline) > len(shown) else ""
    return SectionBlock(block_id="timeline", text=cut(f"*Timeline*\n{earlier}" + "\n".join(shown), 2900))


def _step_line(status: StepStatus) -> str:
    step = status.step
    if status.state is StepState.DONE:
        return f"✅ {step.value}. {step.label} — {user(status.changed_by)} {when(status.changed_at or 0)}"
    if status.state is StepState.NOT_APPLICABLE:
        return (
            f"➖ {step.value}. {step.label} — not applicable: {mrkdwn(status.reason, 300)} ({user(status.changed_by)})"
        )
    return f"⏳ {step.value}. {step.label} — still open"


def management_note(
    crisis: Crisis, closure: Closure, followups: list[FollowUp], *, follow: ButtonElement | None = None
) -> Message:
    """The short closure note for the management channel. A private crisis shows no details;
    a public one offers `follow` (its updates, should it be reopened)."""
    owner = user(crisis.owner_id)
    if crisis.is_private:
        text = f"🏁 A private crisis (owner {owner}) was closed after {duration(closure.closed_at - crisis.opened_at)}."
        return Message.section(text)
    lesson = first_sentence(closure.lessons)
    text = (
        f"🏁 *Crisis #{crisis.id} closed:* {mrkdwn(crisis.title, 300)} ({crisis.severity.label}, {crisis.category.label}) "
        f"after {duration(closure.closed_at - crisis.opened_at)} · owner {owner} · {channel(crisis.channel_id)}\n"
        f"*Lesson:* {mrkdwn(lesson, 600)}"
    )
    if followups:
        text += f"\n*Follow-ups:* {len(followups)}, owned by {', '.join(sorted({user(f.owner_id) for f in followups}))}"
    blocks: list = [SectionBlock(block_id="note", text=cut(text, 2900))]
    if follow:
        blocks.append(ActionsBlock(block_id="follow", elements=[follow]))
    return Message(text=text, blocks=blocks)


def first_sentence(text: str) -> str:
    """The first sentence of a lesson, for places that have room for one."""
    for end in (". ", "! ", "? ", "。", "！", "？", "\n"):
        if end in text:
            text = text.split(end, 1)[0] + end.strip()
    return cut(text.strip(), 300)


def followup_message(crisis: Crisis, followup: FollowUp) -> Message:
    """The DM telling someone they own a follow-up action, with a button to mark it done."""
    if followup.state is FollowUpState.DONE:
        text = f"✅ Done {when(followup.done_at or 0)}: {mrkdwn(followup.text, 300)} (crisis #{crisis.id}, marked by {user(followup.done_by)})"
        return Message(text=text, blocks=[SectionBlock(block_id="done", text=text)])
    text = (
        f"📌 You own a follow-up of crisis #{crisis.id} {bold(crisis.title, 300)} ({channel(crisis.channel_id)}):\n"
        f"{bold(followup.text, 300)}\nIt is listed in the daily digest until it is done."
    )
    button = ButtonElement(
        action_id=Action.FOLLOWUP_DONE.id(followup.id),
        text="Mark done",
        style="primary",
        value=dump(FollowUpRef(followup=followup.id)),
    )
    return Message(
        text=f"You own a follow-up of crisis #{crisis.id}: {mrkdwn(followup.text, 300)}",
        blocks=[SectionBlock(block_id="followup", text=text), ActionsBlock(block_id="done", elements=[button])],
    )


def reopened(crisis: Crisis, actor: str, reason: str) -> Message:
    text = f"🔁 {user(actor)} reopened crisis #{crisis.id}: {mrkdwn(reason, 1000)}\nThe checklist is live again; close it with `/crisis close` when it is over."
    return Message.section(text)


def management_reopened(crisis: Crisis, actor: str, reason: str) -> Message:
    """The short reopening note for the management channel, where the closure note linked the
    war room: it links the one the crisis is in now. A private crisis shows no details."""
    if crisis.is_private:
        return Message.section(f"🔁 A private crisis (owner {user(crisis.owner_id)}) was reopened.")
    continues = f" (continuing {channel(crisis.previous_channel_id)})" if crisis.previous_channel_id else ""
    text = (
        f"🔁 *Crisis #{crisis.id} reopened* by {user(actor)}: {mrkdwn(crisis.title, 300)} · owner "
        f"{user(crisis.owner_id)} · war room {channel(crisis.channel_id)}{continues}\n*Why:* {mrkdwn(reason, 1000)}"
    )
    return Message(text=text, blocks=[SectionBlock(block_id="note", text=cut(text, 2900))])


def continued(crisis: Crisis, previous: str, story: list[str], lesson: str | None) -> Message:
    """The first word in a new war room that continues an archived one (a bot cannot unarchive
    it): where the earlier conversation is, and the story so far."""
    head = (
        f"📦 This war room continues {channel(previous)}, which stays archived: everything said "
        f"there can still be read there. The story of crisis #{crisis.id} so far:"
    )
    blocks: list = [SectionBlock(block_id="continues", text=head), _timeline(story)]
    if lesson:
        blocks.append(
            SectionBlock(block_id="lesson", text=f"*Lesson learnt at closing*\n{mrkdwn(first_sentence(lesson), 600)}")
        )
    return Message(text=f"This war room continues {channel(previous)}: the story of crisis #{crisis.id}", blocks=blocks)


def lessons_found(words: str, found: list[tuple[Crisis, Closure]]) -> Message:
    if not found:
        text = f"No lessons match “{mrkdwn(words, 100)}” yet." if words else "No lessons learned are recorded yet."
        return Message.section(text)
    title = f"*Lessons learned matching “{mrkdwn(words, 100)}”*" if words else "*The latest lessons learned*"
    return Message(
        text=f"{len(found)} lessons learned",
        blocks=[SectionBlock(block_id="title", text=title), *(_lesson(crisis, closure) for crisis, closure in found)],
    )


def past_lessons(crisis: Crisis, found: list[tuple[Crisis, Closure]]) -> Message:
    """Posted in a new war room: what earlier crises of the same kind taught."""
    title = f"📚 *What earlier crises of this kind ({crisis.category.label}) taught us*"
    return Message(
        text="Lessons from earlier crises of this kind",
        blocks=[SectionBlock(block_id="title", text=title), *(_lesson(c, cl) for c, cl in found)],
    )


def _lesson(crisis: Crisis, closure: Closure) -> SectionBlock:
    text = (
        f"*#{crisis.id}* {bold(crisis.title, 200)} · closed {when(closure.closed_at, '{date_short}')} · {channel(crisis.channel_id)}\n"
        f"{mrkdwn(cut(closure.lessons, 600), 700)}"
    )
    return SectionBlock(text=text)
