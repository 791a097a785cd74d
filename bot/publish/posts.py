"""Posts that follow a stored change, delivered exactly once even across crashes.

The transaction that stores a change also enqueues the posts it calls for (storage.outbox).
Right after, the flow delivers them here; if the process dies first, the scheduler's sweep
finds them pending and delivers them the same way. Every post is rebuilt from the stored state
by its key, so the normal path and the recovery are one piece of code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot import clock
from bot.publish import keys, record
from bot.publish.once import STALE_AFTER_SECONDS, post_once
from bot.services import Services
from bot.slack.blockkit import Message
from bot.views import closing as closing_views
from bot.views import war_room as war_room_views
from storage.closures import ClosureFacts
from storage.outbox import Posts
from storage.steps import StepChange

log = logging.getLogger(__name__)

SWEEP_GRACE_SECONDS = 60  # a post enqueued this recently is probably being delivered right now


@dataclass(frozen=True)
class Post:
    channel: str
    message: Message
    thread_ts: str | None = None


def _step_note(services: Services, event_id: int) -> Post | None:
    event = services.timeline.event(event_id)
    crisis = services.crises.get(event.crisis_id) if event else None
    if event is None or crisis is None or not crisis.channel_id:
        return None
    status = next(s for s in services.steps.of(crisis.id) if s.step.value == event.detail["step"])
    recorded = type(status)(
        status.step,
        type(status.state)(event.detail["new"]),
        status.version,
        event.actor,
        event.at,
        event.detail.get("reason"),
    )
    return Post(crisis.channel_id, war_room_views.step_note(recorded), thread_ts=crisis.checklist_ts)


def _settled(services: Services, event_id: int) -> Post | None:
    event = services.timeline.event(event_id)
    crisis = services.crises.get(event.crisis_id) if event else None
    if crisis is None or not crisis.channel_id:
        return None
    return Post(crisis.channel_id, war_room_views.all_settled_notice(crisis))


def _summary(services: Services, closure_id: int) -> Post | None:
    closure = services.closures.get(closure_id)
    crisis = services.crises.get(closure.crisis_id) if closure else None
    if closure is None or crisis is None or not crisis.channel_id:
        return None
    followups = [f for f in services.closures.followups(crisis.id) if f.closure_id == closure.id]
    return Post(crisis.channel_id, record.summary(services, crisis, closure, followups))


def _management(services: Services, closure_id: int) -> Post | None:
    closure = services.closures.get(closure_id)
    crisis = services.crises.get(closure.crisis_id) if closure else None
    if closure is None or crisis is None or not services.config.digest_channel:
        return None
    followups = [f for f in services.closures.followups(crisis.id) if f.closure_id == closure.id]
    return Post(services.config.digest_channel, closing_views.management_note(crisis, closure, followups))


def _followup(services: Services, followup_id: int) -> Post | None:
    followup = services.closures.followup(followup_id)
    crisis = services.crises.get(followup.crisis_id) if followup else None
    if followup is None or crisis is None:
        return None
    return Post(followup.owner_id, closing_views.followup_message(crisis, followup))


def for_step_change(change: StepChange) -> Posts:
    """What a stored step change publishes: its note in the checklist's thread and, when it is
    the change that settled all four steps, the notice inviting the owner to close."""
    if not change.channel:
        return ()
    settled = change.all_settled_after and not change.all_settled_before
    kinds = (keys.STEP_NOTE, keys.SETTLED) if settled else (keys.STEP_NOTE,)
    return [(keys.key(kind, change.event_id), change.channel) for kind in kinds]


def for_closure(management_channel: str | None) -> Callable[[ClosureFacts], Posts]:
    """What a closing publishes: the summary in the war room, the note to management, a DM to
    each follow-up's owner."""

    def posts(facts: ClosureFacts) -> Posts:
        found = [(keys.key(keys.SUMMARY, facts.closure_id), facts.channel)] if facts.channel else []
        if management_channel:
            found.append((keys.key(keys.MANAGEMENT, facts.closure_id), management_channel))
        return found + [(keys.key(keys.FOLLOWUP, followup), owner) for followup, owner in facts.followups]

    return posts


BUILDERS: dict[str, Callable[[Services, int], Post | None]] = {
    keys.STEP_NOTE: _step_note,
    keys.SETTLED: _settled,
    keys.SUMMARY: _summary,
    keys.MANAGEMENT: _management,
    keys.FOLLOWUP: _followup,
}


def deliver(services: Services, key: str) -> str | None:
    """Post what `key` stands for unless it went out already; returns the ts when this call
    posted it. A post whose subject no longer exists is settled as failed."""
    parsed = keys.parse(key)
    builder = BUILDERS.get(parsed[0]) if parsed else None
    if parsed is None or builder is None:
        return None
    post = builder(services, parsed[1])
    if post is None:
        services.outbox.failed(key, error="nothing to post", now=clock.now())
        return None
    return post_once(services, key, post.channel, post.message, thread_ts=post.thread_ts)


def sweep(services: Services, *, now: int) -> int:
    """Deliver the posts a crash left pending (or claimed and never finished)."""
    unfinished = services.outbox.unfinished(
        pending_before=now - SWEEP_GRACE_SECONDS, sending_before=now - STALE_AFTER_SECONDS
    )
    delivered = 0
    for key in unfinished:
        if (keys.parse(key) or ("", 0))[0] in BUILDERS:
            delivered += deliver(services, key) is not None
    return delivered
