"""The daily digest as a message management reads in ten seconds, within Slack's limits
however many crises there are; and the same digest as plain text for the command line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from slack_sdk.models.blocks import HeaderBlock, SectionBlock

from bot.model import Category, Severity, Update
from bot.rules.permissions import may_see
from bot.rules.updates import promise
from bot.slack.blockkit import Message
from bot.views.closing import duration, first_sentence
from bot.views.common import context
from bot.views.updates import digest_flag, follow_picker
from bot.words import commands, i18n
from bot.words.i18n import _, ngettext
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
    # Translators: the digest's day as a CLDR date pattern (EEEE the weekday, d the day, MMMM the month's
    # name; text in 'quotes'): put them in your language's order, e.g. "EEEE d MMMM" or "M月d日EEEE"
    day = i18n.day(digest.day, _("EEEE d MMMM"))
    if digest.quiet:
        if digest.late:
            text = _("🌤️ Crisis digest, {day} · late: no open crises, nothing closed since the last digest.")
        else:
            text = _("🌤️ Crisis digest, {day}: no open crises, nothing closed since the last digest.")
        text = text.format(day=day)
        return Message(text=text, blocks=[SectionBlock(block_id="quiet", text=text)])

    def visible(crisis_id: int, private: bool) -> bool:
        return may_see(private, digest.members.get(crisis_id, set()), viewer)

    if digest.late:
        # Translators: the digest's header, sent later than its usual time; at most 150 characters
        title = _("📋 Crisis digest · {day} · late")
    else:
        # Translators: the digest's header; at most 150 characters
        title = _("📋 Crisis digest · {day}")
    blocks: list = [
        HeaderBlock(block_id="title", text=title.format(day=day)),
        SectionBlock(block_id="headline", text=_headline(digest)),
    ]
    lines = [
        _open_line(c, digest, web_base) if visible(c.id, c.is_private) else _private_line(c)
        for c in digest.open[:SCREENFUL]
    ]
    blocks += _sections("open", lines)
    if len(digest.open) > SCREENFUL:
        more = len(digest.open) - SCREENFUL
        blocks.append(
            context(
                ngettext(
                    "…and {n} more open crisis: `/crisis {list}` shows them all.",
                    "…and {n} more open crises: `/crisis {list}` shows them all.",
                    more,
                ).format(n=more, list=commands.alias("list"))
            )
        )
    picker = follow_picker([(c.id, c.title) for c in digest.open if visible(c.id, c.is_private)])
    if picker:
        blocks.append(picker)
    if digest.closed_since:
        closed = [
            _closed_line(c, web_base)
            if visible(c.id, c.is_private)
            else _("✅ 🔒 A private crisis (owner {owner}) closed.").format(owner=user(c.owner_id))
            for c in digest.closed_since[:CLOSED_SHOWN]
        ]
        if len(digest.closed_since) > CLOSED_SHOWN:
            more = len(digest.closed_since) - CLOSED_SHOWN
            closed.append(ngettext("_…and {n} more closed._", "_…and {n} more closed._", more).format(n=more))
        # Translators: a heading in the digest, above the crises closed since the one before
        blocks += _sections("closed", [_("*Closed since the last digest*"), *closed])
    if digest.followups:
        shown = [_followup_line(f, visible(f.crisis_id, f.is_private)) for f in digest.followups[:FOLLOWUPS_SHOWN]]
        if len(digest.followups) > FOLLOWUPS_SHOWN:
            more = len(digest.followups) - FOLLOWUPS_SHOWN
            shown.append(ngettext("_…and {n} more._", "_…and {n} more._", more).format(n=more))
        count = len(digest.followups)
        # Translators: a heading in the digest, above the follow-ups not done yet; {n} is how many
        heading = ngettext("*Open follow-ups ({n})*", "*Open follow-ups ({n})*", count).format(n=count)
        blocks += _sections("followups", [heading, *shown])
    blocks.append(SectionBlock(block_id="figures", text=_figures(digest)))
    blocks.append(
        context(
            _("`/crisis {digest}` shows this digest any time; `/crisis {list}` all open crises.").format(
                digest=commands.alias("digest"), list=commands.alias("list")
            )
        )
    )
    if digest.late:
        text = _("Crisis digest, {day} · late: {headline}")
    else:
        text = _("Crisis digest, {day}: {headline}")
    return Message(text=text.format(day=day, headline=_headline(digest)), blocks=blocks)


def _followup_line(followup: OpenFollowUp, visible: bool) -> str:
    """A follow-up not done yet, with its owner; a private crisis's says only that it exists."""
    if visible:
        return f"• {mrkdwn(followup.text, 200)} — {user(followup.owner_id)} (#{followup.crisis_id})"
    return _("• A follow-up of a private crisis — {owner} (#{number})").format(
        owner=user(followup.owner_id), number=followup.crisis_id
    )


