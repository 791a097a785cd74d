"""The volume of mentions as the team reads it: the header's figures, the lists under a chart,
the spike alert, the calm-down notice, the broken-feed notice and the tracking form.

Mentions come from outside: authors, texts and links are escaped like all user text, and
nothing here can mention or notify anyone (`@channel` in a post stays a word).
"""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock
from slack_sdk.models.views import View

from bot.model import Crisis, Feed, Mention, StepStatus
from bot.rules.volume import Figures
from bot.slack.blockkit import Message
from bot.slack.ids import Action, Callback, CrisisRef, SpikeRef, dump
from bot.views.closing import duration
from bot.views.common import context
from bot.views.open_form import feeds_input, keywords_input
from bot.words.text import cut, link, mrkdwn, one_line, user, when

LINKS_SHOWN = 8
AUTHORS_SHOWN = 8


def figures_line(figures: Figures | None) -> str:
    """ "312 in the last hour · peak 540, today 14:00 · 4.2 × normal · falling"."""
    if figures is None or figures.total == 0:
        return "📈 No mentions counted yet."
    parts = [f"📈 *{figures.last_hour:,}* in the last hour"]
    if figures.peak_at is not None and figures.peak > figures.last_hour:
        parts.append(f"peak {figures.peak:,}, {when(figures.peak_at, '{date_short_pretty} {time}')}")
    if figures.times_normal is not None:
        parts.append(f"{figures.times_normal:.1f} × normal")
    parts.append(figures.trend)
    return " · ".join(parts)


def record_line(figures: Figures, fell_back_after: int | None) -> str:
    """The closing summary's line: the peak, the total, how long it took to fall back."""
    if figures.total == 0:
        return "📈 *Volume:* no mentions were counted."
    peak = f"peak {figures.peak:,} an hour"
    if figures.peak_at is not None:
        peak += f", {when(figures.peak_at, '{date_short_pretty} {time}')}"
    back = (
        f"back to normal {duration(fell_back_after)} after the peak"
        if fell_back_after is not None
        else "not back to normal when it closed"
    )
    return f"📈 *Volume:* {peak} · {figures.total:,} mentions in all · {back}"


def tracking_line(crisis: Crisis, feeds: int) -> str:
    words = ", ".join(mrkdwn(k, 100) for k in crisis.keywords) or "no keywords"
    return cut(f"Tracking {words} · {feeds} feed{'s' if feeds != 1 else ''}", 1900)


def buttons(crisis: Crisis) -> list[ButtonElement]:
    ref = dump(CrisisRef(crisis=crisis.id))
    found = [ButtonElement(action_id=Action.VOLUME_CHART.id(crisis.id), text="📈 Volume chart", value=ref)]
    if crisis.is_open:
        found.append(ButtonElement(action_id=Action.TRACKING.id(crisis.id), text="Keywords and feeds", value=ref))
    return found


def tracking_modal(crisis: Crisis, feeds: list[Feed]) -> View:
    """Change what a crisis counts, in its war room."""
    return View(
        type="modal",
        callback_id=Callback.TRACKING.value,
        title="Keywords and feeds",
        submit="Save",
        close="Cancel",
        private_metadata=dump(CrisisRef(crisis=crisis.id)),
        blocks=[
            SectionBlock(block_id="about", text=f"*Crisis #{crisis.id}: {mrkdwn(crisis.title, 500)}*"),
            keywords_input("\n".join(crisis.keywords)),
            feeds_input("\n".join(f.url for f in feeds)),
        ],
    )


def chart_comment(crisis: Crisis) -> str:
    return f"📈 Mentions of crisis #{crisis.id} over time, by source and platform, with its milestones."


def chart_facts(crisis: Crisis, latest: list[Mention], authors: list[tuple[str, int]], figures: Figures) -> Message:
    """What is listed under the chart: the latest links and the most active authors."""
    blocks: list = [SectionBlock(block_id="figures", text=figures_line(figures))]
    if latest:
        lines = [_mention_line(m) for m in latest[:LINKS_SHOWN]]
        blocks.append(SectionBlock(block_id="links", text=cut("*Latest links*\n" + "\n".join(lines), 2900)))
    if authors:
        names = ", ".join(f"{mrkdwn(a, 80)} ({n})" for a, n in authors[:AUTHORS_SHOWN])
        blocks.append(SectionBlock(block_id="authors", text=cut(f"*Most active authors (24 h)*\n{names}", 2900)))
    if len(blocks) == 1:
        blocks.append(context("No links counted yet."))
    return Message(text=f"Volume of crisis #{crisis.id}", blocks=blocks)


def _mention_line(mention: Mention) -> str:
    label = cut(one_line(mention.text) or mention.link, 90)
    who = f" — {mrkdwn(mention.author, 60)}" if mention.author else ""
    return (
        f"• {when(mention.at, '{date_short_pretty} {time}')} {mention.platform.label}: {link(mention.link, label)}{who}"
    )


def spike_alert(
    spike_id: int, count: int, baseline: float, latest: list[Mention], keywords: tuple[str, ...]
) -> Message:
    """Posted once to the listening channel when the brand watch's volume jumps and no open
    crisis covers it, with the evidence and a button that opens a pre-filled crisis form."""
    times = f"{count / baseline:.1f} × the usual {baseline:.1f} an hour" if baseline else "from almost nothing"
    words = ", ".join(mrkdwn(k, 60) for k in keywords)
    head = f"🚨 *{count:,} mentions in the last hour* of {words}: {times}. No open crisis covers it."
    blocks: list = [SectionBlock(block_id="head", text=cut(head, 2900))]
    if latest:
        lines = "\n".join(_mention_line(m) for m in latest[:LINKS_SHOWN])
        blocks.append(SectionBlock(block_id="evidence", text=cut(f"*Latest*\n{lines}", 2900)))
    blocks.append(
        ActionsBlock(
            block_id="open",
            elements=[
                ButtonElement(
                    action_id=Action.OPEN_FROM_SPIKE.id(spike_id),
                    text="Open a crisis",
                    style="danger",
                    value=dump(SpikeRef(spike=spike_id)),
                )
            ],
        )
    )
    blocks.append(context("The form starts with the latest post, its platform and the watch keywords."))
    return Message(text=f"🚨 {count:,} mentions in the last hour: {times}.", blocks=blocks)


def calm_notice(crisis: Crisis, figures: Figures, hours: int, pending: list[StepStatus], drafts: int) -> Message:
    """Told once to the owner, in the war room, when the volume has been near normal for a while."""
    still = [f"step {s.step.value} ({s.step.label})" for s in pending]
    if drafts:
        still.append(f"{drafts} draft repl{'ies' if drafts != 1 else 'y'} waiting for approval")
    open_part = f" Still open: {', '.join(still)}." if still else " The checklist is settled."
    text = (
        f"🌤️ {user(crisis.owner_id)}, mentions have been near normal for {hours} hours "
        f"({figures.last_hour:,} in the last hour, peak {figures.peak:,}).{open_part} "
        "When the cause is known and the team told, close it with `/crisis close`."
    )
    return Message.section(text)


def feed_broken(feed: Feed, owner_id: str | None) -> Message:
    who = f"{user(owner_id)}, the" if owner_id else "The"
    text = (
        f"⚠️ {who} feed {link(feed.url, cut(feed.url, 80))} has failed for over an hour: "
        f"{mrkdwn(feed.last_error or 'no answer', 300)}. I keep trying; fix or replace it with *Keywords and feeds*."
    )
    return Message.section(text)
