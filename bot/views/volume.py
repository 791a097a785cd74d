"""The volume of mentions as the team reads it: the header's figures, the lists under a chart,
the spike alert, the calm-down notice, the broken-feed notice and the tracking form.

Mentions come from outside: authors, texts and links are escaped like all user text, and
nothing here can mention or notify anyone (`@channel` in a post stays a word).
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock
from slack_sdk.models.views import View

from bot.model import Crisis, Feed, Mention, StepStatus
from bot.rules.volume import Figures
from bot.slack.blockkit import Message
from bot.slack.ids import Action, Callback, CrisisRef, SpikeRef, dump
from bot.views.common import context, modal_text
from bot.views.open_form import feeds_input, keywords_input
from bot.words import commands, i18n
from bot.words.i18n import _, ngettext
from bot.words.text import cut, link, mrkdwn, one_line, user, when

LINKS_SHOWN = 8
AUTHORS_SHOWN = 8


def figures_line(figures: Figures | None) -> str:
    """ "312 in the last hour · peak 540, today 14:00 · 4.2 × normal · falling": facts that each
    stand alone, in the reader's numbers."""
    if figures is None or figures.total == 0:
        return _("📈 No mentions counted yet.")
    n = figures.last_hour
    # Translators: the first fact of the volume line: {n} mentions were counted in the last hour
    parts = [ngettext("📈 *{n}* in the last hour", "📈 *{n}* in the last hour", n).format(n=i18n.number(n))]
    if figures.peak_at is not None and figures.peak > figures.last_hour:
        # Translators: a fact of the volume line: the busiest hour had {n} mentions; {time} is when it was
        peak = ngettext("peak {n}, {time}", "peak {n}, {time}", figures.peak)
        parts.append(peak.format(n=i18n.number(figures.peak), time=when(figures.peak_at, "{date_short_pretty} {time}")))
    if figures.times_normal is not None:
        # Translators: a fact of the volume line: how many times the usual volume it is ("4.2 × normal")
        parts.append(_("{ratio} × normal").format(ratio=_one_decimal(figures.times_normal)))
    parts.append(figures.trend)
    return " · ".join(parts)


def _one_decimal(value: float) -> str:
    """A ratio with one decimal, rounded as before, in the reader's decimal mark (4.2, 4,2)."""
    return format_decimal(Decimal(f"{value:.1f}"), "0.0", locale=i18n.babel_locale())


def record_line(figures: Figures, fell_back_after: int | None) -> str:
    """The closing summary's line: the peak, the total, how long it took to fall back."""
    if figures.total == 0:
        return _("📈 *Volume:* no mentions were counted.")
    if figures.peak_at is not None:
        # Translators: a fact of the closing summary's volume line; {time} is when the busiest hour was
        peak = ngettext("peak {n} an hour, {time}", "peak {n} an hour, {time}", figures.peak)
    else:
        # Translators: a fact of the closing summary's volume line: the busiest hour had {n} mentions
        peak = ngettext("peak {n} an hour", "peak {n} an hour", figures.peak)
    peak = peak.format(
        n=i18n.number(figures.peak),
        time=when(figures.peak_at, "{date_short_pretty} {time}") if figures.peak_at is not None else "",
    )
    total = ngettext("{n} mention in all", "{n} mentions in all", figures.total).format(n=i18n.number(figures.total))
    if fell_back_after is not None:
        # Translators: a fact of the closing summary's volume line; {duration} is a length of time ("3 hours")
        back = _("back to normal {duration} after the peak").format(
            duration=i18n.duration(fell_back_after, threshold=1.5, granularity="minute")
        )
    else:
        back = _("not back to normal when it closed")
    # Translators: the closing summary's volume line: {peak}, {total} and {back} are the three facts above
    return _("📈 *Volume:* {peak} · {total} · {back}").format(peak=peak, total=total, back=back)


def tracking_line(crisis: Crisis, feeds: int) -> str:
    if crisis.keywords:
        # Translators: the header's grey line of what a crisis counts: {keywords} is a list of its keywords
        text = ngettext("Tracking {keywords} · {n} feed", "Tracking {keywords} · {n} feeds", feeds)
    else:
        text = ngettext("Tracking no keywords · {n} feed", "Tracking no keywords · {n} feeds", feeds)
    return cut(text.format(keywords=", ".join(mrkdwn(k, 100) for k in crisis.keywords), n=feeds), 1900)


