"""The bot's own notices to the team (not customer replies): help, the list of open crises,
status, refusals, the working and notice modals."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock
from slack_sdk.models.views import View

from bot.model import Crisis, StepStatus
from bot.slack.blockkit import Message, modal
from bot.slack.ids import Action, OpenContext, dump
from bot.views import war_room
from bot.views.common import context
from bot.words import commands
from bot.words.i18n import N_, _, ngettext
from bot.words.text import bold, channel, code, user, when

LIST_LIMIT = 40  # one section each, well inside a message's 50 blocks

# Each line of the help: the command word, its arguments, and what it does. The words after
# `/crisis` are the command's English word or its alias in the reader's language (bot.words.commands).
HELP_LINES: tuple[tuple[str, str, str], ...] = (
    ("open", N_("[title]"), N_("open a crisis: a war-room channel, one owner, the four-step checklist")),
    ("status", "", N_("(in a war room) the crisis and its checklist")),
    ("owner", N_("@someone"), N_("(in a war room) hand ownership over")),
    ("update", "", N_("(in a war room) tell the rest of the company where it stands, and when you report next")),
    ("follow", N_("[#war-room or number]"), N_("get a crisis's updates by DM (`/crisis unfollow` stops them)")),
    ("template", N_("[kind] [language]"), N_("(in a war room) a reply to the customer, filled in, in their language")),
    ("close", "", N_("(in a war room) close it, with the lessons learned")),
    ("reopen", N_("[#war-room or number] reason"), N_("reopen a closed crisis")),
    ("lessons", N_("[words]"), N_("search what past crises taught")),
    ("export", "", N_("(in a war room) the crisis as a post-mortem file")),
    ("volume", "", N_("(in a war room) a chart of the mentions, with the latest links and authors")),
    ("keywords", "", N_("(in a war room) change the keywords and feeds it tracks")),
    ("language", N_("[language]"), N_("(in a war room) the language the war room's messages are in")),
    ("digest", "", N_("the daily digest, now")),
    ("list", "", N_("the open crises")),
    ("help", "", N_("this help")),
)


def help_message(unknown: str | None = None) -> Message:
    """What the bot can do, in the reader's language, with the command words they may type."""
    lines = [_("*/crisis* runs a social-media crisis from Slack.")]
    for word, arguments, what in HELP_LINES:
        typed = " ".join(part for part in ("/crisis", commands.alias(word), _(arguments) if arguments else "") if part)
        lines.append(f"• `{typed}` — {_(what)}")
    text = "\n".join(lines)
    if unknown:
        text = _("I don't know {command}.").format(command=code("/crisis " + unknown, 100)) + "\n\n" + text
    return Message.section(text)


def note(text: str) -> Message:
    """A one-line answer (already escaped by the caller where it contains user text)."""
    return Message.section(text)


def not_saved(why: str) -> str:
    """A click or command whose change could not be stored: nothing happened, and why."""
    return _("⚠️ I could not save that: {why}. Nothing changed; try again in a moment.").format(why=why)


def not_saved_yet(why: str) -> str:
    """A stored request that could not be carried out yet: it is kept, and tried again."""
    return _(
        "⚠️ I could not save all of that just now: {why}. Your request is kept: I will try again in a few minutes."
    ).format(why=why)


def form_not_saved(why: str) -> str:
    """Under a form whose submission could not be stored: it stays open with what was typed."""
    return _("I could not save this: {why}. What you typed is still here: submit again in a moment.").format(why=why)


def went_wrong(reference: str, *, form: bool) -> str:
    """An unexpected failure, with the reference that finds it in the bot's log."""
    if form:
        text = _(
            "😞 Something went wrong on our side (reference `{reference}`). What you typed is still here: "
            "submit again in a moment, or ask an admin to check the bot's log."
        )
    else:
        text = _(
            "😞 Something went wrong on our side (reference `{reference}`). "
            "Try again in a moment, or ask an admin to check the bot's log."
        )
    return text.format(reference=reference)


def crisis_list(crises: list[Crisis], *, visible: set[int]) -> Message:
    """Open crises, most severe and oldest first; private ones the viewer is not part of show
    no title or details, only that they exist and who owns them."""
    if not crises:
        return note(_("No open crises. 🌤️  `/crisis {open}` starts one.").format(open=commands.alias("open")))
    count = ngettext("{n} open crisis", "{n} open crises", len(crises)).format(n=len(crises))
    blocks: list = [SectionBlock(text=f"*{count}*")]
    for crisis in crises[:LIST_LIMIT]:
        if crisis.is_private and crisis.id not in visible:
            line = _("{severity} · 🔒 a private crisis · owner {owner}").format(
                severity=crisis.severity.label, owner=user(crisis.owner_id)
            )
        else:
            line = _(
                "{severity} · {title} in {channel}\n#{number} · {category} · owner {owner} · opened {opened}"
            ).format(
                severity=crisis.severity.label,
                title=bold(crisis.title, 300),
                channel=channel(crisis.channel_id, _("a room being set up")),
                number=crisis.id,
                category=crisis.category.label,
                owner=user(crisis.owner_id),
                opened=when(crisis.opened_at),
            )
        blocks.append(SectionBlock(text=line))
    if len(crises) > LIST_LIMIT:
        more = len(crises) - LIST_LIMIT
        blocks.append(context(ngettext("…and {n} more.", "…and {n} more.", more).format(n=more)))
    return Message(text=count, blocks=blocks)


