"""Watching the crisis itself: the volume chart in the war room, the brand watch's spike
alert (spike → open), and the calm-down notice to the owner (cooling → close).

Everything is drawn from stored counts. Alerts and notices go through the outbox, so each
spike alerts once and each calm spell is told once, across restarts and several processes.
"""

from __future__ import annotations

from collections import Counter

from bot import clock, publish
from bot.model import WATCH, Crisis, DraftState, StepState
from bot.publish import figures, keys, record
from bot.publish.once import post_once
from bot.rules import volume as rules
from bot.rules.volume import HOUR
from bot.services import Services
from bot.slack.ids import OpenContext
from bot.views import chart
from bot.views import volume as views
from bot.words import i18n
from bot.words.i18n import _
from bot.words.links import normalise_link
from bot.words.text import one_line

COVERED_SHARE = 0.5  # an open crisis covers a spike when it counted at least half its mentions


def post_chart(services: Services, crisis: Crisis) -> None:
    """Upload the volume chart to the thread of the war room's header, with the latest links
    and the most active authors under it, in the war room's language (whoever asked). Raises
    SlackError for the caller to explain."""
    language = services.team_language(crisis.team_locale)
    now = clock.now()
    until = crisis.closed_at if crisis.closed_at and not crisis.is_open else now
    span = services.mentions.span(crisis.id)
    since = crisis.opened_at - services.config.baseline_hours * HOUR
    since = min(max(span[0], since), crisis.opened_at) if span else crisis.opened_at - HOUR
    size = chart.bucket_size(until - since)
    with i18n.speaking(language):
        if not chart.can_draw(_("Crisis #{number}: mentions over time")):
            language = i18n.SOURCE  # no font on this host draws the language's script: the image in English
    with i18n.speaking(language):
        png = chart.draw(
            # Translators: the title drawn on the volume chart image
            _("Crisis #{number}: mentions over time").format(number=crisis.id),
            services.mentions.buckets(crisis.id, since, until + 1, size),
            milestones(services, crisis),
            since=since,
            until=until,
            size=size,
        )
    with i18n.speaking(services.team_language(crisis.team_locale)):
        channel = crisis.channel_id or ""
        publish.share_file(
            services,
            channel,
            filename=f"crisis-{crisis.id}-volume.png",
            # Translators: the title Slack shows on the shared chart file
            title=_("Volume of crisis #{number}").format(number=crisis.id),
            content=png,
            comment=views.chart_comment(crisis),
            thread_ts=crisis.header_ts,
        )
        facts = views.chart_facts(
            crisis,
            services.mentions.latest_links(crisis.id, views.LINKS_SHOWN),
            services.mentions.top_authors(crisis.id, now - 24 * HOUR, views.AUTHORS_SHOWN),
            figures.of_crisis(services, crisis, now=now),
        )
        publish.show(services, channel, facts, thread_ts=crisis.header_ts)


def milestones(services: Services, crisis: Crisis) -> list[chart.Milestone]:
    """What the chart marks: the opening, each step done, each approved reply."""
    found = []
    for event in services.timeline.events(crisis.id):
        if event.kind == "opened":
            # Translators: a mark on the volume chart, where the crisis was opened
            found.append(chart.Milestone(event.at, _("opened")))
        elif event.kind == "step_changed" and event.detail.get("new") == StepState.DONE.value:
            # Translators: a mark on the volume chart; {step} is the checklist step's number
            found.append(chart.Milestone(event.at, _("step {step} done").format(step=event.detail.get("step"))))
        elif event.kind == "reply_approved":
            # Translators: a mark on the volume chart; {kind} is the kind of reply such as "Apology (step 2)"
            label = _("Reply approved: {kind}").format(kind=record.kind_label(event.detail.get("kind")))
            found.append(chart.Milestone(event.at, label))
        elif event.kind == "closed":
            # Translators: a mark on the volume chart, where the crisis was closed
            found.append(chart.Milestone(event.at, _("closed")))
    return found


