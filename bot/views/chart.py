"""The volume chart: mentions over time by source and by platform, the crisis's milestones
marked on it, as a PNG for Slack.

matplotlib is imported here, inside `draw`, and only with the headless Agg canvas: a bot that
never draws a chart never loads it (it costs about 30 MiB per process). Figures are built as
objects, not through pyplot's global state, so two threads can draw at once. Its words are in
the language of whoever it is drawn for (the caller's, as for any message).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.model import Platform, Source
from bot.words import i18n
from bot.words.i18n import _, ngettext
from storage.mentions import Bucket

WIDTH, HEIGHT, DPI = 1200, 700, 100
DAY_WIDTH, DAY_HEIGHT = 800, 300
MILESTONE_RGB = (214, 39, 40)  # drawn without antialiasing, so the lines are exactly this colour
MILESTONE_COLOR = "#d62728"
PLATFORMS_SHOWN = 6
BARS_MAX = 150
SOURCE_COLORS = {Source.LISTENING: "#4c78a8", Source.FEED: "#f58518", Source.WEBHOOK: "#54a24b"}
PLATFORM_COLORS = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#72b7b2", "#bab0ac"]


# Tried in turn for each character (matplotlib falls back glyph by glyph): DejaVu has Latin and
# Cyrillic; a CJK font, where the host has one installed (Debian: fonts-noto-cjk), draws Chinese.
FONT_FAMILIES = ["DejaVu Sans", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei"]


@functools.cache
def _drawable_characters() -> frozenset[int]:
    """Every character the installed fonts of FONT_FAMILIES can draw."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    found: set[int] = set()
    for entry in font_manager.fontManager.ttflist:
        if entry.name in FONT_FAMILIES:
            found.update(FT2Font(entry.fname).get_charmap())
    return frozenset(found)


@functools.cache
def _use_fonts() -> None:
    """Draw with FONT_FAMILIES, once per process (before any figure, so no two threads race)."""
    import matplotlib

    matplotlib.rcParams["font.family"] = FONT_FAMILIES


def can_draw(text: str) -> bool:
    """Whether the installed fonts draw every letter of `text` (a chart in Chinese on a host
    without a CJK font would show empty boxes: its caller draws that chart's words in English)."""
    drawable = _drawable_characters()
    return all(ord(c) in drawable for c in text if not c.isspace())


@dataclass(frozen=True)
class Milestone:
    at: int
    label: str


def bucket_size(seconds: int) -> int:
    """Bars narrow enough to see the shape, wide enough to read: at most 150."""
    for size in (300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 24 * 3600):
        if seconds / size <= BARS_MAX:
            return size
    return 7 * 24 * 3600


def draw(
    title: str, buckets: Sequence[Bucket], milestones: Sequence[Milestone], *, since: int, until: int, size: int
) -> bytes:
    """The chart as PNG bytes, WIDTH × HEIGHT pixels. Its text metadata lists the milestones."""
    import matplotlib.dates as mdates
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    starts = np.arange(since - since % size, until + 1, size)
    index = {int(s): i for i, s in enumerate(starts)}
    by_source = {s: np.zeros(len(starts)) for s in Source}
    by_platform: dict[Platform, np.ndarray] = {}
    for b in buckets:
        i = index.get(b.start)
        if i is None:
            continue
        by_source[b.source][i] += b.total
        by_platform.setdefault(b.platform, np.zeros(len(starts)))[i] += b.total
    ranked = sorted(by_platform, key=lambda p: -by_platform[p].sum())
    platforms = {p.label: by_platform[p] for p in ranked[:PLATFORMS_SHOWN]}
    if len(ranked) > PLATFORMS_SHOWN:
        # Translators: in the volume chart's legend: the platforms not shown one by one (keep it short)
        platforms[_("Others")] = sum((by_platform[p] for p in ranked[PLATFORMS_SHOWN:]), np.zeros(len(starts)))

    _use_fonts()
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, sharex=True)
    edges = [*starts, starts[-1] + size]  # each bucket's start, and the end of the last
    x = mdates.date2num([datetime.fromtimestamp(int(s), UTC) for s in edges])
    sources = {s.label: v for s, v in by_source.items() if v.any()}
    _stack(top, x, sources, [SOURCE_COLORS[s] for s in Source if by_source[s].any()])
    _stack(bottom, x, platforms, PLATFORM_COLORS)
    top.set_title(title, loc="left", fontsize=13)
    top.set_ylabel(_source_axis(size))
    bottom.set_ylabel(_platform_axis(size))
    for at in milestones:
        when = mdates.date2num(datetime.fromtimestamp(at.at, UTC))
        for axes in (top, bottom):
            axes.axvline(when, color=MILESTONE_COLOR, linewidth=2, antialiased=False, zorder=5)
        top.annotate(
            at.label,
            (when, 1.0),
            xycoords=("data", "axes fraction"),
            rotation=90,
            fontsize=8,
            va="top",
            ha="right",
            color=MILESTONE_COLOR,
            xytext=(-2, -2),
            textcoords="offset points",
        )
    bottom.xaxis.set_major_formatter(mdates.ConciseDateFormatter(bottom.xaxis.get_major_locator()))
    bottom.set_xlabel("UTC")
    figure.subplots_adjust(left=0.07, right=0.98, top=0.94, bottom=0.09, hspace=0.08)
    out = io.BytesIO()
    # Translators: the chart's description (in the PNG's metadata): {milestones} lists the dated milestones
    description = _("Milestones: {milestones}").format(
        milestones="; ".join(f"{datetime.fromtimestamp(m.at, UTC):%Y-%m-%d %H:%M} {m.label}" for m in milestones)
    )
    figure.savefig(out, format="png", dpi=DPI, metadata={"Title": title, "Description": description})
    return out.getvalue()


