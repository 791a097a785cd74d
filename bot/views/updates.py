"""Stakeholder updates in Slack: the form, the "latest update" cards, the update itself (in a
card's thread and by DM), the promise as the header and the digest state it, and the owner's
reminders. What people typed is shown as escaped text, never as markup or a template."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.model import Closure, Crisis, FollowUp, NextUpdate, Update
from bot.rules.updates import Promise, Record
from bot.slack.blockkit import Message
from bot.slack.ids import Action, Callback, CrisisRef, Field, dump
from bot.views.closing import duration, first_sentence
from bot.views.common import context, modal_text, option_for, options, text_input
from bot.words import commands
from bot.words.i18n import _, ngettext
from bot.words.text import bold, channel, cut, mrkdwn, user, when

STATUS_MAX = 150
KNOWN_MAX = 1500
DOING_MAX = 1500
NEED_MAX = 1000
SAME_DAY_SECONDS = 12 * 3600  # closer than this, "at 15:30" needs no date
PICKER_MAX = 100  # options in a static select


@dataclass(frozen=True)
class Report:
    """An update as every place shows it: written by a person (`of_update`) or, for the final
    update, from the closing summary (`final_report`). `parts` are mrkdwn, already escaped."""

    update: Update
    status: str
    parts: tuple[tuple[str, str], ...]


def of_update(update: Update) -> Report:
    parts = [
        # Translators: a heading in a stakeholder update, above what is known
        (_("What we know"), update.known),
        # Translators: a heading in a stakeholder update, above what the team is doing
        (_("What we are doing"), update.doing),
        # Translators: a heading in a stakeholder update, above what the team needs from others
        (_("What we need"), update.need),
    ]
    return Report(update, mrkdwn(update.status, 300), tuple((k, mrkdwn(v, 2800)) for k, v in parts if v))


def final_report(
    update: Update,
    crisis: Crisis,
    closure: Closure,
    followups: list[FollowUp],
    *,
    to_acknowledge: int | None,
    to_resolve: int | None,
) -> Report:
    """The final update, from what the closing summary says (private details stay out of it:
    a private crisis's final update only reaches its members and private channels anyway)."""
    # Translators: the durations are like "2 hours" ("—" when not known)
    known = _(
        "Closed by {closer} after {open_for}. Acknowledged after {to_acknowledge}, resolved after {to_resolve}."
    ).format(
        closer=user(closure.closed_by),
        open_for=duration(closure.closed_at - crisis.opened_at),
        to_acknowledge=duration(to_acknowledge),
        to_resolve=duration(to_resolve),
    )
    if closure.root_cause:
        known += "\n" + _("Root cause: {cause}").format(cause=mrkdwn(first_sentence(closure.root_cause), 600))
    parts = [
        (_("What we know"), known),
        # Translators: a heading in the final stakeholder update, above the lesson learned
        (_("What we learnt"), mrkdwn(first_sentence(closure.lessons), 600)),
    ]
    if followups:
        owners = ", ".join(sorted({user(f.owner_id) for f in followups}))
        changes = ngettext("{n} follow-up, owned by {owners}", "{n} follow-ups, owned by {owners}", len(followups))
        # Translators: a heading in the final stakeholder update, above the follow-ups and who owns them
        parts.append((_("What changes"), changes.format(n=len(followups), owners=owners)))
    # Translators: the status of the final stakeholder update, sent when the crisis closes
    return Report(update, _("Closed"), tuple(parts))


# The form


def update_modal(
    crisis: Crisis,
    previous: Update | None,
    *,
    channels: int,
    followers: int,
    everyone: bool,
    zone: str,
) -> View:
    """The update form, pre-filled from the previous update, saying above the submit button
    who it will reach. `everyone` offers @channel (the owner of a critical crisis)."""
    last = previous  # pre-fills every field
    blocks: list = [
        SectionBlock(
            block_id="about",
            text=_("*Crisis #{number}: {title}*\nFor the rest of the company: short and plain.").format(
                number=crisis.id, title=mrkdwn(crisis.title, 500)
            ),
        ),
        text_input(
            Field.UPDATE_STATUS.value,
            # Translators: a field's label in the stakeholder update form
            _("Status in a few words"),
            STATUS_MAX,
            required=True,
            initial=last.status if last else "",
            # Translators: an example in an empty field of the update form; at most 150 characters
            placeholder=_("e.g. Contained, replies going out"),
        ),
        text_input(
            Field.KNOWN.value,
            _("What we know"),
            KNOWN_MAX,
            required=True,
            multiline=True,
            initial=last.known if last else "",
        ),
        text_input(
            Field.DOING.value,
            _("What we are doing"),
            DOING_MAX,
            required=True,
            multiline=True,
            initial=last.doing if last else "",
        ),
        text_input(
            Field.NEED.value,
            # Translators: a field's label in the stakeholder update form
            _("What we need from others"),
            NEED_MAX,
            multiline=True,
            initial=last.need if last else "",
            hint=_("Optional: who should do what, or not do."),
        ),
        InputBlock(
            block_id=Field.NEXT_UPDATE.value,
            # Translators: the label of the picker of when the next update is due
            label=_("Next update"),
            # Translators: {zone} is the team's time zone (Europe/Amsterdam)
            hint=_("Tomorrow morning is 09:00 {zone}. You get a reminder before it is due.").format(zone=zone),
            element=StaticSelectElement(
                action_id=Field.NEXT_UPDATE.value,
                options=options(NextUpdate),
                initial_option=option_for(
                    last.next if last and last.next is not NextUpdate.NONE else NextUpdate.HOUR_1
                ),
            ),
        ),
    ]
    if everyone:
        blocks.append(
            InputBlock(
                block_id=Field.EVERYONE.value,
                # Translators: the label of the checkbox that notifies everyone, for a critical crisis
                label=_("Critical crisis"),
                optional=True,
                hint=_("Only for news everyone must see now. It is recorded on the timeline."),
                element=CheckboxesElement(
                    action_id=Field.EVERYONE.value,
                    options=[
                        Option(
                            value="everyone",
                            # Translators: a checkbox; keep "@channel" as it is (Slack's word); at most 75 characters
                            text=PlainTextObject(text=_("Notify everyone in the channels (@channel)")),
                        )
                    ],
                ),
            )
        )
    blocks.append(context(reach(channels, followers)))
    return View(
        type="modal",
        callback_id=Callback.POST_UPDATE.value,
        # Translators: the update form's title; at most 24 characters
        title=modal_text(_("Stakeholder update")),
        # Translators: the update form's submit button; at most 24 characters
        submit=modal_text(_("Send update")),
        close=modal_text(_("Cancel")),
        private_metadata=dump(CrisisRef(crisis=crisis.id)),
        blocks=blocks,
    )


def reach(channels: int, followers: int) -> str:
    """How far an update goes, in a sentence: "This update reaches the war room, 3 channels and
    12 followers." (one sentence per case, each with its own plural)."""
    if channels and followers:
        # Translators: {channels} is "3 channels", {followers} "12 followers" (each translated on its own)
        return _("📣 This update reaches the war room, {channels} and {followers}.").format(
            channels=ngettext("{n} channel", "{n} channels", channels).format(n=channels),
            followers=ngettext("{n} follower", "{n} followers", followers).format(n=followers),
        )
    if channels:
        return ngettext(
            "📣 This update reaches the war room and {n} channel.",
            "📣 This update reaches the war room and {n} channels.",
            channels,
        ).format(n=channels)
    if followers:
        return ngettext(
            "📣 This update reaches the war room and {n} follower.",
            "📣 This update reaches the war room and {n} followers.",
            followers,
        ).format(n=followers)
    return _("📣 This update reaches the war room.")


# The update, where it goes


def card(crisis: Crisis, report: Report, *, room: bool, now: int) -> Message:
    """The one message per channel that shows the latest update, edited in place; the updates
    themselves are in its thread. In the war room it is pinned; elsewhere it offers Follow."""
    if room:
        heading = _("📣 *Latest stakeholder update* · each update is in this thread")
    else:
        heading = _("📣 *Crisis #{number}: {title}* · {severity} · owner {owner}").format(
            number=crisis.id,
            title=mrkdwn(crisis.title, 300),
            severity=crisis.severity.label,
            owner=user(crisis.owner_id),
        )
    blocks: list = [SectionBlock(block_id="card", text=heading), *_body(report, now=now)]
    if not room and crisis.is_open and not crisis.is_private:
        blocks.append(ActionsBlock(block_id="follow", elements=[follow_button(crisis)]))
    # Translators: {status} is the update's status in a few words, as its author typed it
    text = _("Latest update on crisis #{number}: {status}").format(number=crisis.id, status=_fallback(report))
    return Message(text=text, blocks=blocks)


def thread_reply(crisis: Crisis, report: Report, *, everyone: bool, now: int) -> Message:
    """One update in a card's thread; with `everyone`, it notifies the whole channel."""
    shout = "<!channel> " if everyone else ""
    # Translators: {update} is the update's number, {number} the crisis's, {status} the update's status as typed
    text = _("Update {update} on crisis #{number}: {status}").format(
        update=report.update.number, number=crisis.id, status=_fallback(report)
    )
    return Message(text=shout + text, blocks=_body(report, now=now, shout=shout))


def follower_dm(crisis: Crisis, report: Report, *, now: int) -> Message:
    """An update in a follower's DM, with the way to stop them."""
    title = _("📣 *Crisis #{number}: {title}* · {severity} · {channel}").format(
        number=crisis.id,
        title=mrkdwn(crisis.title, 300),
        severity=crisis.severity.label,
        channel=channel(crisis.channel_id),
    )
    blocks: list = [SectionBlock(block_id="card", text=title), *_body(report, now=now)]
    blocks.append(context(_("You follow this crisis: its owner's updates come here.")))
    blocks.append(
        ActionsBlock(
            block_id="unfollow",
            elements=[
                ButtonElement(
                    action_id=Action.UNFOLLOW.id(crisis.id),
                    # Translators: a button under an update sent by DM, to stop them; keep it short (at most 75
                    # characters)
                    text=_("Unfollow"),
                    value=dump(CrisisRef(crisis=crisis.id)),
                )
            ],
        )
    )
    text = _("Update {update} on crisis #{number}: {status}").format(
        update=report.update.number, number=crisis.id, status=_fallback(report)
    )
    return Message(text=text, blocks=blocks)


def _body(report: Report, *, now: int, shout: str = "") -> list:
    update = report.update
    # Translators: the first line of an update: its number and its status as typed
    status = _("*Update {update}: {status}*").format(update=update.number, status=report.status)
    blocks: list = [SectionBlock(block_id="status", text=shout + status)]
    blocks += [
        SectionBlock(block_id=f"part-{i}", text=cut(f"*{label}*\n{text}", 2950))
        for i, (label, text) in enumerate(report.parts)
    ]
    # Translators: under an update: who wrote it, when ({at}, a date and time), and {next}, when the next is due
    # ("Next update at 15:30")
    byline = _("By {author} {at} · {next}").format(
        author=user(update.author_id), at=when(update.at), next=next_line(update, now)
    )
    blocks.append(context(byline))
    return blocks


def _fallback(report: Report) -> str:
    if report.update.final:
        # Translators: {status} is the final update's status ("Closed")
        return _("{status} (final update)").format(status=report.status)
    return report.status


def next_line(update: Update, now: int) -> str:
    if update.final:
        return _("Final update: the crisis is closed")
    if update.next_due is None:
        return _("No further updates planned")
    # Translators: {at} is when, as "at 15:30" or "Tuesday at 15:30" says it
    return _("Next update {at}").format(at=at(update.next_due, now))


def at(moment: int, now: int) -> str:
    """ "at 15:30", with the day when it is not close by (each reader sees their own zone)."""
    if abs(moment - now) < SAME_DAY_SECONDS:
        # Translators: a time later today, put into sentences such as "Next update {at}"; {time} is the time
        # Slack shows in each reader's zone ("15:30")
        return _("at {time}").format(time=when(moment, "{time}"))
    # Translators: a Slack date format, not a sentence: keep {date_short_pretty} (the day: "today", "Dec 1")
    # and {time} (15:30) as they are, Slack fills them in; put into sentences such as "Next update {at}"
    return when(moment, _("{date_short_pretty} at {time}"))


# The promise: header, digest, reminders


def promise_line(latest: Update | None, state: Promise, now: int) -> str:
    """What the war-room header says about the next update."""
    if state is Promise.NONE_YET or latest is None:
        # Translators: *Post an update* is the header's button: say it as its translation does
        return _("📣 No stakeholder update yet: *Post an update* tells the company where this stands.")
    if state is Promise.LATE:
        late = duration(max(now - (latest.next_due or now), 60))
        # Translators: {late} is how late ("20 minutes"), {due} when it was due ("at 15:30")
        return _("⚠️ *Update overdue by {late}* (due {due})").format(late=late, due=at(latest.next_due or now, now))
    if state is Promise.NO_MORE:
        # Translators: {update} is the latest update's number, {at} when it went out (a date and time)
        return _("📣 Update {update} went out {at}; no further updates planned").format(
            update=latest.number, at=when(latest.at)
        )
    # Translators: {due} is when the next update is due ("at 15:30"), {update} the latest update's number, {at}
    # when it went out (a date and time)
    return _("📣 *Next update {due}* · update {update} went out {at}").format(
        due=at(latest.next_due or now, now), update=latest.number, at=when(latest.at)
    )


def digest_flag(latest: Update | None, state: Promise, now: int) -> str | None:
    """The digest's word on a crisis's promise, when there is one."""
    if latest is None or latest.next_due is None:
        return None
    if state is Promise.LATE:
        # Translators: on a crisis in the digest; {late} is how late ("20 minutes")
        return _("⚠️ update overdue by {late}").format(late=duration(max(now - latest.next_due, 60)))
    if state is Promise.DUE:
        # Translators: on a crisis in the digest; {due} is when ("at 15:30")
        return _("📣 next update {due}").format(due=at(latest.next_due, now))
    return None


def header_actions(crisis: Crisis) -> ActionsBlock:
    """The header's way to report and to follow."""
    ref = dump(CrisisRef(crisis=crisis.id))
    return ActionsBlock(
        block_id="updates",
        elements=[
            ButtonElement(
                action_id=Action.POST_UPDATE.id(crisis.id),
                # Translators: a button on the war room's header, opening the stakeholder update form; keep it
                # short (at most 75 characters)
                text=_("📣 Post an update"),
                value=ref,
            ),
            follow_button(crisis),
        ],
    )


def follow_button(crisis: Crisis) -> ButtonElement:
    return ButtonElement(
        action_id=Action.FOLLOW.id(crisis.id),
        # Translators: a button that sends someone a crisis's updates by DM; keep it short (at most 75 characters)
        text=_("Follow"),
        value=dump(CrisisRef(crisis=crisis.id)),
    )


def follow_picker(crises: list[tuple[int, str]]) -> ActionsBlock | None:
    """The digest's "Follow a crisis…" menu of the open crises its readers may see."""
    if not crises:
        return None
    return ActionsBlock(
        block_id="follow",
        elements=[
            StaticSelectElement(
                action_id=Action.FOLLOW_PICK.id(),
                # Translators: the placeholder of the digest's menu of crises to follow; at most 150 characters
                placeholder=_("Follow a crisis…"),
                options=[
                    Option(value=dump(CrisisRef(crisis=i)), text=PlainTextObject(text=cut(f"#{i} {title}", 75)))
                    for i, title in crises[:PICKER_MAX]
                ],
            )
        ],
    )


def reminder(crisis: Crisis, update: Update, now: int) -> Message:
    """The owner's DM shortly before the promised update is due."""
    # Translators: {due} is when ("at 15:30"); *Post an update* is the header's button: say it as its
    # translation does
    text = _(
        "⏰ The next update on crisis #{number} {title} is due {due}. Post it with `/crisis {command}` in {channel}, "
        "or the *Post an update* button on the pinned header."
    ).format(
        number=crisis.id,
        title=bold(crisis.title, 300),
        due=at(update.next_due or now, now),
        command=commands.alias("update"),
        channel=channel(crisis.channel_id),
    )
    return Message.section(text)


def overdue(owner_id: str, update: Update, now: int) -> Message:
    """The war room's mention of the owner once the promised update is late."""
    # Translators: {due} is when it was due ("at 15:30")
    text = _(
        "⚠️ {owner}, the update promised for {due} is overdue: the company is waiting. Post one with "
        "`/crisis {command}`, even if only to say nothing has changed."
    ).format(owner=user(owner_id), due=at(update.next_due or now, now), command=commands.alias("update"))
    return Message.section(text)


def unreachable(crisis: Crisis, channel_id: str, why: str) -> Message:
    """Told once to the owner: a stakeholder channel this crisis's updates cannot reach."""
    # Translators: {why} is Slack's refusal, explained; keep `/invite @Crisis Room` and STAKEHOLDER_CHANNELS as
    # they are
    text = _(
        "⚠️ Updates of crisis #{number} {title} cannot reach {channel}: {why}. I will not try that channel again "
        "for this crisis. Invite me there (`/invite @Crisis Room`) for the next one, or ask an admin to fix "
        "STAKEHOLDER_CHANNELS."
    ).format(number=crisis.id, title=bold(crisis.title, 300), channel=channel(channel_id), why=why)
    return Message.section(text)


def record_line(record: Record) -> str:
    """For the closing summary: how many updates, how regular, how many late."""
    if not record.count:
        return _("*Stakeholder updates:* none were posted")
    if record.mean_interval and record.late:
        # Translators: {count} updates were posted, about every {interval} ("2 hours"); {n} of them were late
        text = ngettext(
            "*Stakeholder updates:* {count}, about every {interval}, {n} late",
            "*Stakeholder updates:* {count}, about every {interval}, {n} late",
            record.late,
        )
    elif record.mean_interval:
        # Translators: {count} updates were posted, about every {interval} ("2 hours"); none was late
        text = _("*Stakeholder updates:* {count}, about every {interval}, none late")
    elif record.late:
        # Translators: {count} updates were posted; {n} of them were late
        text = ngettext(
            "*Stakeholder updates:* {count}, {n} late", "*Stakeholder updates:* {count}, {n} late", record.late
        )
    else:
        # Translators: {count} updates were posted; none was late
        text = _("*Stakeholder updates:* {count}, none late")
    return text.format(count=record.count, interval=duration(record.mean_interval), n=record.late)
