"""Who may act on a crisis: the people in its war room, and for hand-over, closing and reopening
only its owner or a crisis admin; its stakeholder updates only its owner and responders, and
following it anyone who may see it.

Every flow asks here about the crisis a request really touches, as stored, whatever the button
or form that asked names: a payload can name any crisis, so naming one grants nothing.
"""

from __future__ import annotations

from bot.model import Crisis, Role
from bot.rules import updates as update_rules
from bot.services import Services
from bot.slack.gateway import SlackError
from bot.words.i18n import _
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
    """Why `actor` may not `doing` (a verb phrase the caller translated: "change its checklist")
    in this crisis: only people in its war room may. None when they may. The refusal names the
    channel, never the crisis's title, so it tells an outsider nothing about a private crisis."""
    try:
        member = is_member(services, crisis, actor)
    except SlackError as error:
        # Translators: completes "I could not …"; {channel} is the war room
        what = _("check that you are in {channel}").format(channel=channel(crisis.channel_id))
        # Translators: {problem} is a sentence such as "I could not check …: the channel is archived."
        return _("{problem} Try again.").format(problem=error.could_not(what))
    if not member:
        # Translators: {doing} is a verb phrase such as "change its checklist", translated by the caller
        return _("Only people in {channel} can {doing}: join the channel first.").format(
            channel=channel(crisis.channel_id), doing=doing
        )
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


def update_refusal(services: Services, crisis: Crisis, actor: str) -> str | None:
    """Why `actor` may not post a stakeholder update for this crisis (None when they may): only
    its owner and its responders speak for it, and only while it is open."""
    return update_rules.may_post(crisis, services.crises.responders(crisis.id), actor)


def follow_refusal(services: Services, crisis: Crisis, user: str) -> str | None:
    """Why `user` may not follow this crisis (None when they may): anyone who may see it may; a
    private crisis only the people in it (its war room per Slack too, as `is_member` says).
    The refusal never names a private crisis."""
    if not crisis.is_private:
        return None
    try:
        member = is_member(services, crisis, user)
    except SlackError as error:
        # Translators: completes "I could not …"
        what = _("check that you are in that crisis")
        # Translators: {problem} is a sentence such as "I could not check …: the channel is archived."
        return _("{problem} Try again.").format(problem=error.could_not(what))
    return None if member else _("That crisis is private: only the people in it can follow it.")


def follow_needs_slack(services: Services, crisis: Crisis, user: str) -> bool:
    """Whether deciding `follow_refusal` takes asking Slack (a private crisis, and someone the
    bot has not seen in it): too slow to do before an ack."""
    return crisis.is_private and user not in services.crises.participants(crisis.id)