def buttons(crisis: Crisis) -> list[ButtonElement]:
    ref = dump(CrisisRef(crisis=crisis.id))
    # Translators: a button of the war room's header: post the chart of mentions (keep it short, at most 75)
    found = [ButtonElement(action_id=Action.VOLUME_CHART.id(crisis.id), text=_("📈 Volume chart"), value=ref)]
    if crisis.is_open:
        # Translators: a button of the war room's header: change what is tracked (keep it short, at most 75)
        found.append(ButtonElement(action_id=Action.TRACKING.id(crisis.id), text=_("Keywords and feeds"), value=ref))
    return found


def tracking_modal(crisis: Crisis, feeds: list[Feed]) -> View:
    """Change what a crisis counts, in its war room."""
    return View(
        type="modal",
        callback_id=Callback.TRACKING.value,
        # Translators: the title of the tracking modal, as the button that opens it (at most 24 characters)
        title=modal_text(_("Keywords and feeds")),
        # Translators: the submit button of the tracking modal (at most 24 characters)
        submit=modal_text(_("Save")),
        # Translators: a modal's close button (at most 24 characters)
        close=modal_text(_("Cancel")),
        private_metadata=dump(CrisisRef(crisis=crisis.id)),
        blocks=[
            SectionBlock(
                block_id="about",
                text=_("*Crisis #{number}: {title}*").format(number=crisis.id, title=mrkdwn(crisis.title, 500)),
            ),
            keywords_input("\n".join(crisis.keywords)),
            feeds_input("\n".join(f.url for f in feeds)),
        ],
    )


def chart_comment(crisis: Crisis) -> str:
    return _("📈 Mentions of crisis #{number} over time, by source and platform, with its milestones.").format(
        number=crisis.id
    )


def chart_facts(crisis: Crisis, latest: list[Mention], authors: list[tuple[str, int]], figures: Figures) -> Message:
    """What is listed under the chart: the latest links and the most active authors."""
    blocks: list = [SectionBlock(block_id="figures", text=figures_line(figures))]
    if latest:
        lines = [_mention_line(m) for m in latest[:LINKS_SHOWN]]
        # Translators: the heading of the list of the latest posts under the volume chart
        heading = _("*Latest links*")
        blocks.append(SectionBlock(block_id="links", text=cut(heading + "\n" + "\n".join(lines), 2900)))
    if authors:
        names = ", ".join(f"{mrkdwn(a, 80)} ({n})" for a, n in authors[:AUTHORS_SHOWN])
        # Translators: the heading of the list of who posted most in the last 24 hours, under the volume chart
        heading = _("*Most active authors (24 h)*")
        blocks.append(SectionBlock(block_id="authors", text=cut(heading + "\n" + names, 2900)))
    if len(blocks) == 1:
        blocks.append(context(_("No links counted yet.")))
    return Message(text=_("Volume of crisis #{number}").format(number=crisis.id), blocks=blocks)


def _mention_line(mention: Mention) -> str:
    label = cut(one_line(mention.text) or mention.link, 90)
    if mention.author:
        # Translators: one post in a list: when, on which platform, a link to it, and who wrote it
        text = _("• {time} {platform}: {post} — {author}")
    else:
        # Translators: one post in a list: when, on which platform, and a link to it
        text = _("• {time} {platform}: {post}")
    return text.format(
        time=when(mention.at, "{date_short_pretty} {time}"),
        platform=mention.platform.label,
        post=link(mention.link, label),
        author=mrkdwn(mention.author, 60),
    )