def status(crisis: Crisis, steps: list[StepStatus], header: Message, *, asked_in: str | None) -> Message:
    """The header (as the war room shows it, volume included) and the checklist together,
    read-only (ticking happens in the war room). Asked in an earlier war room of the crisis, it
    points to the one the crisis is in now."""
    checklist = war_room.checklist(crisis, steps, interactive=False)
    blocks = list(header.blocks) + list(checklist.blocks)
    if asked_in and crisis.channel_id and asked_in != crisis.channel_id:
        moved = _("➡️ This is an earlier war room of crisis #{number}: it continues in {channel}.").format(
            number=crisis.id, channel=channel(crisis.channel_id)
        )
        blocks.insert(0, SectionBlock(block_id="moved", text=moved))
    if crisis.setup_error:
        blocks.append(
            SectionBlock(block_id="setup", text=_("⚠️ Set-up did not finish: {why}").format(why=crisis.setup_error))
        )
    return Message(text=header.text, blocks=blocks)


def working_modal() -> View:
    """Opened at once on a click, while the real modal is being prepared."""
    return View(
        type="modal",
        title=_("Crisis Room"),
        close=_("Cancel"),
        blocks=[SectionBlock(block_id="working", text=_("⏳ Working on it…"))],
    )


def notice_modal(message: Message) -> View:
    """A modal that only says something (why the form cannot be used, for instance)."""
    return View(type="modal", title=_("Crisis Room"), close=_("OK"), blocks=list(message.blocks)[:100])


def cannot_read(*, form: bool) -> str:
    """For a button value or form the bot cannot have written (changed, or from a bug)."""
    if form:
        return _(
            "This form is out of date or was changed, so I cannot tell what it is for, and nothing was saved. "
            "Close it and open it again from the war room."
        )
    return _(
        "This button is out of date or was changed, so I cannot tell what it is for, and nothing was done. "
        "Use the buttons on the latest messages in the war room; `/crisis {status}` there shows where it stands."
    ).format(status=commands.alias("status"))


def no_longer_available(*, form: bool) -> str:
    """For an action_id or callback_id the bot does not (or no longer) use."""
    if form:
        text = _(
            "That form is no longer available (it belongs to an older version of Crisis Room), so nothing was "
            "saved. Use the latest messages in the war room, or `/crisis {help}`."
        )
    else:
        text = _(
            "That button is no longer available (it belongs to an older version of Crisis Room), so nothing was "
            "done. Use the latest messages in the war room, or `/crisis {help}`."
        )
    return text.format(help=commands.alias("help"))


# What a button or form may name that can cease to exist, and how each is said to be gone
# (whole sentences, so each language can put its own grammar around the noun).
GONE: dict[str, tuple[str, str]] = {
    "crisis": (
        N_("That crisis no longer exists, so nothing was done."),
        N_("That crisis no longer exists, so nothing was saved."),
    ),
    "draft": (
        N_("That draft no longer exists, so nothing was done."),
        N_("That draft no longer exists, so nothing was saved."),
    ),
    "follow-up": (
        N_("That follow-up no longer exists, so nothing was done."),
        N_("That follow-up no longer exists, so nothing was saved."),
    ),
    "spike alert": (
        N_("That spike alert no longer exists, so nothing was done."),
        N_("That spike alert no longer exists, so nothing was saved."),
    ),
}


def gone(thing: str, *, form: bool) -> str:
    """For a crisis, draft, follow-up or spike alert a button or form names that does not exist."""
    return _(GONE[thing][form])


def notice_form(text: str) -> dict[str, Any]:
    """What replaces a submitted form that cannot be used, as its response_action view."""
    return modal(notice_modal(note(text)))


def unfinished_setup(crises: list[Crisis], title: str) -> Message:
    """Asked to open a crisis while one of yours is stored but its war room is not ready."""
    first = crises[0]
    if first.setup_error:
        saved = _("Your crisis #{number} {title} is saved but its war room is not fully set up: {why}")
    else:
        saved = _("Your crisis #{number} {title} is saved but its war room is not fully set up.")
    text = (
        saved.format(number=first.id, title=bold(first.title, 300), why=first.setup_error)
        + "\n"
        + _("Finish that one, or open a new crisis anyway.")
    )
    return Message(
        text=_("Crisis #{number} is not fully set up yet").format(number=first.id),
        blocks=[
            SectionBlock(text=text),
            ActionsBlock(
                block_id="choose",
                elements=[
                    war_room.resume_button(first, _("Finish set-up")),
                    ButtonElement(
                        action_id=Action.OPEN_ANYWAY.id(),
                        text=_("Open a new crisis"),
                        value=dump(OpenContext(title=title)),
                    ),
                ],
            ),
        ],
    )