def day(series: dict[str, dict[int, int]], *, since: int, until: int) -> bytes:
    """The digest's small chart: mentions per hour of each open crisis over the last day."""
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    hours = list(range(since - since % 3600, until + 1, 3600))
    _use_fonts()
    figure = Figure(figsize=(DAY_WIDTH / DPI, DAY_HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    x = mdates.date2num([datetime.fromtimestamp(h, UTC) for h in hours])
    for (label, counts), color in zip(series.items(), PLATFORM_COLORS, strict=False):
        axes.plot(x, [counts.get(h, 0) for h in hours], label=label, color=color, linewidth=1.8)
    # Translators: the title of the digest's chart (one line over a small chart: keep it short)
    heading = _("Mentions per hour of the open crises, last 24 hours (UTC)")
    if not can_draw(heading):  # no font on this host draws the language's script: the image in English
        with i18n.speaking(i18n.SOURCE):
            heading = _("Mentions per hour of the open crises, last 24 hours (UTC)")
    axes.set_title(heading, loc="left", fontsize=10)
    axes.legend(loc="upper left", fontsize=7, frameon=False)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", alpha=0.3)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(axes.xaxis.get_major_locator()))
    figure.subplots_adjust(left=0.07, right=0.98, top=0.9, bottom=0.14)
    out = io.BytesIO()
    # Translators: the title of the digest's chart in the PNG's metadata
    title = _("Open crises, last 24 hours")
    figure.savefig(out, format="png", dpi=DPI, metadata={"Title": title, "Description": "; ".join(series)})
    return out.getvalue()


def _stack(axes, x, series: dict, colors: Sequence[str]) -> None:  # noqa: ANN001 (matplotlib types)
    """Stacked step areas, one polygon per series (bars would be one shape per bucket: slow)."""
    import numpy as np

    lower = np.zeros(len(x))
    for (label, values), color in zip(series.items(), colors, strict=False):
        upper = lower + np.append(values, values[-1:])
        axes.fill_between(x, lower, upper, step="post", label=label, color=color, linewidth=0)
        lower = upper
    if series:
        axes.legend(loc="upper left", fontsize=8, frameon=False)
    axes.set_ylim(bottom=0)
    axes.set_xlim(x[0], x[-1])
    axes.grid(axis="y", alpha=0.3)


def _source_axis(size: int) -> str:
    """The upper chart's axis: mentions by source, per bar of `size` seconds (a whole phrase for
    each bar width of bucket_size)."""
    if size == 3600:
        # Translators: the label of a chart's vertical axis: mentions by source, per hour
        return _("by source, per hour")
    if size == 86400:
        # Translators: the label of a chart's vertical axis: mentions by source, per day
        return _("by source, per day")
    if size < 3600:
        # Translators: the label of a chart's vertical axis: mentions by source, per {n} minutes
        text = ngettext("by source, per {n} minute", "by source, per {n} minutes", size // 60)
        return text.format(n=size // 60)
    # Translators: the label of a chart's vertical axis: mentions by source, per {n} hours
    return ngettext("by source, per {n} hour", "by source, per {n} hours", size // 3600).format(n=size // 3600)


def _platform_axis(size: int) -> str:
    """The lower chart's axis: mentions by platform, per bar of `size` seconds."""
    if size == 3600:
        # Translators: the label of a chart's vertical axis: mentions by platform, per hour
        return _("by platform, per hour")
    if size == 86400:
        # Translators: the label of a chart's vertical axis: mentions by platform, per day
        return _("by platform, per day")
    if size < 3600:
        # Translators: the label of a chart's vertical axis: mentions by platform, per {n} minutes
        text = ngettext("by platform, per {n} minute", "by platform, per {n} minutes", size // 60)
        return text.format(n=size // 60)
    # Translators: the label of a chart's vertical axis: mentions by platform, per {n} hours
    return ngettext("by platform, per {n} hour", "by platform, per {n} hours", size // 3600).format(n=size // 3600)
