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
from bot.words.text import channel


def follow(services: Services, crisis: Crisis | None, user: str, *, request: str | None = None) -> str:
    """Follow the crisis; returns what to tell the person."""
    if crisis is None:
        return "That crisis no longer exists."
    refusal = access.follow_refusal(services, crisis, user)
    if refusal:
        return refusal
    if user in followers(services, crisis):
        return f"You already follow crisis #{crisis.id}: its updates come to you by DM."
    services.followers.choose(crisis.id, user, following=True, at=clock.now(), request=request)
    later = "" if crisis.is_open else " It is closed: you hear from it only if it is reopened."
    return (
        f"You now follow crisis #{crisis.id} ({channel(crisis.channel_id)}): its owner's updates come to you by DM. "
        f"Unfollow from any of them.{later}"
    )


def unfollow(services: Services, crisis: Crisis | None, user: str, *, request: str | None = None) -> str:
    """Stop following the crisis; returns what to tell the person."""
    if crisis is None:
        return "That crisis no longer exists."
    if user not in followers(services, crisis):
        return f"You do not follow crisis #{crisis.id}."
    services.followers.choose(crisis.id, user, following=False, at=clock.now(), request=request)
    return f"You no longer follow crisis #{crisis.id}. `/crisis follow {crisis.id}` follows it again."
