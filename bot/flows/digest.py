"""The daily digest to management: what is burning, who owns it, what was learnt.

It is due at DIGEST_TIME in DIGEST_TZ (zoneinfo, so daylight saving is right). Each day's digest
is one key in the outbox (bot.publish), so a restart, two running copies or a crash after
posting never send it twice. The day is settled only once Slack has the digest: one Slack
refuses (the bot is not in DIGEST_CHANNEL yet) is tried again on every tick. A digest missed while the bot was down goes out once when it is
back, marked late: only the latest missed day's, never one per missed day (and on a fresh
install, which missed nothing, the first digest is the next one on time).
"""

from __future__ import annotations

import statistics
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import clock
from bot.publish import keys
from bot.publish.once import post_once, upload_once
from bot.rules.volume import HOUR
from bot.services import Services
from bot.slack.blockkit import Message
from bot.slack.gateway import SlackError
from bot.views import chart
from bot.views import digest as views
from bot.views.digest import Digest
from bot.words import i18n
from bot.words.i18n import _
from bot.words.text import cut

LATE_AFTER_SECONDS = 15 * 60
FIGURES_DAYS = 30
CHART_CRISES = 7


def latest_slot(now: int, at: time, zone: ZoneInfo) -> datetime:
    """The most recent moment the digest was due, at or before `now` (as a local datetime)."""
    local = datetime.fromtimestamp(now, zone)
    today = datetime.combine(local.date(), at, tzinfo=zone)
    return today if today.timestamp() <= now else datetime.combine(local.date() - timedelta(days=1), at, tzinfo=zone)


def gather(services: Services, *, now: int, day: date, late: bool = False) -> Digest:
    """Everything the digest says, from a few aggregate queries."""
    reports = services.reports
    since = services.outbox.last_sent_at(keys.DIGEST_PREFIX, before=keys.digest(day)) or now - 24 * 3600
    window = now - FIGURES_DAYS * 24 * 3600
    times = reports.response_times_since(window)
    open_crises = reports.open_crises()
    closed = reports.closed_between(since, now + 1)
    followups = reports.open_followups()
    private = sorted(
        {c.id for c in open_crises if c.is_private}
        | {c.id for c in closed if c.is_private}
        | {f.crisis_id for f in followups if f.is_private}
    )
    return Digest(
        day=day,
        now=now,
        since=since,
        late=late,
        open=open_crises,
        opened_since=reports.opened_between(since, now + 1),
        closed_since=closed,
        followups=followups,
        median_acknowledge=_median([a for a, _resolve in times]),
        median_resolve=_median([r for _acknowledge, r in times]),
        by_category=reports.categories_since(window),
        ack_sla_seconds=services.config.ack_sla_minutes * 60,
        stall_seconds=services.config.stall_hours * 3600,
        members=reports.participants_of(private),
        updates=services.updates.latest_of(c.id for c in open_crises),
        volume=services.mentions.now_and_peak(
            since=min((c.opened_at for c in open_crises), default=now) - services.config.baseline_hours * HOUR,
            now=now,
        ),
    )


def _median(values: list[int | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def today(services: Services, now: int) -> date:
    return datetime.fromtimestamp(now, services.config.digest_tz).date()


def render(services: Services, digest: Digest, *, viewer: str | None = None) -> Message:
    return views.digest_message(digest, viewer=viewer, web_base=web_base(services.config.api_url))


def web_base(api_url: str) -> str:
    """Slack's web address for links into channels, from the Web API's (GovSlack included)."""
    return api_url.rstrip("/").removesuffix("/api")


def send_due(services: Services, *, now: int) -> int:
    """The scheduler's job: post the digest if one is due and not posted yet."""
    config = services.config
    if not config.digest_channel or config.digest_time is None:
        return 0
    slot = latest_slot(now, config.digest_time, config.digest_tz)
    key = keys.digest(slot.date())
    if services.outbox.settled([key]):
        return 0
    late = now - slot.timestamp() > LATE_AFTER_SECONDS
    tried = services.outbox.last_error(key) is not None  # and Slack refused it: not missed, just late
    if late and not tried and services.outbox.last_sent_at(keys.DIGEST_PREFIX, before=key) is None:
        return 0  # a fresh install missed nothing: its first digest is the next one on time
    digest = gather(services, now=now, day=slot.date(), late=late)
    if digest.quiet and config.digest_quiet == "skip":
        services.outbox.skip(key, config.digest_channel, now=now)
        return 0
    with i18n.speaking(config.digest_locale):  # management's language
        ts = post_once(services, key, config.digest_channel, render(services, digest), keep_trying=True)
        if ts is not None:
            share_day_chart(services, digest, config.digest_channel, ts)
    return int(ts is not None)


def share_day_chart(services: Services, digest: Digest, channel: str, ts: str) -> bool:
    """The day's chart of the open crises' mentions, in the digest's thread, once. Private
    crises are left out: the management channel sees only that they exist."""
    since = digest.now - 24 * HOUR
    public = [c for c in digest.open if not c.is_private and digest.volume.get(c.id)][:CHART_CRISES]
    series = {f"#{c.id} {cut(c.title, 40)}": services.mentions.per_hour(c.id, since, digest.now + 1) for c in public}
    series = {label: counts for label, counts in series.items() if counts}
    if not series:
        return False
    return upload_once(
        services,
        keys.digest_chart(digest.day),
        channel,
        filename=f"crisis-digest-{digest.day.isoformat()}.png",
        # Translators: the title Slack shows on the digest's chart file; {day} is a date such as 2026-12-01
        title=_("Mentions of the open crises, {day}").format(day=digest.day.isoformat()),
        content=chart.day(series, since=since, until=digest.now),
        comment=_("📈 Mentions per hour of the open crises over the last day."),
        thread_ts=ts,
    )


def send_today(services: Services) -> tuple[bool, str]:
    """Post today's digest now (`python app.py digest --send`) unless today's went out already.
    Returns whether it is in Slack (or being posted by another copy of the bot), and what
    happened in words for the person at the command line (in English, as the log is)."""
    now = clock.now()
    day = today(services, now)
    key = keys.digest(day)
    assert services.config.digest_channel
    if services.outbox.settled([key]):
        return True, f"The digest for {day} was posted already."
    digest = gather(services, now=now, day=day)
    with i18n.speaking(services.config.digest_locale):  # management's language
        ts = post_once(services, key, services.config.digest_channel, render(services, digest), keep_trying=True)
        if ts is not None:
            share_day_chart(services, digest, services.config.digest_channel, ts)
    if ts is not None:
        return True, f"The digest for {day} was posted."
    error = services.outbox.last_error(key)
    if error is None:
        return True, f"The digest for {day} is being posted by another copy of the bot right now."
    reason = SlackError("chat.postMessage", error).explain()
    return False, f"The digest for {day} was not posted: {reason}. Is the bot in DIGEST_CHANNEL?"
