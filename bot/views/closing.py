"""Closing a crisis in Slack: the close modal, the closing summary, the note to management,
follow-up actions, reopening, and the lessons library."""

from __future__ import annotations

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
from bot.views.common import context, modal_text, text_input
from bot.words import commands, i18n
from bot.words.i18n import _, ngettext
from bot.words.text import bold, channel, cut, mrkdwn, user, when

LESSONS_MAX = 3000
ROOT_CAUSE_MAX = 1000
FOLLOWUP_MAX = 300
FOLLOWUP_ROWS = 3
TIMELINE_LINES = 25


def duration(seconds: int | None) -> str:
    """A length of time in the reader's words, to the minute ("—" when it is not known)."""
    if seconds is None:
        return "—"
    return i18n.duration(max(seconds, 0), threshold=1.5, granularity="minute")


def close_modal(crisis: Crisis, pending: list[StepStatus], *, forced: bool) -> View:
    about = _(
        "*Crisis #{number}: {title}*\nA crisis is over when its cause is known, the responsible team is told, "
        "and the plan changes so it does not happen again."
    ).format(number=crisis.id, title=mrkdwn(crisis.title, 500))
    blocks: list = [SectionBlock(block_id="about", text=about)]
    if forced:
        open_steps = ", ".join(f"{s.step.value} {s.step.label}" for s in pending)
        blocks.append(
            text_input(
                Field.FORCE_REASON.value,
                # Translators: a field's label in the close form; {steps} lists the open steps ("2 Apologise")
                cut(_("Why close with steps still open ({steps})?").format(steps=open_steps), 2000),
                500,
                required=True,
                multiline=True,
            )
        )
    blocks += [
        text_input(
            Field.LESSONS.value,
            # Translators: a field's label in the close form
            _("Lessons learned"),
            LESSONS_MAX,
            required=True,
            multiline=True,
            hint=_(
                "What would you tell the next team? Real sentences: what went wrong or right, and what to do "
                "differently."
            ),
        ),
        # Translators: a field's label in the close form
        text_input(Field.ROOT_CAUSE.value, _("Root cause"), ROOT_CAUSE_MAX, multiline=True),
    ]
    for n in range(1, FOLLOWUP_ROWS + 1):
        blocks += [
            text_input(
                f"{Field.FOLLOWUP.value}_{n}",
                # Translators: a field's label in the close form; {row} is the row's number (1, 2, 3)
                _("What changes in our plan or process ({row})").format(row=n),
                FOLLOWUP_MAX,
                # Translators: an example in an empty field of the close form; at most 150 characters
                placeholder=_("e.g. every post is approved by a second person"),
            ),
            InputBlock(
                block_id=f"{Field.FOLLOWUP.value}_owner_{n}",
                # Translators: a field's label in the close form; {row} is the number of the change it belongs to
                label=_("Who owns change {row}").format(row=n),
                optional=True,
                element=UserSelectElement(
                    action_id=f"{Field.FOLLOWUP.value}_owner_{n}",
                    # Translators: the placeholder of a person picker; at most 150 characters
                    placeholder=_("One person"),
                ),
            ),
        ]
    blocks += [
        text_input(
            Field.GOODWILL.value,
            # Translators: a field's label in the close form
            _("Goodwill gesture offered"),
            300,
            hint=_("What was offered (a voucher, a gift), if anything. Empty: none."),
        ),
        InputBlock(
            block_id=Field.ARCHIVE.value,
            # Translators: the label of the close form's archive checkbox
            label=_("War room"),
            optional=True,
            element=CheckboxesElement(
                action_id=Field.ARCHIVE.value,
                options=[
                    Option(
                        value="archive",
                        # Translators: a checkbox in the close form; at most 75 characters
                        text=PlainTextObject(text=_("Archive the channel now (after the closing summary)")),
                    )
                ],
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=Callback.CLOSE_CRISIS.value,
        # Translators: the close form's title; at most 24 characters
        title=modal_text(_("Close the crisis")),
        # Translators: the close form's submit button; at most 24 characters
        submit=modal_text(_("Close crisis")),
        # Translators: a form's button that closes it without saving; at most 24 characters
        close=modal_text(_("Cancel")),
        private_metadata=dump(CloseRef(crisis=crisis.id, forced=forced)),
        blocks=blocks,
    )


def close_button(crisis: Crisis) -> ButtonElement:
    return ButtonElement(
        action_id=Action.CLOSE.id(crisis.id),
        # Translators: a button on the war room's header; keep it short (at most 75 characters)
        text=_("Close crisis"),
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
    # Translators: {steps} lists the open steps in bold ("*2. Apologise*, *3. Resolve*"); {n} is how many
    text = ngettext(
        "Crisis #{number} cannot be closed yet: {steps} is still open. Settle it on the checklist first.",
        "Crisis #{number} cannot be closed yet: {steps} are still open. Settle them on the checklist first.",
        len(pending),
    ).format(number=crisis.id, steps=names, n=len(pending))
    blocks: list = [SectionBlock(block_id="refusal", text=text)]
    if may_force:
        blocks.append(
            context(_("As the owner (or an admin) you may close it anyway, with a reason that goes on the record."))
        )
        blocks.append(
            ActionsBlock(
                block_id="force",
                elements=[
                    ButtonElement(
                        action_id=Action.FORCE_CLOSE.id(crisis.id),
                        # Translators: a button that closes a crisis whose steps are still open; keep it short
                        # (at most 75 characters)
                        text=_("Close anyway…"),
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
    # Translators: {closed_at} is a date and time; the durations are like "2 hours" ("—" when not known)
    head = _(
        "🏁 *Crisis #{number} closed* by {closer} {closed_at}\n"
        "{title} · open for {open_for} · time to acknowledge {to_acknowledge} · time to resolve {to_resolve}"
    ).format(
        number=crisis.id,
        closer=user(closure.closed_by),
        closed_at=when(closure.closed_at),
        title=bold(crisis.title, 500),
        open_for=duration(closure.closed_at - crisis.opened_at),
        to_acknowledge=duration(to_acknowledge),
        to_resolve=duration(to_resolve),
    )
    step_lines = "\n".join(_step_line(s) for s in steps)
    blocks: list = [
        SectionBlock(block_id="head", text=head),
        # Translators: a heading in the closing summary, above the checklist's four lines ({steps})
        SectionBlock(block_id="steps", text=_("*The four steps*\n{steps}").format(steps=step_lines)),
    ]
    if updates:
        blocks.append(SectionBlock(block_id="updates", text=updates))
    if volume:
        blocks.append(SectionBlock(block_id="volume", text=volume))
    if closure.force_reason:
        blocks.append(
            SectionBlock(
                block_id="forced",
                text=_("⚠️ *Closed with steps still open:* {reason}").format(reason=mrkdwn(closure.force_reason, 1000)),
            )
        )
    blocks.append(_timeline(timeline))
    if closure.root_cause:
        blocks.append(
            SectionBlock(
                block_id="cause",
                # Translators: a heading in the closing summary, above what was typed ({cause})
                text=_("*Root cause*\n{cause}").format(cause=mrkdwn(closure.root_cause, 2800)),
            )
        )
    blocks.append(
        SectionBlock(
            block_id="lessons",
            # Translators: a heading in the closing summary, above what was typed ({lessons})
            text=_("*Lessons learned*\n{lessons}").format(lessons=mrkdwn(closure.lessons, 2800)),
        )
    )
    if followups:
        lines = "\n".join(f"• {mrkdwn(f.text, 300)} — {user(f.owner_id)}" for f in followups)
        # Translators: a heading in the closing summary, above one line per follow-up ({lines})
        changes = _("*What changes, and who owns it*\n{lines}").format(lines=lines)
        blocks.append(SectionBlock(block_id="followups", text=cut(changes, 2900)))
    if closure.goodwill:
        goodwill = _("Goodwill gesture: offered: {goodwill}").format(goodwill=mrkdwn(closure.goodwill, 300))
    else:
        goodwill = _("Goodwill gesture: none offered")
    export = _("`/crisis {export}` posts this crisis as a post-mortem file.").format(export=commands.alias("export"))
    blocks.append(context(goodwill, export))
    text = _("Crisis #{number} closed: {title}").format(number=crisis.id, title=mrkdwn(crisis.title, 300))
    return Message(text=text, blocks=blocks)


def _timeline(timeline: list[str]) -> SectionBlock:
    """The latest lines of a crisis's story, saying how many earlier ones there are."""
    shown = timeline[-TIMELINE_LINES:]
    earlier = len(timeline) - len(shown)
    if earlier:
        # Translators: a heading above the latest lines of a crisis's story ({lines}), with how many
        # earlier lines are left out
        text = ngettext(
            "*Timeline*\n_…{n} earlier event_\n{lines}", "*Timeline*\n_…{n} earlier events_\n{lines}", earlier
        )
    else:
        # Translators: a heading above the lines of a crisis's story ({lines})
        text = _("*Timeline*\n{lines}")
    return SectionBlock(block_id="timeline", text=cut(text.format(n=earlier, lines="\n".join(shown)), 2900))


def _step_line(status: StepStatus) -> str:
    step = status.step
    if status.state is StepState.DONE:
        # Translators: a checklist line in the closing summary: step number and name, who settled it and when
        return _("✅ {number}. {step} — {who} {at}").format(
            number=step.value, step=step.label, who=user(status.changed_by), at=when(status.changed_at or 0)
        )
    if status.state is StepState.NOT_APPLICABLE:
        return _("➖ {number}. {step} — not applicable: {reason} ({who})").format(
            number=step.value, step=step.label, reason=mrkdwn(status.reason, 300), who=user(status.changed_by)
        )
    return _("⏳ {number}. {step} — still open").format(number=step.value, step=step.label)


def management_note(
    crisis: Crisis, closure: Closure, followups: list[FollowUp], *, follow: ButtonElement | None = None
) -> Message:
    """The short closure note for the management channel. A private crisis shows no details;
    a public one offers `follow` (its updates, should it be reopened)."""
    owner = user(crisis.owner_id)
    open_for = duration(closure.closed_at - crisis.opened_at)
    if crisis.is_private:
        text = _("🏁 A private crisis (owner {owner}) was closed after {open_for}.").format(
            owner=owner, open_for=open_for
        )
        return Message.section(text)
    lesson = first_sentence(closure.lessons)
    text = _(
        "🏁 *Crisis #{number} closed:* {title} ({severity}, {category}) after {open_for} · owner {owner} · "
        "{channel}\n*Lesson:* {lesson}"
    ).format(
        number=crisis.id,
        title=mrkdwn(crisis.title, 300),
        severity=crisis.severity.label,
        category=crisis.category.label,
        open_for=open_for,
        owner=owner,
        channel=channel(crisis.channel_id),
        lesson=mrkdwn(lesson, 600),
    )
    if followups:
        owners = ", ".join(sorted({user(f.owner_id) for f in followups}))
        # Translators: {n} is how many follow-ups, {owners} the people who own them
        text += "\n" + ngettext(
            "*Follow-ups:* {n}, owned by {owners}", "*Follow-ups:* {n}, owned by {owners}", len(followups)
        ).format(n=len(followups), owners=owners)
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
        # Translators: {done_at} is a date and time, {followup} what was to change, {marker} who marked it done
        text = _("✅ Done {done_at}: {followup} (crisis #{number}, marked by {marker})").format(
            done_at=when(followup.done_at or 0),
            followup=mrkdwn(followup.text, 300),
            number=crisis.id,
            marker=user(followup.done_by),
        )
        return Message(text=text, blocks=[SectionBlock(block_id="done", text=text)])
    text = _(
        "📌 You own a follow-up of crisis #{number} {title} ({channel}):\n"
        "{followup}\nIt is listed in the daily digest until it is done."
    ).format(
        number=crisis.id,
        title=bold(crisis.title, 300),
        channel=channel(crisis.channel_id),
        followup=bold(followup.text, 300),
    )
    button = ButtonElement(
        action_id=Action.FOLLOWUP_DONE.id(followup.id),
        # Translators: a button under a follow-up someone owns; keep it short (at most 75 characters)
        text=_("Mark done"),
        style="primary",
        value=dump(FollowUpRef(followup=followup.id)),
    )
    return Message(
        text=_("You own a follow-up of crisis #{number}: {followup}").format(
            number=crisis.id, followup=mrkdwn(followup.text, 300)
        ),
        blocks=[SectionBlock(block_id="followup", text=text), ActionsBlock(block_id="done", elements=[button])],
    )


def reopened(crisis: Crisis, actor: str, reason: str) -> Message:
    text = _(
        "🔁 {actor} reopened crisis #{number}: {reason}\n"
        "The checklist is live again; close it with `/crisis {close}` when it is over."
    ).format(actor=user(actor), number=crisis.id, reason=mrkdwn(reason, 1000), close=commands.alias("close"))
    return Message.section(text)


def management_reopened(crisis: Crisis, actor: str, reason: str) -> Message:
    """The short reopening note for the management channel, where the closure note linked the
    war room: it links the one the crisis is in now. A private crisis shows no details."""
    if crisis.is_private:
        return Message.section(
            _("🔁 A private crisis (owner {owner}) was reopened.").format(owner=user(crisis.owner_id))
        )
    if crisis.previous_channel_id:
        # Translators: {previous} is the archived war room the new one continues
        text = _(
            "🔁 *Crisis #{number} reopened* by {actor}: {title} · owner {owner} · war room {channel} "
            "(continuing {previous})\n*Why:* {reason}"
        )
    else:
        text = _(
            "🔁 *Crisis #{number} reopened* by {actor}: {title} · owner {owner} · war room {channel}\n*Why:* {reason}"
        )
    text = text.format(
        number=crisis.id,
        actor=user(actor),
        title=mrkdwn(crisis.title, 300),
        owner=user(crisis.owner_id),
        channel=channel(crisis.channel_id),
        previous=channel(crisis.previous_channel_id),
        reason=mrkdwn(reason, 1000),
    )
    return Message(text=text, blocks=[SectionBlock(block_id="note", text=cut(text, 2900))])


def continued(crisis: Crisis, previous: str, story: list[str], lesson: str | None) -> Message:
    """The first word in a new war room that continues an archived one (a bot cannot unarchive
    it): where the earlier conversation is, and the story so far."""
    head = _(
        "📦 This war room continues {previous}, which stays archived: everything said there can still be read "
        "there. The story of crisis #{number} so far:"
    ).format(previous=channel(previous), number=crisis.id)
    blocks: list = [SectionBlock(block_id="continues", text=head), _timeline(story)]
    if lesson:
        blocks.append(
            SectionBlock(
                block_id="lesson",
                # Translators: a heading above the first sentence of the lessons learned when it closed
                text=_("*Lesson learnt at closing*\n{lesson}").format(lesson=mrkdwn(first_sentence(lesson), 600)),
            )
        )
    text = _("This war room continues {previous}: the story of crisis #{number}").format(
        previous=channel(previous), number=crisis.id
    )
    return Message(text=text, blocks=blocks)


def lessons_found(words: str, found: list[tuple[Crisis, Closure]]) -> Message:
    if not found:
        if words:
            text = _("No lessons match “{words}” yet.").format(words=mrkdwn(words, 100))
        else:
            text = _("No lessons learned are recorded yet.")
        return Message.section(text)
    if words:
        # Translators: a heading above the lessons found for the words someone searched for
        title = _("*Lessons learned matching “{words}”*").format(words=mrkdwn(words, 100))
    else:
        # Translators: a heading above the most recent lessons learned
        title = _("*The latest lessons learned*")
    return Message(
        text=ngettext("{n} lesson learned", "{n} lessons learned", len(found)).format(n=len(found)),
        blocks=[SectionBlock(block_id="title", text=title), *(_lesson(crisis, closure) for crisis, closure in found)],
    )


def past_lessons(crisis: Crisis, found: list[tuple[Crisis, Closure]]) -> Message:
    """Posted in a new war room: what earlier crises of the same kind taught."""
    # Translators: a heading in a new war room; {category} is the kind of crisis
    title = _("📚 *What earlier crises of this kind ({category}) taught us*").format(category=crisis.category.label)
    return Message(
        text=_("Lessons from earlier crises of this kind"),
        blocks=[SectionBlock(block_id="title", text=title), *(_lesson(c, cl) for c, cl in found)],
    )


def _lesson(crisis: Crisis, closure: Closure) -> SectionBlock:
    # Translators: one past crisis in the lessons library: number, title, when it closed, its war room,
    # and below it the lessons learned
    text = _("*#{number}* {title} · closed {closed_at} · {channel}\n{lessons}").format(
        number=crisis.id,
        title=bold(crisis.title, 200),
        closed_at=when(closure.closed_at, "{date_short}"),
        channel=channel(crisis.channel_id),
        lessons=mrkdwn(cut(closure.lessons, 600), 700),
    )
    return SectionBlock(text=text)
