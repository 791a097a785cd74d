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
from bot.views.common import context, option_for, options, text_input
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
    parts = [("What we know", update.known), ("What we are doing", update.doing), ("What we need", update.need)]
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
    known = (
        f"Closed by {user(closure.closed_by)} after {duration(closure.closed_at - crisis.opened_at)}. "
        f"Acknowledged after {duration(to_acknowledge)}, resolved after {duration(to_resolve)}."
    )
    if closure.root_cause:
        known += f"\nRoot cause: {mrkdwn(first_sentence(closure.root_cause), 600)}"
    parts = [("What we know", known), ("What we learnt", mrkdwn(first_sentence(closure.lessons), 600))]
    if followups:
        owners = ", ".join(sorted({user(f.owner_id) for f in followups}))
        parts.append(
            ("What changes", f"{len(followups)} follow-up{'s' if len(followups) > 1 else ''}, owned by {owners}")
        )
    return Report(update, "Closed", tuple(parts))


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
            text=f"*Crisis #{crisis.id}: {mrkdwn(crisis.title, 500)}*\nFor the rest of the company: short and plain.",
        ),
        text_input(
            Field.UPDATE_STATUS.value,
            "Status in a few words",
            STATUS_MAX,
            required=True,
            initial=last.status if last else "",
            placeholder="e.g. Contained, replies going out",
        ),
        text_input(
            Field.KNOWN.value,
            "What we know",
            KNOWN_MAX,
            required=True,
            multiline=True,
            initial=last.known if last else "",
        ),
        text_input(
            Field.DOING.value,
            "What we are doing",
            DOING_MAX,
            required=True,
            multiline=True,
            initial=last.doing if last else "",
        ),
        text_input(
            Field.NEED.value,
            "What we need from others",
            NEED_MAX,
            multiline=True,
            initial=last.need if last else "",
            hint="Optional: who should do what, or not do.",
        ),
        InputBlock(
            block_id=Field.NEXT_UPDATE.value,
            label="Next update",
            hint=f"Tomorrow morning is 09:00 {zone}. You get a reminder before it is due.",
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
                label="Critical crisis",
                optional=True,
                hint="Only for news everyone must see now. It is recorded on the timeline.",
                element=CheckboxesElement(
                    action_id=Field.EVERYONE.value,
                    options=[
                        Option(
                            value="everyone", text=PlainTextObject(text="Notify everyone in the channels (@channel)")
                        )
                    ],
                ),
            )
        )
    blocks.append(context(f"📣 This update reaches {reach(channels, followers)}."))
    return View(
        type="modal",
        callback_id=Callback.POST_UPDATE.value,
        title="Stakeholder update",
        submit="Send update",
        close="Cancel",
        private_metadata=dump(CrisisRef(crisis=crisis.id)),
        blocks=blocks,
    )


def reach(channels: int, followers: int) -> str:
    """How far an update goes, in words: "the war room, 3 channels and 12 followers"."""
    parts = ["the war room"]
    if channels:
        parts.append(f"{channels} channel{'s' if channels != 1 else ''}")
    if followers:
        parts.append(f"{followers} follower{'s' if followers != 1 else ''}")
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


# The update, where it goes


def card(crisis: Crisis, report: Report, *, room: bool, now: int) -> Message:
    """The one message per channel that shows the latest update, edited in place; the updates
    themselves are in its thread. In the war room it is pinned; elsewhere it offers Follow."""
    heading = (
        "📣 *Latest stakeholder update* · each update is in this thread"
        if room
        else f"📣 *Crisis #{crisis.id}: {mrkdwn(crisis.title, 300)}* · {crisis.severity.label} · owner {user(crisis.owner_id)}"
    )
    blocks: list = [SectionBlock(block_id="card", text=heading), *_body(report, now=now)]
    if not room and crisis.is_open and not crisis.is_private:
        blocks.append(ActionsBlock(block_id="follow", elements=[follow_button(crisis)]))
    return Message(text=f"Latest update on crisis #{crisis.id}: {_fallback(report)}", blocks=blocks)


def thread_reply(crisis: Crisis, report: Report, *, everyone: bool, now: int) -> Message:
    """One update in a card's thread; with `everyone`, it notifies the whole channel."""
    shout = "<!channel> " if everyone else ""
    return Message(
        text=f"{shout}Update {report.update.number} on crisis #{crisis.id}: {_fallback(report)}",
        blocks=_body(report, now=now, shout=shout),
    )


def follower_dm(crisis: Crisis, report: Report, *, now: int) -> Message:
    """An update in a follower's DM, with the way to stop them."""
    title = f"📣 *Crisis #{crisis.id}: {mrkdwn(crisis.title, 300)}* · {crisis.severity.label} · {channel(crisis.channel_id)}"
    blocks: list = [SectionBlock(block_id="card", text=title), *_body(report, now=now)]
    blocks.append(context("You follow this crisis: its owner's updates come here."))
    blocks.append(
        ActionsBlock(
            block_id="unfollow",
            elements=[
                ButtonElement(
                    action_id=Action.UNFOLLOW.id(crisis.id), text="Unfollow", value=dump(CrisisRef(crisis=crisis.id))
                )
            ],
        )
    )
    return Message(text=f"Update {report.update.number} on crisis #{crisis.id}: {_fallback(report)}", blocks=blocks)