def spike_alert(
    spike_id: int, count: int, baseline: float, latest: list[Mention], keywords: tuple[str, ...]
) -> Message:
    """Posted once to the listening channel when the brand watch's volume jumps and no open
    crisis covers it, with the evidence and a button that opens a pre-filled crisis form."""
    if baseline:
        # Translators: {ratio} times the usual {usual} mentions an hour ("4.2 × the usual 3.0 an hour")
        head = ngettext(
            "🚨 *{n} mention in the last hour* of {keywords}: {ratio} × the usual {usual} an hour. "
            "No open crisis covers it.",
            "🚨 *{n} mentions in the last hour* of {keywords}: {ratio} × the usual {usual} an hour. "
            "No open crisis covers it.",
            count,
        )
        text = ngettext(
            "🚨 {n} mention in the last hour: {ratio} × the usual {usual} an hour.",
            "🚨 {n} mentions in the last hour: {ratio} × the usual {usual} an hour.",
            count,
        )
    else:
        head = ngettext(
            "🚨 *{n} mention in the last hour* of {keywords}: from almost nothing. No open crisis covers it.",
            "🚨 *{n} mentions in the last hour* of {keywords}: from almost nothing. No open crisis covers it.",
            count,
        )
        text = ngettext(
            "🚨 {n} mention in the last hour: from almost nothing.",
            "🚨 {n} mentions in the last hour: from almost nothing.",
            count,
        )
    facts = {
        "n": i18n.number(count),
        "keywords": ", ".join(mrkdwn(k, 60) for k in keywords),
        "ratio": _one_decimal(count / baseline) if baseline else "",
        "usual": _one_decimal(baseline),
    }
    blocks: list = [SectionBlock(block_id="head", text=cut(head.format(**facts), 2900))]
    if latest:
        lines = "\n".join(_mention_line(m) for m in latest[:LINKS_SHOWN])
        # Translators: the heading of the list of the latest posts under a spike alert
        heading = _("*Latest*")
        blocks.append(SectionBlock(block_id="evidence", text=cut(heading + "\n" + lines, 2900)))
    blocks.append(
        ActionsBlock(
            block_id="open",
            elements=[
                ButtonElement(
                    action_id=Action.OPEN_FROM_SPIKE.id(spike_id),
                    # Translators: a button under a spike alert: open the crisis form (keep it short, at most 75)
                    text=_("Open a crisis"),
                    style="danger",
                    value=dump(SpikeRef(spike=spike_id)),
                )
            ],
        )
    )
    blocks.append(context(_("The form starts with the latest post, its platform and the watch keywords.")))
    return Message(text=text.format(**facts), blocks=blocks)


def calm_notice(crisis: Crisis, figures: Figures, hours: int, pending: list[StepStatus], drafts: int) -> Message:
    """Told once to the owner, in the war room, when the volume has been near normal for a while."""
    # Translators: an item of the list of what is still open: a step of the checklist and its name
    still = [_("step {number} ({step})").format(number=s.step.value, step=s.step.label) for s in pending]
    if drafts:
        still.append(
            ngettext("{n} draft reply waiting for approval", "{n} draft replies waiting for approval", drafts).format(
                n=drafts
            )
        )
    calm = ngettext(
        "🌤️ {owner}, mentions have been near normal for {n} hour ({last_hour} in the last hour, peak {peak}).",
        "🌤️ {owner}, mentions have been near normal for {n} hours ({last_hour} in the last hour, peak {peak}).",
        hours,
    ).format(
        owner=user(crisis.owner_id), n=hours, last_hour=i18n.number(figures.last_hour), peak=i18n.number(figures.peak)
    )
    if still:
        # Translators: {items} is a list of steps and drafts, separated by commas
        settled = _("Still open: {items}.").format(items=", ".join(still))
    else:
        settled = _("The checklist is settled.")
    close = _("When the cause is known and the team told, close it with `/crisis {close}`.").format(
        close=commands.alias("close")
    )
    return Message.section(f"{calm} {settled} {close}")


def feed_broken(feed: Feed, owner_id: str | None) -> Message:
    """Told once when a feed keeps failing; `last_error` is the fetcher's English reason as stored."""
    if owner_id:
        # Translators: *Keywords and feeds* is the header's button, as translated there
        text = _(
            "⚠️ {owner}, the feed {feed} has failed for over an hour: {error}. "
            "I keep trying; fix or replace it with *Keywords and feeds*."
        )
    else:
        # Translators: *Keywords and feeds* is the header's button, as translated there
        text = _(
            "⚠️ The feed {feed} has failed for over an hour: {error}. "
            "I keep trying; fix or replace it with *Keywords and feeds*."
        )
    # Translators: why a feed failed, when the server gave no reason
    error = feed.last_error or _("no answer")
    return Message.section(
        text.format(owner=user(owner_id), feed=link(feed.url, cut(feed.url, 80)), error=mrkdwn(error, 300))
    )
