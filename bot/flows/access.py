"""Who may act on a crisis: the people in its war room, and for hand-over, closing and reopening
only its owner or a crisis admin.

Every flow asks here about the crisis a request really touches, as stored, whatever the button
or form that asked names: a payload can name any crisis, so naming one grants nothing.
"""

from __future__ import annotations

from bot.model import Crisis, Role
from bot.services import Services
from bot.slack.gateway import SlackError
from bot.words.text import channel


def is_member(services: Services, crisis: Crisis, user: str) -> bool:
    """In the war room: someone the bot invited or saw there before, else per Slack (and then
    remembered, so their next click costs no Web API call). Raises SlackError."""
    if user in services.crises.participants(crisis.id):
        return True
    if crisis.channel_id is None or user not in services.slack.members(crisis.channel_id):
        return False
    services.crises.add_participant(crisis.id, user, Role.MEMBER)
    return True


def member_refusal(services: Services, crisis: Crisis, actor: str, *, doing: str) -> str | None:
    """Why `actor` may not `doing` (a verb phrase: "change its checklist") in this crisis: only
    people in its war room may. None when they may. The refusal names the channel, never the
    crisis's title, so it tells an outsider nothing about a private crisis."""
    try:
        member = is_member(services, crisis, actor)
    except SlackError as error:
        return error.could_not(f"check that you are in {channel(crisis.channel_id)}") + " Try again."
    if not member:
        return f"Only people in {channel(crisis.channel_id)} can {doing}: join the channel first."
    return None


def owner_or_admin(services: Services, crisis: Crisis, actor: str) -> bool:
    """The crisis's owner, or a member of CRISIS_ADMINS (people or user groups)."""
    return actor == crisis.owner_id or services.directory.includes(services.config.admins, actor)


def someone_else_is_in(services: Services, crisis: Crisis, actor: str) -> bool:
    """Whether a person other than `actor` is in the crisis: one the bot knows of, else anyone
    Slack lists in the war room who is a person. Bots (a listening feed, the bot itself) and
    deactivated accounts are not people. Raises SlackError."""
    if services.crises.participants(crisis.id) - {actor}:
        return True
    if crisis.channel_id is None:
        return False
    others = services.slack.members(crisis.channel_id) - {actor, services.slack.bot_user_id}
    return any(_is_person(services, other) for other in sorted(others))


def _is_person(services: Services, user_id: str) -> bool:
    try:
        info = services.slack.user_info(user_id)
    except SlackError as error:
        if error.code == "user_not_found":
            return False
        raise
    return not (info.get("is_bot") or info.get("deleted"))