def _body(report: Report, *, now: int, shout: str = "") -> list:
    update = report.update
    blocks: list = [SectionBlock(block_id="status", text=f"{shout}*Update {update.number}: {report.status}*")]
    blocks += [
        SectionBlock(block_id=f"part-{i}", text=cut(f"*{label}*\n{text}", 2950))
        for i, (label, text) in enumerate(report.parts)
    ]
    blocks.append(context(f"By {user(update.author_id)} {when(update.at)} · {next_line(update, now)}"))
    return blocks


def _fallback(report: Report) -> str:
    return report.status + (" (final update)" if report.update.final else "")


def next_line(update: Update, now: int) -> str:
    if update.final:
        return "Final update: the crisis is closed"
    if update.next_due is None:
        return "No further updates planned"
    return f"Next update {at(update.next_due, now)}"


def at(moment: int, now: int) -> str:
    """ "at 15:30", with the day when it is not close by (each reader sees their own zone)."""
    if abs(moment - now) < SAME_DAY_SECONDS:
        return f"at {when(moment, '{time}')}"
    return when(moment, "{date_short_pretty} at {time}")


# The promise: header, digest, reminders


def promise_line(latest: Update | None, state: Promise, now: int) -> str:
    """What the war-room header says about the next update."""
    if state is Promise.NONE_YET or latest is None:
        return "📣 No stakeholder update yet: *Post an update* tells the company where this stands."
    if state is Promise.LATE:
        late = duration(max(now - (latest.next_due or now), 60))
        return f"⚠️ *Update overdue by {late}* (due {at(latest.next_due or now, now)})"
    if state is Promise.NO_MORE:
        return f"📣 Update {latest.number} went out {when(latest.at)}; no further updates planned"
    return f"📣 *Next update {at(latest.next_due or now, now)}* · update {latest.number} went out {when(latest.at)}"


def digest_flag(latest: Update | None, state: Promise, now: int) -> str | None:
    """The digest's word on a crisis's promise, when there is one."""
    if latest is None or latest.next_due is None:
        return None
    if state is Promise.LATE:
        return f"⚠️ update overdue by {duration(max(now - latest.next_due, 60))}"
    return f"📣 next update {at(latest.next_due, now)}" if state is Promise.DUE else None


def header_actions(crisis: Crisis) -> ActionsBlock:
    """The header's way to report and to follow."""
    ref = dump(CrisisRef(crisis=crisis.id))
    return ActionsBlock(
        block_id="updates",
        elements=[
            ButtonElement(action_id=Action.POST_UPDATE.id(crisis.id), text="📣 Post an update", value=ref),
            follow_button(crisis),
        ],
    )


def follow_button(crisis: Crisis) -> ButtonElement:
    return ButtonElement(action_id=Action.FOLLOW.id(crisis.id), text="Follow", value=dump(CrisisRef(crisis=crisis.id)))


def follow_picker(crises: list[tuple[int, str]]) -> ActionsBlock | None:
    """The digest's "Follow a crisis…" menu of the open crises its readers may see."""
    if not crises:
        return None
    return ActionsBlock(
        block_id="follow",
        elements=[
            StaticSelectElement(
                action_id=Action.FOLLOW_PICK.id(),
                placeholder="Follow a crisis…",
                options=[
                    Option(value=dump(CrisisRef(crisis=i)), text=PlainTextObject(text=cut(f"#{i} {title}", 75)))
                    for i, title in crises[:PICKER_MAX]
                ],
            )
        ],
    )


def reminder(crisis: Crisis, update: Update, now: int) -> Message:
    """The owner's DM shortly before the promised update is due."""
    text = (
        f"⏰ The next update on crisis #{crisis.id} {bold(crisis.title, 300)} is due {at(update.next_due or now, now)}. "
        f"Post it with `/crisis update` in {channel(crisis.channel_id)}, or the *Post an update* button on the pinned header."
    )
    return Message.section(text)


def overdue(owner_id: str, update: Update, now: int) -> Message:
    """The war room's mention of the owner once the promised update is late."""
    text = (
        f"⚠️ {user(owner_id)}, the update promised for {at(update.next_due or now, now)} is overdue: the company is "
        "waiting. Post one with `/crisis update`, even if only to say nothing has changed."
    )
    return Message.section(text)


def unreachable(crisis: Crisis, channel_id: str, why: str) -> Message:
    """Told once to the owner: a stakeholder channel this crisis's updates cannot reach."""
    text = (
        f"⚠️ Updates of crisis #{crisis.id} {bold(crisis.title, 300)} cannot reach {channel(channel_id)}: {why}. "
        "I will not try that channel again for this crisis. Invite me there (`/invite @Crisis Room`) for the next one, "
        "or ask an admin to fix STAKEHOLDER_CHANNELS."
    )
    return Message.section(text)


def record_line(record: Record) -> str:
    """For the closing summary: how many updates, how regular, how many late."""
    if not record.count:
        return "*Stakeholder updates:* none were posted"
    every = f", about every {duration(record.mean_interval)}" if record.mean_interval else ""
    late = f"{record.late} late" if record.late else "none late"
    return f"*Stakeholder updates:* {record.count}{every}, {late}"
