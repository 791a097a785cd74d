"""The volume figures a post or a render shows, read from stored counts, so the header, the
chart, the digest, the closing summary and the calm-down notice never disagree."""

from __future__ import annotations

from bot.model import Crisis
from bot.rules import volume
from bot.rules.volume import HOUR, Figures
from bot.services import Services


def of_crisis(services: Services, crisis: Crisis, *, now: int) -> Figures:
    """A crisis's figures at `now` (at its closing, for a closed one)."""
    until = min(now, crisis.closed_at) if crisis.closed_at and not crisis.is_open else now
    hours = services.config.baseline_hours
    mentions = services.mentions
    return volume.figures(
        mentions.per_bucket(crisis.id, 0, until + 1, HOUR),
        last_hour=mentions.total(crisis.id, until - HOUR, until + 1),
        previous_hour=mentions.total(crisis.id, until - 2 * HOUR, until - HOUR),
        baseline_total=mentions.total(crisis.id, crisis.opened_at - hours * HOUR, crisis.opened_at),
        baseline_hours=hours,
    )


def per_hour(services: Services, crisis: Crisis, *, now: int) -> dict[int, int]:
    return services.mentions.per_bucket(crisis.id, 0, now + 1, HOUR)
