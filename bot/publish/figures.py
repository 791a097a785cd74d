"""The volume figures a post or a render shows, read from stored counts, so the header, the
chart, the digest, the closing summary and the calm-down notice never disagree."""

from __future__ import annotations

from dataclasses import dataclass

from bot.model import Crisis
from bot.rules import volume
from bot.rules.volume import HOUR, Figures
from bot.services import Services


@dataclass(frozen=True)
class Record:
    """What the closing summary keeps of the volume."""

    figures: Figures
    fell_back_after: int | None  # seconds from the peak hour back to normal; None if it did not


def of_scope(services: Services, scope: int, *, opened_at: int, until: int) -> Figures:
    """A scope's figures at `until`, normal being the BASELINE_HOURS before `opened_at`."""
    hours = services.config.baseline_hours
    mentions = services.mentions
    return volume.figures(
        mentions.per_hour(scope, 0, until + 1),
        last_hour=mentions.total(scope, until - HOUR, until + 1),
        previous_hour=mentions.total(scope, until - 2 * HOUR, until - HOUR),
        baseline_total=mentions.total(scope, opened_at - hours * HOUR, opened_at),
        baseline_hours=hours,
    )


def _until(crisis: Crisis, now: int) -> int:
    return min(now, crisis.closed_at) if crisis.closed_at and not crisis.is_open else now


def of_crisis(services: Services, crisis: Crisis, *, now: int) -> Figures:
    """A crisis's figures at `now` (at its closing, for a closed one)."""
    return of_scope(services, crisis.id, opened_at=crisis.opened_at, until=_until(crisis, now))


def per_hour(services: Services, crisis: Crisis, *, now: int) -> dict[int, int]:
    return services.mentions.per_hour(crisis.id, 0, _until(crisis, now) + 1)


def record(services: Services, crisis: Crisis, *, now: int) -> Record:
    """The peak, the total and how long it took to fall back, for the closing summary."""
    figures = of_crisis(services, crisis, now=now)
    hours = per_hour(services, crisis, now=now)
    return Record(figures, volume.fell_back_after(hours, figures.baseline, figures.peak_at, now=_until(crisis, now)))
