"""Following a crisis: its owner's stakeholder updates by DM. Anyone who may see a crisis may
follow it (from the header, a stakeholder card, the management note, the digest or `/crisis
follow`) and unfollow it from any update's DM; the owner and responders follow by default."""

from __future__ import annotations

from bot import clock
from bot.flows.updates import followers
from bot.model import Crisis
from bot.rules.permissions import may_see
from bot.services import Services
from bot.words.text import channel


def follow(services: Services, crisis: Crisis | None, user: str) -> str:
    """Follow the crisis; returns what to tell the person."""
    if crisis is None:
        return "That crisis no longer exists."
    if not may_see(crisis.is_private, lambda: services.crises.participants(crisis.id), user):
        return "That crisis is private: only the people in it can follow it."
    if user in followers(services, crisis):
        return f"You already follow crisis #{crisis.id}: its updates come to you by DM."
    services.followers.choose(crisis.id, user, following=True, at=clock.now())
    later = "" if crisis.is_open else " It is closed: you hear from it only if it is reopened."
    return (
        f"You now follow crisis #{crisis.id} ({channel(crisis.channel_id)}): its owner's updates come to you by DM. "
        f"Unfollow from any of them.{later}"
    )


def unfollow(services: Services, crisis: Crisis | None, user: str) -> str:
    """Stop following the crisis; returns what to tell the person."""
    if crisis is None:
        return "That crisis no longer exists."
    if user not in followers(services, crisis):
        return f"You do not follow crisis #{crisis.id}."
    services.followers.choose(crisis.id, user, following=False, at=clock.now())
    return f"You no longer follow crisis #{crisis.id}. `/crisis follow {crisis.id}` follows it again."