def _headline(digest: Digest) -> str:
    counts = {s: sum(1 for c in digest.open if c.severity is s) for s in Severity}
    by_severity = " · ".join(f"{s.label} {n}" for s, n in counts.items() if n)
    if by_severity:
        # Translators: {open} crises are open now, {by_severity} counts them per severity ("🔴 Critical 2 ·
        # 🟠 High 1"); {opened} were opened and {closed} closed since the digest before
        text = _("*{open} open*: {by_severity} — {opened} opened, {closed} closed since the last digest")
    else:
        # Translators: {open} crises are open now; {opened} were opened and {closed} closed since the digest before
        text = _("*{open} open* — {opened} opened, {closed} closed since the last digest")
    return text.format(
        open=len(digest.open), by_severity=by_severity, opened=digest.opened_since, closed=len(digest.closed_since)
    )


def _open_line(crisis: OpenCrisis, digest: Digest, web_base: str) -> str:
    flags = []
    if crisis.first_step.value == "pending" and digest.now - crisis.opened_at >= digest.ack_sla_seconds:
        # Translators: a warning on a crisis in the digest: step 1 was not done within the agreed time
        flags.append(_("⚠️ not acknowledged in time"))
    if digest.now - (crisis.last_change or crisis.opened_at) >= digest.stall_seconds:
        # Translators: a warning on a crisis in the digest: nothing happened for a long time
        flags.append(_("⏸️ stalled"))
    latest = digest.updates.get(crisis.id)
    update_flag = digest_flag(latest, promise(latest, digest.now), digest.now)
    if update_flag:
        flags.append(update_flag)
    title = _link(web_base, crisis.channel_id, crisis.title)
    age = duration(digest.now - crisis.opened_at)
    if crisis.id in digest.volume and not crisis.is_private:  # a private crisis's volume stays in its war room
        now, peak = digest.volume[crisis.id]
        # Translators: a crisis in the digest: its owner, kind, age ("3 hours"), steps settled of 4, and how
        # many mentions it had in the last hour and at its peak
        facts = _(
            "owner {owner} · {category} · {age} old · {settled}/4 · 📈 {now} in the last hour, peak {peak}"
        ).format(
            owner=user(crisis.owner_id),
            category=crisis.category.label,
            age=age,
            settled=crisis.settled_steps,
            now=i18n.number(now),
            peak=i18n.number(peak),
        )
    else:
        # Translators: a crisis in the digest: its owner, kind, age ("3 hours") and steps settled of 4
        facts = _("owner {owner} · {category} · {age} old · {settled}/4").format(
            owner=user(crisis.owner_id), category=crisis.category.label, age=age, settled=crisis.settled_steps
        )
    return f"{crisis.severity.label.split()[0]} {title} · {facts}" + (f" · {' · '.join(flags)}" if flags else "")


def _private_line(crisis: OpenCrisis) -> str:
    # Translators: {icon} is the severity's emoji, {settled} how many of the 4 steps are settled
    return _("{icon} 🔒 A private crisis (owner {owner}) · {settled}/4").format(
        icon=crisis.severity.label.split()[0], owner=user(crisis.owner_id), settled=crisis.settled_steps
    )


def _closed_line(crisis: ClosedCrisis, web_base: str) -> str:
    # Translators: a crisis closed since the digest before: its title, who closed it, the first sentence of its
    # lessons learned
    return _("✅ {title} · closed by {closer} · lesson: {lesson}").format(
        title=_link(web_base, crisis.channel_id, crisis.title),
        closer=user(crisis.closed_by),
        lesson=mrkdwn(first_sentence(crisis.lessons), 300),
    )


def _figures(digest: Digest) -> str:
    # Translators: one kind of crisis and how many there were, in the digest's list ("Hacked account: 2")
    kinds = " · ".join(
        _("{kind}: {n}").format(kind=category.label, n=n) for category, n in list(digest.by_category.items())[:9]
    )
    if kinds:
        # Translators: the digest's figures; the times are like "2 hours" ("—" when not known), {kinds} counts
        # the crises per kind ("Complaint 3, Outage 1")
        text = _(
            "*Last 30 days*\nMedian time to acknowledge {to_acknowledge} · to resolve {to_resolve}\n"
            "Crises by kind: {kinds}"
        )
    else:
        # Translators: the digest's figures; the times are like "2 hours" ("—" when not known)
        text = _(
            "*Last 30 days*\nMedian time to acknowledge {to_acknowledge} · to resolve {to_resolve}\n"
            "Crises by kind: none"
        )
    return text.format(
        to_acknowledge=duration(_int(digest.median_acknowledge)),
        to_resolve=duration(_int(digest.median_resolve)),
        kinds=kinds,
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
