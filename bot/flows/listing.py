"""`/crisis list`: the open crises, and which of the private ones this person may see."""

from __future__ import annotations

from bot.model import Crisis
from bot.rules.permissions import may_see
from bot.services import Services


def open_crises(services: Services, viewer: str) -> tuple[list[Crisis], set[int]]:
    """The open crises, most severe and oldest first, and the ids of those `viewer` may see in
    full (a private crisis only by its members; the others show only that they exist)."""
    crises = services.crises.open_crises()
    members = services.crises.participants
    return crises, {c.id for c in crises if may_see(c.is_private, lambda c=c: members(c.id), viewer)}
