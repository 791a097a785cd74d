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
from bot.words.text import bold, channel, code, user, when

LIST_LIMIT = 40  # one section each, well inside a message's 50 blocks

HELP = """*/crisis* runs a social-media crisis from Slack.
• `/crisis open [title]` — open a crisis: a war-room channel, one owner, the four-step checklist
• `/crisis status` — (in a war room) the crisis and its checklist
• `/crisis owner @someone` — (in a war room) hand ownership over
• `/crisis update` — (in a war room) tell the rest of the company where it stands, and when you report next
• `/crisis follow [#war-room or number]` — get a crisis's updates by DM (`/crisis unfollow` stops them)
• `/crisis template [kind] [language]` — (in a war room) a reply to the customer, filled in, in their language
• `/crisis close` — (in a war room) close it, with the lessons learned
• `/crisis reopen [#war-room or number] reason` — reopen a closed crisis
• `/crisis lessons [words]` — search what past crises taught
• `/crisis export` — (in a war room) the crisis as a post-mortem file
• `/crisis volume` — (in a war room) a chart of the mentions, with the latest links and authors
• `/crisis keywords` — (in a war room) change the keywords and feeds it tracks
• `/crisis digest` — the daily digest, now
• `/crisis list` — the open crises
• `/crisis help` — this help"""


def help_message(unknown: str | None = None) -> Message:
    text = HELP
    if unknown:
        text = f"I don't know {code('/crisis ' + unknown, 100)}.\n\n{HELP}"
    return Message.section(text)


def note(text: str) -> Message:
    """A one-line answer (already escaped by the caller where it contains user text)."""
    return Message.section(text)


def not_saved(why: str) -> str:
    """A click or command whose change could not be stored: nothing happened, and why."""
    return f"⚠️ I could not save that: {why}. Nothing changed; try again in a moment."


def not_saved_yet(why: str) -> str:
    """A stored request that could not be carried out yet: it is kept, and tried again."""
    return f"⚠️ I could not save all of that just now: {why}. Your request is kept: I will try again in a few minutes."


def form_not_saved(why: str) -> str:
    """Under a form whose submission could not be stored: it stays open with what was typed."""
    return f"I could not save this: {why}. What you typed is still here: submit again in a moment."


def went_wrong(reference: str, *, form: bool) -> str:
    """An unexpected failure, with the reference that finds it in the bot's log."""
    again = "What you typed is still here: submit again" if form else "Try again"
    return (
        f"😞 Something went wrong on our side (reference `{reference}`). "
        f"{again} in a moment, or ask an admin to check the bot's log."
    )


def crisis_list(crises: list[Crisis], *, visible: set[int]) -> Message:
    """Open crises, most severe and oldest first; private ones the viewer is not part of show
    no title or details, only that they exist and who owns them."""
    if not crises:
        return note("No open crises. 🌤️  `/crisis open` starts one.")
    blocks: list = [SectionBlock(text=f"*{len(crises)} open {'crisis' if len(crises) == 1 else 'crises'}*")]
    for crisis in crises[:LIST_LIMIT]:
        if crisis.is_private and crisis.id not in visible:
            line = f"{crisis.severity.label} · 🔒 a private crisis · owner {user(crisis.owner_id)}"
        else:
            line = (
                f"{crisis.severity.label} · {bold(crisis.title, 300)} in {channel(crisis.channel_id, 'a room being set up')}\n"
                f"#{crisis.id} · {crisis.category.label} · owner {user(crisis.owner_id)} · opened {when(crisis.opened_at)}"
            )
        blocks.append(SectionBlock(text=line))
    if len(crises) > LIST_LIMIT:
        blocks.append(context(f"…and {len(crises) - LIST_LIMIT} more."))
    return Message(text=f"{len(crises)} open crises", blocks=blocks)


def status(crisis: Crisis, steps: list[StepStatus], header: Message, *, asked_in: str | None) -> Message:
    """The header (as the war room shows it, volume included) and the checklist together,
    read-only (ticking happens in the war room). Asked in an earlier war room of the crisis, it
    points to the one the crisis is in now."""
    checklist = war_room.checklist(crisis, steps, interactive=False)
    blocks = list(header.blocks) + list(checklist.blocks)
    if asked_in and crisis.channel_id and asked_in != crisis.channel_id:
        moved = f"➡️ This is an earlier war room of crisis #{crisis.id}: it continues in {channel(crisis.channel_id)}."
        blocks.insert(0, SectionBlock(block_id="moved", text=moved))
    if crisis.setup_error:
        blocks.append(SectionBlock(block_id="setup", text=f"⚠️ Set-up did not finish: {crisis.setup_error}"))
    return Message(text=header.text, blocks=blocks)


def working_modal() -> View:
    """Opened at once on a click, while the real modal is being prepared."""
    return View(
        type="modal",
        title="Crisis Room",
        close="Cancel",
        blocks=[SectionBlock(block_id="working", text="⏳ Working on it…")],
    )


def notice_modal(message: Message) -> View:
    """A modal that only says something (why the form cannot be used, for instance)."""
    return View(type="modal", title="Crisis Room", close="OK", blocks=list(message.blocks)[:100])


def cannot_read(*, form: bool) -> str:
    """For a button value or form the bot cannot have written (changed, or from a bug)."""
    if form:
        return (
            "This form is out of date or was changed, so I cannot tell what it is for, and nothing was saved. "
            "Close it and open it again from the war room."
        )
    return (
        "This button is out of date or was changed, so I cannot tell what it is for, and nothing was done. "
        "Use the buttons on the latest messages in the war room; `/crisis status` there shows where it stands."
    )


def no_longer_available(*, form: bool) -> str:
    """For an action_id or callback_id the bot does not (or no longer) use."""
    what, nothing = ("form", "saved") if form else ("button", "done")
    return (
        f"That {what} is no longer available (it belongs to an older version of Crisis Room), so nothing was "
        f"{nothing}. Use the latest messages in the war room, or `/crisis help`."
    )


def gone(thing: str, *, form: bool) -> str:
    """For a crisis, draft or follow-up a button or form names that does not exist."""
    return f"That {thing} no longer exists, so nothing was {'saved' if form else 'done'}."


def notice_form(text: str) -> dict[str, Any]:
    """What replaces a submitted form that cannot be used, as its response_action view."""
    return modal(notice_modal(note(text)))


def unfinished_setup(crises: list[Crisis], title: str) -> Message:
    """Asked to open a crisis while one of yours is stored but its war room is not ready."""
    first = crises[0]
    text = (
        f"Your crisis #{first.id} {bold(first.title, 300)} is saved but its war room is not fully set up"
        f"{': ' + first.setup_error if first.setup_error else '.'}\nFinish that one, or open a new crisis anyway."
    )
    return Message(
        text=f"Crisis #{first.id} is not fully set up yet",
        blocks=[
            SectionBlock(text=text),
            ActionsBlock(
                block_id="choose",
                elements=[
                    war_room.resume_button(first, "Finish set-up"),
                    ButtonElement(
                        action_id=Action.OPEN_ANYWAY.id(),
                        text="Open a new crisis",
                        value=dump(OpenContext(title=title)),
                    ),
                ],
            ),
        ],
    )
