"""Following a crisis: its owner's stakeholder updates by DM. Anyone who may see a crisis may
follow it (from the header, a stakeholder card, the management note, the digest or `/crisis
follow`) and unfollow it from any update's DM; the owner and responders follow by default.

Who may follow is bot.flows.access's to say. `/crisis follow` stores the choice before its ack
(it answers in the ack); a click is stored as a request first (bot.flows.inbox) and `choose`
settles that request in the transaction that stores the choice.
"""

from __future__ import annotations

from bot import clock
from bot.flows import access
from bot.flows.updates import followers
from bot.model import Crisis
from bot.services import Services
from bot.words import commands
from bot.words.i18n import _
from bot.words.text import channel


def follow(services: Services, crisis: Crisis | None, user: str, *, request: str | None = None) -> str:
    """Follow the crisis; returns what to tell the person."""
    if crisis is None:
        return _("That crisis no longer exists.")
    refusal = access.follow_refusal(services, crisis, user)
    if refusal:
        return refusal
    if user in followers(services, crisis):
        return _("You already follow crisis #{number}: its updates come to you by DM.").format(number=crisis.id)
    services.followers.choose(crisis.id, user, following=True, at=clock.now(), request=request)
    if crisis.is_open:
        text = _(
            "You now follow crisis #{number} ({channel}): its owner's updates come to you by DM. "
            "Unfollow from any of them."
        )
    else:
        text = _(
            "You now follow crisis #{number} ({channel}): its owner's updates come to you by DM. "
            "Unfollow from any of them. It is closed: you hear from it only if it is reopened."
        )
    return text.format(number=crisis.id, channel=channel(crisis.channel_id))


def unfollow(services: Services, crisis: Crisis | None, user: str, *, request: str | None = None) -> str:
    """Stop following the crisis; returns what to tell the person."""
    if crisis is None:
        return _("That crisis no longer exists.")
    if user not in followers(services, crisis):
        return _("You do not follow crisis #{number}.").format(number=crisis.id)
    services.followers.choose(crisis.id, user, following=False, at=clock.now(), request=request)
    return _("You no longer follow crisis #{number}. `/crisis {follow} {number}` follows it again.").format(
        number=crisis.id, follow=commands.alias("follow")
    )
