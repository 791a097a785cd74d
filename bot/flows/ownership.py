"""Handing a crisis over to a new owner: there is always exactly one person responsible."""

from __future__ import annotations

import logging
import re

from bot import clock, publish
from bot.flows import access
from bot.model import Crisis
from bot.publish import keys
from bot.services import Services
from bot.slack.gateway import SlackError, attempt
from bot.words.text import user

log = logging.getLogger(__name__)

# `/crisis owner @ana` arrives as `<@U123|ana>` (the manifest asks Slack to escape mentions).
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|^([UW][A-Z0-9]{2,})$")


def parse_user(text: str) -> str | None:
    """The user id mentioned in command text, or None."""
    match = MENTION.search(text.strip())
    return (match.group(1) or match.group(2)) if match else None


def hand_over(services: Services, crisis: Crisis, new_owner: str, *, actor: str, request: str | None = None) -> str:
    """Make `new_owner` the owner: stored first with its announcement and DM enqueued (settling
    the stored `request` that asked for it, bot.flows.inbox), then the new owner invited, the
    pinned header updated, the note and the DM delivered (exactly once, also after a crash).
    Only the owner or a crisis admin hands a crisis over: whoever owns it may force-close and
    archive it. Returns what to tell the actor."""
    if not access.owner_or_admin(services, crisis, actor):
        return f"Only the owner, {user(crisis.owner_id)}, or a crisis admin can hand crisis #{crisis.id} over."
    if not crisis.is_open:
        return f"Crisis #{crisis.id} is closed; reopen it before handing it over."
    if new_owner == crisis.owner_id:
        return f"{user(new_owner)} already owns crisis #{crisis.id}."
    try:
        person = services.slack.user_info(new_owner)
    except SlackError as error:
        return error.could_not(f"hand the crisis to {user(new_owner)}")
    if person.get("is_bot") or person.get("deleted"):
        return f"{user(new_owner)} cannot own a crisis: pick a person with an active account."

    posts = publish.Enqueued(publish.for_handover)
    updated = services.crises.set_owner(crisis.id, new_owner, actor=actor, at=clock.now(), posts=posts, request=request)
    if updated is None:
        return f"{user(new_owner)} already owns crisis #{crisis.id}."

    problems: list[str] = []
    attempt(problems, "invite them to the war room", lambda: _invite(services, updated, new_owner))
    attempt(problems, "update the pinned header", lambda: publish.refresh_header(services, crisis.id))
    publish.deliver_reporting(services, posts.posts, _what, problems)
    if problems:
        return f"{user(new_owner)} now owns crisis #{crisis.id}, but " + " ".join(problems)
    return f"Done: {user(new_owner)} now owns crisis #{crisis.id}."


def _invite(services: Services, crisis: Crisis, person: str) -> None:
    failed = services.slack.invite(crisis.channel_id, [person])  # type: ignore[arg-type]
    if failed:
        raise SlackError("conversations.invite", failed[person])


def _what(key: str) -> str:
    return "announce it in the war room" if key.startswith(keys.HANDOVER + ":") else "tell them by DM"
