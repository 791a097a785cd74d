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
from bot.words.i18n import _
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
        return _("Only the owner, {owner}, or a crisis admin can hand crisis #{number} over.").format(
            owner=user(crisis.owner_id), number=crisis.id
        )
    if not crisis.is_open:
        return _("Crisis #{number} is closed; reopen it before handing it over.").format(number=crisis.id)
    if new_owner == crisis.owner_id:
        return _("{person} already owns crisis #{number}.").format(person=user(new_owner), number=crisis.id)
    try:
        person = services.slack.user_info(new_owner)
    except SlackError as error:
        # Translators: completes "I could not …"; {person} is a mention of the new owner
        return error.could_not(_("hand the crisis to {person}").format(person=user(new_owner)))
    if person.get("is_bot") or person.get("deleted"):
        return _("{person} cannot own a crisis: pick a person with an active account.").format(person=user(new_owner))

    posts = publish.Enqueued(publish.for_handover)
    updated = services.crises.set_owner(crisis.id, new_owner, actor=actor, at=clock.now(), posts=posts, request=request)
    if updated is None:
        return _("{person} already owns crisis #{number}.").format(person=user(new_owner), number=crisis.id)

    problems: list[str] = []
    # Translators: completes "I could not …"; "them" is the new owner
    attempt(problems, _("invite them to the war room"), lambda: _invite(services, updated, new_owner))
    # Translators: completes "I could not …"
    attempt(problems, _("update the pinned header"), lambda: publish.refresh_header(services, crisis.id))
    publish.deliver_reporting(services, posts.posts, _what, problems)
    if problems:
        # Translators: {problems} is one or more sentences such as "I could not tell them by DM: …."
        text = _("{person} now owns crisis #{number}, but {problems}")
        return text.format(person=user(new_owner), number=crisis.id, problems=" ".join(problems))
    return _("Done: {person} now owns crisis #{number}.").format(person=user(new_owner), number=crisis.id)


def _invite(services: Services, crisis: Crisis, person: str) -> None:
    failed = services.slack.invite(crisis.channel_id, [person])  # type: ignore[arg-type]
    if failed:
        raise SlackError("conversations.invite", failed[person])


def _what(key: str) -> str:
    """What a hand-over post is, completing "I could not …" when it fails."""
    if key.startswith(keys.HANDOVER + ":"):
        # Translators: completes "I could not …"; "it" is the hand-over
        return _("announce it in the war room")
    # Translators: completes "I could not …"; "them" is the new owner
    return _("tell them by DM")