def watch_spikes(services: Services, *, now: int) -> int:
    """The scheduler's job: when the brand watch's last hour jumps past SPIKE_FACTOR × its
    usual hour (and at least SPIKE_MIN_MENTIONS) and no open crisis covers it, record one
    spike and alert the listening channel once; a spike ends after an hour back below."""
    config = services.config
    count = services.mentions.total(WATCH, now - HOUR, now + 1)
    hours = config.baseline_hours
    baseline = services.mentions.total(WATCH, now - HOUR - hours * HOUR, now - HOUR) / hours
    spiking = rules.is_spike(count, baseline, factor=config.spike_factor, minimum=config.spike_min_mentions)
    current = services.spikes.current()
    if current is not None:
        services.spikes.calming(current.id, below=not spiking, at=now)
        if not spiking and current.below_since is not None and now - current.below_since >= HOUR:
            services.spikes.end(current.id, at=now)
        return 0
    if not spiking or not config.listening_channel or _covered(services, count, now):
        return 0
    channel = config.listening_channel
    spike = services.spikes.start(
        at=now, count=count, baseline=baseline, posts=lambda spike_id: [(keys.key(keys.SPIKE, spike_id), channel)]
    )
    if spike is None:
        return 0  # another process saw it first
    return int(publish.deliver(services, keys.key(keys.SPIKE, spike.id)) is not None)


def _covered(services: Services, count: int, now: int) -> bool:
    """Whether an open crisis already counts most of the watch's last hour. Which one is never
    said: it may be private."""
    return any(
        services.mentions.overlap(WATCH, crisis.id, now - HOUR, now + 1) >= COVERED_SHARE * count
        for crisis in services.crises.open_crises()
    )


def prefill(services: Services, spike_id: int) -> OpenContext:
    """What the open form starts with when opened from a spike alert: the latest post as the
    title and link, the spike's main platform, the watch keywords."""
    spike = services.spikes.get(spike_id)
    since = (spike.started_at if spike else clock.now()) - HOUR
    latest = services.mentions.latest_links(WATCH, 50)
    recent = [m for m in latest if m.at >= since] or latest
    words = services.config.watch_keywords
    # Without a post to name it after, the title is ours: stored as the crisis's title if kept.
    title = (
        one_line(recent[0].text)[:100]
        if recent and recent[0].text
        # Translators: the suggested title of a crisis opened from a spike alert; {keywords} are the
        # brand watch's keywords, separated by commas
        else _("Spike in mentions of {keywords}").format(keywords=", ".join(words))
    )
    platform = Counter(m.platform for m in recent).most_common(1)[0][0].value if recent else ""
    link = (normalise_link(recent[0].link) or "") if recent else ""  # what the form's link field accepts
    return OpenContext(title=title, link=link, platform=platform, keywords="\n".join(words))


def calm_due(services: Services, *, now: int) -> int:
    """The scheduler's job: tell each open crisis's owner once per calm spell that mentions
    have been near normal for CALM_HOURS, with what is still open before closing."""
    told = 0
    for crisis in services.crises.open_crises():
        if not crisis.channel_id:
            continue
        per_hour = figures.per_hour(services, crisis, now=now)
        facts = figures.of_crisis(services, crisis, now=now)
        hot = rules.calmed_down(per_hour, facts.baseline, now=now, calm_hours=services.config.calm_hours)
        if hot is None:
            continue
        key = keys.calm(crisis.id, hot)
        if services.outbox.settled([key]):
            continue
        pending = [s for s in services.steps.of(crisis.id) if s.state is StepState.PENDING]
        drafts = sum(1 for d in services.drafts.for_crisis(crisis.id) if d.state is DraftState.PENDING)
        message = views.calm_notice(crisis, facts, services.config.calm_hours, pending, drafts)
        told += post_once(services, key, crisis.channel_id, message) is not None
    return told
