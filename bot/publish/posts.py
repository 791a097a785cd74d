"""Posts that follow a stored change, delivered exactly once even across crashes.

The transaction that stores a change also enqueues the posts it calls for (storage.outbox).
Right after, the flow delivers them here; if the process dies first, the scheduler's sweep
finds them pending and delivers them the same way. Every post is rebuilt from the stored state
by its key, so the normal path and the recovery are one piece of code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot import clock
from bot.model import WATCH, Crisis, Draft, DraftState, StepState
from bot.publish import keys, record
from bot.publish import updates as update_posts
from bot.publish.once import STALE_AFTER_SECONDS, post_once
from bot.publish.outgoing import Later, NotReady, Post, for_management, for_the_team
from bot.services import Services
from bot.slack.blockkit import Message
from bot.slack.gateway import SlackError
from bot.templates import Kind
from bot.views import closing as closing_views
from bot.views import drafts as draft_views
from bot.views import updates as update_views
from bot.views import volume as volume_views
from bot.views import war_room as war_room_views
from storage.closures import ClosureFacts, ReopenFacts
from storage.crises import MoveFacts, OwnerChange
from storage.outbox import Posts
from storage.steps import StepChange
from storage.timeline import Event

log = logging.getLogger(__name__)

SWEEP_GRACE_SECONDS = 60  # a post enqueued this recently is probably being delivered right now


def _event(services: Services, event_id: int) -> tuple[Event, Crisis] | tuple[None, None]:
    event = services.timeline.event(event_id)
    crisis = services.crises.of(event)
    return (event, crisis) if event and crisis else (None, None)


def _once_back(services: Services, event_id: int) -> tuple[Event, Crisis] | tuple[None, None]:
    """Like `_event`, for posts about a reopening: they wait until the crisis has a working
    war room again, so they go to, and link, the room the team is in."""
    event, crisis = _event(services, event_id)
    if crisis is not None and (crisis.archived_room or not crisis.channel_id or not crisis.checklist_ts):
        raise NotReady
    return event, crisis


def _step_note(services: Services, event_id: int) -> Post | None:
    event, crisis = _event(services, event_id)
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
    with for_the_team(services, crisis):
        return Post(crisis.channel_id, war_room_views.step_note(recorded), thread_ts=crisis.checklist_ts)


def _settled(services: Services, event_id: int) -> Post | None:
    _, crisis = _event(services, event_id)
    if crisis is None or not crisis.channel_id:
        return None
    with for_the_team(services, crisis):
        return Post(crisis.channel_id, war_room_views.all_settled_notice(crisis))


def _summary(services: Services, closure_id: int) -> Post | None:
    closure = services.closures.get(closure_id)
    crisis = services.crises.of(closure)
    if closure is None or crisis is None or not crisis.channel_id:
        return None
    followups = [f for f in services.closures.followups(crisis.id) if f.closure_id == closure.id]
    with for_the_team(services, crisis):
        return Post(crisis.channel_id, record.summary(services, crisis, closure, followups))


def _management(services: Services, closure_id: int) -> Post | None:
    closure = services.closures.get(closure_id)
    crisis = services.crises.of(closure)
    if closure is None or crisis is None or not services.config.digest_channel:
        return None
    followups = [f for f in services.closures.followups(crisis.id) if f.closure_id == closure.id]
    with for_management(services):
        note = closing_views.management_note(crisis, closure, followups, follow=update_views.follow_button(crisis))
        return Post(services.config.digest_channel, note)


def _followup(services: Services, followup_id: int) -> Post | None:
    followup = services.closures.followup(followup_id)
    crisis = services.crises.of(followup)
    if followup is None or crisis is None:
        return None
    with services.reading(followup.owner_id):
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


def _handover(services: Services, event_id: int) -> Post | None:
    event, crisis = _event(services, event_id)
    if event is None or crisis is None or not crisis.channel_id:
        return None
    with for_the_team(services, crisis):
        note = war_room_views.handover_note(event.detail["new"], event.detail["old"], event.actor)
        return Post(crisis.channel_id, note)


def _handover_dm(services: Services, event_id: int) -> Post | None:
    event, crisis = _event(services, event_id)
    if event is None or crisis is None:
        return None
    with services.reading(event.detail["new"]):
        return Post(event.detail["new"], war_room_views.owner_notice(crisis, handed_over_by=event.actor))


def _reopened(services: Services, event_id: int) -> Post | None:
    event, crisis = _once_back(services, event_id)
    if event is None or crisis is None or not crisis.channel_id:
        return None
    with for_the_team(services, crisis):
        message = closing_views.reopened(crisis, event.actor or "", event.detail.get("reason") or "")
        return Post(crisis.channel_id, message)


def _reopening(services: Services, event_id: int) -> Post | None:
    event, crisis = _once_back(services, event_id)
    if event is None or crisis is None or not services.config.digest_channel:
        return None
    reason = event.detail.get("reason") or ""
    with for_management(services):
        message = closing_views.management_reopened(crisis, event.actor or "", reason)
        return Post(services.config.digest_channel, message)


def _continued(services: Services, event_id: int) -> Post | None:
    event, crisis = _once_back(services, event_id)
    if event is None or crisis is None or not crisis.channel_id:
        return None
    closure = services.closures.latest(crisis.id)
    with for_the_team(services, crisis):
        message = closing_views.continued(
            crisis, event.detail["from"], record.story(services, crisis), closure.lessons if closure else None
        )
        return Post(crisis.channel_id, message)


def _tick_offer(services: Services, draft_id: int) -> Post | None:
    draft = services.drafts.get(draft_id)
    crisis = services.crises.of(draft)
    step = Kind(draft.kind).step if draft else None
    if crisis is None or step is None or not crisis.channel_id:
        return None
    with for_the_team(services, crisis):
        return Post(crisis.channel_id, draft_views.tick_offer(crisis, step), thread_ts=crisis.checklist_ts)


def for_approval(services: Services) -> Callable[[Draft], Posts]:
    """What deciding on a draft publishes: once a reply is approved while its step is still
    open, the offer to mark that step done (the draft message itself is re-rendered)."""

    def posts(draft: Draft) -> Posts:
        step = Kind(draft.kind).step
        if draft.state is not DraftState.APPROVED or step is None:
            return ()
        crisis = services.crises.of(draft)
        pending = services.steps.of(draft.crisis_id)[step.value - 1].state is StepState.PENDING
        return (
            [(keys.key(keys.TICK_OFFER, draft.id), crisis.channel_id)]
            if pending and crisis and crisis.channel_id
            else ()
        )

    return posts


def for_handover(change: OwnerChange) -> Posts:
    """What a hand-over publishes: a note in the war room, and a DM to the new owner."""
    note = [(keys.key(keys.HANDOVER, change.event_id), change.channel)] if change.channel else []
    return note + [(keys.key(keys.HANDOVER_DM, change.event_id), change.new_owner)]


def for_reopen(management_channel: str | None) -> Callable[[ReopenFacts], Posts]:
    """What a reopening publishes: why, in the war room, and a note to management (both once
    the war room is back, wherever it is then)."""

    def posts(facts: ReopenFacts) -> Posts:
        found = [(keys.key(keys.REOPENED, facts.event_id), facts.channel)] if facts.channel else []
        if management_channel:
            found.append((keys.key(keys.REOPENING, facts.event_id), management_channel))
        return found

    return posts


def for_move(facts: MoveFacts) -> Posts:
    """What moving on from an archived war room publishes: the story so far, in the new room
    (the outbox row names the old one: the new one does not exist yet)."""
    return [(keys.key(keys.CONTINUED, facts.event_id), facts.previous_channel)]


class Enqueued:
    """Decides what a change publishes (as storage asks, inside its transaction) and remembers
    it, so the flow delivers exactly that list right after."""

    def __init__(self, decide: Callable[[Any], Posts]) -> None:
        self.decide = decide
        self.posts: Posts = ()

    def __call__(self, facts: Any) -> Posts:
        self.posts = list(self.decide(facts))
        return self.posts


def deliver_reporting(services: Services, posts: Posts, what: Callable[[str], str], problems: list[str]) -> None:
    """Deliver posts a change enqueued, adding to `problems`, as a person reads it, each that
    Slack refused for good (one refused for now stays pending: the scheduler tries again)."""
    for key, _ in posts:
        deliver(services, key)
        error = services.outbox.failure(key)
        if error:
            problems.append(SlackError("chat.postMessage", error).could_not(what(key)))


def _spike(services: Services, spike_id: int) -> Post | None:
    spike = services.spikes.get(spike_id)
    channel = services.config.listening_channel
    if spike is None or not channel:
        return None
    latest = services.mentions.latest_links(WATCH, volume_views.LINKS_SHOWN)
    with for_the_team(services):  # the listening channel: no crisis's own
        message = volume_views.spike_alert(
            spike.id, spike.count, spike.baseline, latest, services.config.watch_keywords
        )
        return Post(channel, message)


BUILDERS: dict[str, Callable[[Services, int], Post | Later | None]] = {
    keys.STEP_NOTE: _step_note,
    keys.SETTLED: _settled,
    keys.SUMMARY: _summary,
    keys.MANAGEMENT: _management,
    keys.FOLLOWUP: _followup,
    keys.HANDOVER: _handover,
    keys.HANDOVER_DM: _handover_dm,
    keys.REOPENED: _reopened,
    keys.REOPENING: _reopening,
    keys.CONTINUED: _continued,
    keys.TICK_OFFER: _tick_offer,
    keys.SPIKE: _spike,
    **update_posts.BUILDERS,
}


def show(
    services: Services,
    channel: str,
    message: Message,
    *,
    thread_ts: str | None = None,
    key: str | None = None,
    posted_since: int | None = None,
) -> str:
    """Post what no stored change calls for: a template someone asked to see, a draft put up for
    approval, a war-room set-up task's message (the set-up's task table records its ts, and
    its `key` finds the one an earlier try posted `posted_since`, so it is made once). Returns
    the ts; raises SlackError for the caller to explain."""
    return services.slack.post(channel, message, thread_ts=thread_ts, key=key, posted_since=posted_since)


def answer(services: Services, user_id: str, reply_url: str | None, message: Message) -> None:
    """A private answer to the person who asked: through their request's response_url when it
    has one, else by DM. Failing to answer is logged, never raised: what they asked for is done."""
    try:
        if reply_url:
            services.slack.respond(reply_url, message)
        else:
            services.slack.post(user_id, message)
    except SlackError as error:
        log.warning("could not answer %s: %s", user_id, error)


def share_file(
    services: Services,
    channel: str,
    *,
    filename: str,
    title: str,
    content: str | bytes,
    comment: str,
    thread_ts: str | None = None,
) -> None:
    """Upload a file someone asked for (a post-mortem, a chart) to a channel or a thread.
    Raises SlackError for the caller to explain."""
    services.slack.upload(
        channel, filename=filename, title=title, content=content, comment=comment, thread_ts=thread_ts
    )


def deliver(services: Services, key: str) -> str | None:
    """Post what `key` stands for unless it went out already; returns the ts when this call
    posted it. A post whose subject no longer exists is settled as failed; one that cannot be
    made yet (its war room is not back, or its thread's first message is not posted) stays
    pending. Its builder writes it in its readers' language (bot.publish.outgoing), not in
    that of whoever's request delivers it."""
    parsed = keys.parse(key)
    builder = BUILDERS.get(parsed[0]) if parsed else None
    if parsed is None or builder is None:
        return None
    try:
        post = builder(services, parsed[1])
    except NotReady:
        return None
    if isinstance(post, Later):
        return None
    if post is None:
        services.outbox.failed(key, error="nothing to post", now=clock.now())
        return None
    return post_once(services, key, post.channel, post.message, thread_ts=post.thread_ts, broadcast=post.broadcast)


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
