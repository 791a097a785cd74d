"""What the volume of mentions means: how it compares with normal, whether it is a spike,
whether a crisis has calmed down. Pure arithmetic on stored counts, so the header, the chart,
the digest, the closing summary and the alerts all say the same.

"Normal" is the baseline: the mentions per hour in the BASELINE_HOURS before a crisis opened
(for the brand watch: before the current hour). Volume is "near normal" at no more than
1.5 × the baseline, and never asks for fewer than 2 an hour (a quiet brand is not in crisis
because 3 people spoke of it instead of 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.words.i18n import _

HOUR = 3600
NEAR_FACTOR = 1.5
NEAR_FLOOR = 2.0
TREND_CHANGE = 0.15  # a change under 15 % (or under 3 mentions) is steady
TREND_MIN = 3


@dataclass(frozen=True)
class Figures:
    """A crisis's volume at a moment, as the header and the digest show it."""

    last_hour: int
    previous_hour: int
    peak: int
    peak_at: int | None  # the start of the busiest hour
    baseline: float | None  # mentions per hour before the crisis; None when nothing was counted then
    total: int

    @property
    def times_normal(self) -> float | None:
        return self.last_hour / self.baseline if self.baseline else None

    @property
    def trend(self) -> str:
        """The way the volume is going, in the reader's words (the last word of the volume line)."""
        change = self.last_hour - self.previous_hour
        if abs(change) < TREND_MIN or abs(change) <= TREND_CHANGE * max(self.previous_hour, 1):
            # Translators: the mentions an hour stay about the same (the end of the volume line; keep it short)
            return _("steady")
        if change > 0:
            # Translators: the mentions an hour go up (the end of the volume line; keep it short)
            return _("rising")
        # Translators: the mentions an hour go down (the end of the volume line; keep it short)
        return _("falling")


def figures(
    per_hour: Mapping[int, int], *, last_hour: int, previous_hour: int, baseline_total: int, baseline_hours: int
) -> Figures:
    """The figures from the hourly counts since the crisis's baseline began, the rolling last
    two hours, and what was counted in the baseline period."""
    peak_at = max(per_hour, key=lambda start: (per_hour[start], start)) if per_hour else None
    peak = per_hour[peak_at] if peak_at is not None else 0
    return Figures(
        last_hour=last_hour,
        previous_hour=previous_hour,
        peak=max(peak, last_hour),
        peak_at=peak_at if peak >= last_hour else None,
        baseline=baseline_total / baseline_hours if baseline_total else None,
        total=sum(per_hour.values()),
    )


def near_normal(baseline: float | None) -> float:
    """The most mentions an hour that still count as back to normal."""
    return max((baseline or 0.0) * NEAR_FACTOR, NEAR_FLOOR)


def is_spike(count: int, baseline: float, *, factor: float, minimum: int) -> bool:
    """A window is a spike when it has at least `minimum` mentions and `factor` times the
    usual number for a window."""
    return count >= minimum and count >= factor * baseline


def last_hot_hour(per_hour: Mapping[int, int], baseline: float | None) -> int | None:
    """The latest hour above normal, if any."""
    hot = [start for start, n in per_hour.items() if n > near_normal(baseline)]
    return max(hot) if hot else None


def calmed_down(per_hour: Mapping[int, int], baseline: float | None, *, now: int, calm_hours: int) -> int | None:
    """When a crisis has been back near normal for `calm_hours` after being above it: the
    start of its last hour above normal (which names this calm spell), else None."""
    hot = last_hot_hour(per_hour, baseline)
    if hot is None:
        return None
    return hot if now - (hot + HOUR) >= calm_hours * HOUR else None


def fell_back_after(
    per_hour: Mapping[int, int], baseline: float | None, peak_at: int | None, *, now: int
) -> int | None:
    """Seconds from the start of the peak hour to the first later hour, ended by `now`, back
    near normal (an hour with no mentions counts), or None if it has not fallen back."""
    if peak_at is None:
        return None
    start = peak_at + HOUR
    while start + HOUR <= now:
        if per_hour.get(start, 0) <= near_normal(baseline):
            return start - peak_at
        start += HOUR
    return None
