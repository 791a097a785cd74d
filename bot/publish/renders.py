"""Re-rendering the war room's pinned header and checklist from the stored state.

The stored state is the truth: these messages are never patched, only rendered again. The
checklist is re-rendered until what Slack shows is current, since another change (in this or
another process) may land while Slack is updating it. Both are in the team's language, whoever's
change re-renders them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot import clock
from bot.model import Crisis, StepStatus, Update
from bot.publish import figures
from bot.publish.outgoing import for_the_team
from bot.rules import checklist
from bot.rules.updates import promise, shown_promise
from bot.rules.volume import Figures
from bot.services import Services
from bot.slack.blockkit import Message
from bot.slack.gateway import SlackError
from bot.views import war_room as views
from bot.views.updates import promise_line

log = logging.getLogger(__name__)

RENDER_ATTEMPTS = 5
VOLUME_REFRESH_SECONDS = 300
QUIET_SECONDS = 60  # a change younger than this may still be rendering


def refresh_checklist(services: Services, crisis_id: int) -> None:
    """Re-render the checklist message from the stored state until what Slack shows is current.
    While another thread of this process is at it, it is asked to go round once more instead."""
    services.renders.run(("checklist", crisis_id), lambda: _render_checklist(services, crisis_id))


def _render_checklist(services: Services, crisis_id: int) -> None:
    for _ in range(RENDER_ATTEMPTS):
        before = services.steps.version(crisis_id)
        crisis = services.crises.get(crisis_id)
        if crisis is None or crisis.channel_id is None or crisis.checklist_ts is None:
            return
        with for_the_team(services, crisis):
            message = views.checklist(crisis, services.steps.of(crisis_id))
        try:
            services.slack.update(crisis.channel_id, crisis.checklist_ts, message)
        except SlackError as error:
            if error.code != "message_not_found":
                log.warning("crisis %s: could not update the checklist: %s", crisis_id, error)
                return
            # Someone deleted it: post it again and remember the new one.
            services.crises.set_checklist_ts(crisis_id, services.slack.post(crisis.channel_id, message))
        after = services.crises.get(crisis_id)
        if services.steps.version(crisis_id) == before and after is not None and after.status is crisis.status:
            services.crises.rendered(crisis_id, checklist=checklist_key(before, crisis))
            return
    log.warning("crisis %s: the checklist kept changing while it was being updated", crisis_id)


@dataclass(frozen=True)
class HeaderFacts:
    """What the pinned header shows besides the crisis itself, as the store has it at one
    moment: the header is drawn from the crisis and these (`draw_header`), and nothing else."""

    closable: bool  # the Close crisis button: open, and all four steps settled
    figures: Figures
    feeds: int
    promise: str  # the next stakeholder update, as promise_line words it at that moment


def header_facts(
    services: Services, crisis: Crisis, steps: Sequence[StepStatus], *, latest: Update | None, now: int
) -> HeaderFacts:
    """The header's facts at `now`, for a crisis with these `steps` and `latest` update."""
    return HeaderFacts(
        closable=crisis.is_open and checklist.all_settled(steps),
        figures=figures.of_crisis(services, crisis, now=now),
        feeds=len(services.feeds.of(crisis.id)),
        promise=promise_line(latest, promise(latest, now), now),
    )


def header(services: Services, crisis: Crisis, *, latest: Update | None = None, now: int | None = None) -> Message:
    """The pinned header as the stored state has it now: the volume figures, what is tracked,
    the Close crisis button while the crisis is open and settled, and the promise of the next
    stakeholder update after `latest` (the crisis's latest, unless given)."""
    now = clock.now() if now is None else now
    latest = services.updates.latest(crisis.id) if latest is None else latest
    return draw_header(crisis, header_facts(services, crisis, services.steps.of(crisis.id), latest=latest, now=now))


def draw_header(crisis: Crisis, facts: HeaderFacts) -> Message:
    """The header from the crisis and its facts alone, so what it shows is known by them
    (bot.flows.status keeps its answers by them)."""
    return views.header(
        crisis, closable=facts.closable, figures=facts.figures, feeds=facts.feeds, promise=facts.promise
    )


def refresh_header(services: Services, crisis_id: int) -> None:
    """Re-render the pinned header: the volume, the Close crisis button while the crisis is open
    and settled, and when the next stakeholder update is due. Raises SlackError for the caller
    to report."""
    crisis = services.crises.get(crisis_id)
    if crisis is None or crisis.channel_id is None or crisis.header_ts is None:
        return
    settled = checklist.all_settled(services.steps.of(crisis_id))
    latest, now = services.updates.latest(crisis_id), clock.now()
    with for_the_team(services, crisis):
        message = header(services, crisis, latest=latest, now=now)
    services.slack.update(crisis.channel_id, crisis.header_ts, message)
    services.crises.rendered(crisis_id, header=header_key(crisis, settled))
    services.crises.volume_rendered(crisis_id, volume_key(message), at=now)
    services.updates.rendered_promise(crisis_id, shown_promise(latest, now))


def volume_key(message: Message) -> str:
    """What a header shows of the volume and the tracking, as sweep_volume compares it."""
    blocks = {b.block_id: b for b in message.blocks}
    return str(blocks["volume"].to_dict()) + str(blocks["meta"].to_dict())


def sweep_volume(services: Services, *, now: int) -> int:
    """The scheduler's job: re-render the headers whose volume figures changed, each at most
    once every VOLUME_REFRESH_SECONDS (chat.update is rate-limited, mentions are not)."""
    refreshed = 0
    for crisis_id, (shown, at) in services.crises.volume_shown().items():
        if at is not None and now - at < VOLUME_REFRESH_SECONDS:
            continue
        crisis = services.crises.get(crisis_id)
        if crisis is None:
            continue
        with for_the_team(services, crisis):  # as refresh_header draws it
            drawn = volume_key(header(services, crisis))
        if drawn == shown:
            continue
        try:
            refresh_header(services, crisis_id)
            refreshed += 1
        except SlackError as error:
            log.warning("crisis %s: could not update the header's volume: %s", crisis_id, error)
    return refreshed


def checklist_key(version: int, crisis: Crisis) -> str:
    """What a rendered checklist shows, as storage.crises.stale_renders compares it."""
    return f"{version}:{crisis.status.value}"


def header_key(crisis: Crisis, all_settled: bool) -> str:
    """What a rendered header shows, as storage.crises.stale_renders compares it."""
    return f"{crisis.owner_id}|{crisis.status.value}|{int(all_settled)}|{crisis.customer_handle}"


def sweep(services: Services, *, now: int) -> int:
    """The scheduler's job: re-render war-room messages a crash (or a failed Slack call) left
    showing an older state than the stored one."""
    checklists, headers = services.crises.stale_renders(quiet_since=now - QUIET_SECONDS, closed_since=now - 24 * 3600)
    for crisis_id in checklists:
        refresh_checklist(services, crisis_id)
    for crisis_id in headers:
        try:
            refresh_header(services, crisis_id)
        except SlackError as error:
            log.warning("crisis %s: could not update the header: %s", crisis_id, error)
    return len(checklists) + len(headers)
