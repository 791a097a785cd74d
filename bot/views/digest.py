"""The daily digest as a message management reads in ten seconds, within Slack's limits
however many crises there are; and the same digest as plain text for the command line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_date
from slack_sdk.models.blocks import HeaderBlock, SectionBlock

from bot.model import Category, Severity, Update
from bot.rules.permissions import may_see
from bot.rules.updates import promise
from bot.slack.blockkit import Message
from bot.views.closing import duration, first_sentence
from bot.views.common import context
from bot.views.updates import digest_flag, follow_picker
from bot.words.text import cut, mrkdwn, user
from storage.reports import ClosedCrisis, OpenCrisis, OpenFollowUp

SCREENFUL = 15  # open crises listed one by one; the rest are counted
CLOSED_SHOWN = 10
FOLLOWUPS_SHOWN = 10
SECTION_LIMIT = 2900


@dataclass(frozen=True)
class Digest:
    """Everything one digest says, gathered by bot.flows.digest."""

    day: date
    now: int
    since: int
    late: bool
    open: list[OpenCrisis]
    opened_since: int
    closed_since: list[ClosedCrisis]
    followups: list[OpenFollowUp]
    median_acknowledge: float | None
    median_resolve: float | None
    by_category: dict[Category, int]
    ack_sla_seconds: int
    stall_seconds: int
    members: dict[int, set[str]] = field(default_factory=dict)  # who is in each private crisis
    updates: dict[int, Update] = field(default_factory=dict)  # each open crisis's latest stakeholder update
    volume: dict[int, tuple[int, int]] = field(default_factory=dict)  # mentions in the last hour, and at peak

    @property
    def quiet(self) -> bool:
        return not self.open and not self.closed_since and not self.followups


def digest_message(digest: Digest, *, viewer: str | None, web_base: str) -> Message:
    day = format_date(digest.day, "EEEE d MMMM", locale="en")
    late = " · late" if digest.late else ""
    if digest.quiet:
        text = f"🌤️ Crisis digest, {day}{late}: no open crises, nothing closed since the last digest."
        return Message(text=text, blocks=[SectionBlock(block_id="quiet", text=text)])

    def visible(crisis_id: int, private: bool) -> bool:
        return may_see(private, digest.members.get(crisis_id, set()), viewer)

    blocks: list = [
        HeaderBlock(block_id="title", text=f"📋 Crisis digest · {day}{late}"),
        SectionBlock(block_id="headline", text=_headline(digest)),
    ]
    lines = [
        _open_line(c, digest, web_base) if visible(c.id, c.is_private) else _private_line(c)
        for c in digest.open[:SCREENFUL]
    ]
    blocks += _sections("open", lines)
    if len(digest.open) > SCREENFUL:
        blocks.append(context(f"…and {len(digest.open) - SCREENFUL} more open crises: `/crisis list` shows them all."))
    picker = follow_picker([(c.id, c.title) for c in digest.open if visible(c.id, c.is_private)])
    if picker:
        blocks.append(picker)
    if digest.closed_since:
        closed = [
            _closed_line(c, web_base)
            if visible(c.id, c.is_private)
            else f"✅ 🔒 A private crisis (owner {user(c.owner_id)}) closed."
            for c in digest.closed_since[:CLOSED_SHOWN]
        ]
        if len(digest.closed_since) > CLOSED_SHOWN:
            closed.append(f"_…and {len(digest.closed_since) - CLOSED_SHOWN} more closed._")
        blocks += _sections("closed", ["*Closed since the last digest*", *closed])
    if digest.followups:
        shown = [
            f"• {mrkdwn(f.text, 200) if visible(f.crisis_id, f.is_private) else 'A follow-up of a private crisis'} — {user(f.owner_id)} (#{f.crisis_id})"
            for f in digest.followups[:FOLLOWUPS_SHOWN]
        ]
        if len(digest.followups) > FOLLOWUPS_SHOWN:
            shown.append(f"_…and {len(digest.followups) - FOLLOWUPS_SHOWN} more._")
        blocks += _sections("followups", [f"*Open follow-ups ({len(digest.followups)})*", *shown])
    blocks.append(SectionBlock(block_id="figures", text=_figures(digest)))
    blocks.append(context("`/crisis digest` shows this digest any time; `/crisis list` all open crises."))
    return Message(text=f"Crisis digest, {day}{late}: {_headline(digest)}", blocks=blocks)


def _headline(digest: Digest) -> str:
    counts = {s: sum(1 for c in digest.open if c.severity is s) for s in Severity}
    by_severity = " · ".join(f"{s.label} {n}" for s, n in counts.items() if n)
    open_part = f"*{len(digest.open)} open*" + (f": {by_severity}" if by_severity else "")
    return f"{open_part} — {digest.opened_since} opened, {len(digest.closed_since)} closed since the last digest"


def _open_line(crisis: OpenCrisis, digest: Digest, web_base: str) -> str:
    flags = []
    if crisis.first_step.value == "pending" and digest.now - crisis.opened_at >= digest.ack_sla_seconds:
        flags.append("⚠️ not acknowledged in time")
    if digest.now - (crisis.last_change or crisis.opened_at) >= digest.stall_seconds:
        flags.append("⏸️ stalled")
    latest = digest.updates.get(crisis.id)
    update_flag = digest_flag(latest, promise(latest, digest.now), digest.now)
    if update_flag:
        flags.append(update_flag)
    title = _link(web_base, crisis.channel_id, crisis.title)
    facts = f"owner {user(crisis.owner_id)} · {crisis.category.label} · {duration(digest.now - crisis.opened_at)} old · {crisis.settled_steps}/4"
    if crisis.id in digest.volume and not crisis.is_private:  # a private crisis's volume stays in its war room
        now, peak = digest.volume[crisis.id]
        facts += f" · 📈 {now:,} in the last hour, peak {peak:,}"
    return f"{crisis.severity.label.split()[0]} {title} · {facts}" + (f" · {' · '.join(flags)}" if flags else "")


def _private_line(crisis: OpenCrisis) -> str:
    return f"{crisis.severity.label.split()[0]} 🔒 A private crisis (owner {user(crisis.owner_id)}) · {crisis.settled_steps}/4"


def _closed_line(crisis: ClosedCrisis, web_base: str) -> str:
    return f"✅ {_link(web_base, crisis.channel_id, crisis.title)} · closed by {user(crisis.closed_by)} · lesson: {mrkdwn(first_sentence(crisis.lessons), 300)}"


def _figures(digest: Digest) -> str:
    kinds = ", ".join(f"{category.label} {n}" for category, n in list(digest.by_category.items())[:9]) or "none"
    return (
        "*Last 30 days*\n"
        f"Median time to acknowledge {duration(_int(digest.median_acknowledge))} · to resolve {duration(_int(digest.median_resolve))}\n"
        f"Crises by kind: {kinds}"
    )


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


def _link(web_base: str, channel_id: str | None, title: str) -> str:
    """The title, linking to the war room (app_redirect opens a channel by id)."""
    label = mrkdwn(title, 120).replace("|", "¦")  # a | would end the link's label
    return f"<{web_base}/app_redirect?channel={channel_id}|*{label}*>" if channel_id else f"*{label}*"


def _sections(name: str, lines: list[str]) -> list[SectionBlock]:
    """Lines packed into as few sections as fit in Slack's 3,000 characters each."""
    sections, current = [], ""
    for line in lines:
        line = cut(line, SECTION_LIMIT)
        if current and len(current) + 1 + len(line) > SECTION_LIMIT:
            sections.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        sections.append(current)
    return [SectionBlock(block_id=f"{name}-{i}", text=text) for i, text in enumerate(sections)]


def as_text(message: Message) -> str:
    """The digest as plain text (python app.py digest --dry-run)."""
    parts = []
    for block in message.to_kwargs().get("blocks", []):
        if "text" in block:
            parts.append(block["text"]["text"])
        parts.extend(e["text"] for e in block.get("elements", []) if "text" in e)
    text = "\n\n".join(parts) or message.text
    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", text)
    text = re.sub(r"<@(\w+)>", r"@\1", text)
    text = re.sub(r"<#(\w+)(?:\|[^>]*)?>", r"#\1", text)
    text = re.sub(r"<[^|>]+\|([^>]+)>", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
