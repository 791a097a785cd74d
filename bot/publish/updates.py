"""What a stakeholder update shows in Slack: a "latest update" card per channel (the war room's
pinned), the update in each card's thread, a DM to each follower, and the promise on the
header. Everything is rebuilt from the stored state by its outbox key, like every other post.

A card is posted once (its key), then only edited: `settle_card` records its ts, pins the war
room's, re-renders it until it shows the crisis's latest update, and tells the owner once when
it could not be posted (that channel is then left out of the crisis's later updates). The edit
always goes to the ts stored for that crisis and channel, so no retry edits another card.

The war room's card and thread are in the team's language, a stakeholder channel's in
DIGEST_LOCALE (management's), a follower's DM in the follower's (bot.publish.outgoing).
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager

from bot.model import Crisis, Update, UpdateCard
from bot.publish import keys
from bot.publish.once import post_once
from bot.publish.outgoing import LATER, Later, NotReady, Post, for_management, for_the_team
from bot.publish.renders import RENDER_ATTEMPTS, refresh_header
from bot.rules.updates import shown_promise
from bot.services import Services
from bot.slack.gateway import SlackError
from bot.views import updates as views
from bot.views.updates import Report
from storage.outbox import Posts
from storage.updates import UpdateStored

log = logging.getLogger(__name__)

QUIET_SECONDS = 60  # an update younger than this may still be on its way
CLOSED_RECENTLY = 24 * 3600


def for_update(stored: UpdateStored) -> Posts:
    """What a stored update publishes: the card of each channel it reaches for the first time,
    and the update itself in each card's thread and in each follower's DM."""
    cards = [(keys.key(keys.UPDATE_CARD, card), channel) for card, channel in stored.new_cards]
    return cards + [(keys.key(keys.UPDATE_POST, post.id), post.channel) for post in stored.posts]


def report(services: Services, crisis: Crisis, update: Update) -> Report:
    """The update as people read it; the final one from its closing."""
    closure = services.closures.get(update.closure_id) if update.closure_id else None
    if closure is None:
        return views.of_update(update)
    to_acknowledge, to_resolve = services.crises.response_times([crisis.id]).get(crisis.id, (None, None))
    followups = [f for f in services.closures.followups(crisis.id) if f.closure_id == closure.id]
    return views.final_report(update, crisis, closure, followups, to_acknowledge=to_acknowledge, to_resolve=to_resolve)


def _readers(services: Services, crisis: Crisis, card: UpdateCard | None) -> AbstractContextManager[None]:
    """Whose language a card and its thread are in: the war room's team, or management."""
    return for_the_team(services, crisis) if card is None or card.room else for_management(services)


def _card(services: Services, card_id: int) -> Post | None:
    """The card as first posted: with the update that first reached its channel (so a post
    recovered after a crash is known to show it); settle_card then catches up with later ones."""
    card = services.updates.card(card_id)
    crisis = services.crises.of(card)
    first = services.updates.first_for_card(card_id)
    if card is None or crisis is None or first is None:
        return None
    _wait_for_the_room(crisis, card.channel_id)
    with _readers(services, crisis, card):
        return Post(card.channel_id, views.card(crisis, report(services, crisis, first), room=card.room, now=first.at))


def _update_post(services: Services, post_id: int) -> Post | Later | None:
    post = services.updates.post(post_id)
    update = services.updates.get(post.update_id) if post else None
    crisis = services.crises.of(update)
    if post is None or update is None or crisis is None:
        return None
    if post.card_id is None:
        with services.reading(post.channel):  # a follower's DM
            return Post(post.channel, views.follower_dm(crisis, report(services, crisis, update), now=update.at))
    _wait_for_the_room(crisis, post.channel)
    card_key = keys.key(keys.UPDATE_CARD, post.card_id)
    thread = services.outbox.sent_ts(card_key)
    if thread is None:  # its card is not posted: failed for good (nothing to post), or not yet
        return None if services.outbox.failure(card_key) else LATER
    card = services.updates.card(post.card_id)
    everyone = update.notify_everyone and card is not None and not card.room
    with _readers(services, crisis, card):
        message = views.thread_reply(crisis, report(services, crisis, update), everyone=everyone, now=update.at)
        return Post(post.channel, message, thread_ts=thread, broadcast=everyone)


def _wait_for_the_room(crisis: Crisis, channel: str) -> None:
    """A reopened crisis's archived war room takes no messages until it is back (bot.flows.
    reopening): what goes there stays pending until then, like the reopening's own posts."""
    if crisis.is_open and crisis.archived_room == channel:
        raise NotReady


BUILDERS = {keys.UPDATE_CARD: _card, keys.UPDATE_POST: _update_post}


def settle_card(services: Services, card_id: int) -> None:
    """Finish what a card needs once its first message went out (or could not): remember its
    ts, pin the war room's, show the latest update, or tell the owner once why it failed."""
    card = services.updates.card(card_id)
    if card is None:
        return
    key = keys.key(keys.UPDATE_CARD, card.id)
    if card.ts is None and card.error is None:
        ts, error = services.outbox.sent_ts(key), services.outbox.failure(key)
        first = services.updates.first_for_card(card.id)
        if ts and first:
            services.updates.card_posted(card.id, ts, showing=first.id)
        elif error:
            services.updates.card_failed(card.id, error)
        card = services.updates.card(card_id) or card
    if card.error and not card.reported:
        _report_unreachable(services, card)
    if card.ts is None:
        return
    if card.room and not card.pinned:
        try:
            services.slack.pin(card.channel_id, card.ts)
            services.updates.pinned(card.id)
        except SlackError as error:
            log.warning("crisis %s: could not pin the update card: %s", card.crisis_id, error)
    services.renders.run(("card", card.id), lambda: _render_card(services, card.id))


def _render_card(services: Services, card_id: int) -> None:
    """Edit the card until it shows the latest update (one may land while Slack edits it)."""
    for _ in range(RENDER_ATTEMPTS):
        card = services.updates.card(card_id)
        crisis = services.crises.of(card)
        latest = services.updates.latest(crisis.id) if crisis else None
        if card is None or crisis is None or latest is None or card.ts is None or card.shown_update == latest.id:
            return
        if card.room and (card.channel_id != crisis.channel_id or crisis.archived_room == card.channel_id):
            return  # a war room the crisis moved on from, or one not back from the archive yet
        with _readers(services, crisis, card):
            message = views.card(crisis, report(services, crisis, latest), room=card.room, now=latest.at)
        try:
            services.slack.update(card.channel_id, card.ts, message)
        except SlackError as error:
            log.warning("crisis %s: could not edit the update card in %s: %s", crisis.id, card.channel_id, error)
            return
        services.updates.shown(card.id, latest.id)


def _report_unreachable(services: Services, card: UpdateCard) -> None:
    crisis = services.crises.of(card)
    if crisis is None:
        return
    key = keys.key(keys.UNREACHABLE, card.id)
    with services.reading(crisis.owner_id):  # a DM to the owner
        why = SlackError("chat.postMessage", card.error or "").explain()
        message = views.unreachable(crisis, card.channel_id, why)
    post_once(services, key, crisis.owner_id, message)
    if services.outbox.settled([key]):
        services.updates.card_reported(card.id)


def unreachable(services: Services, crisis_id: int) -> set[str]:
    """The channels this crisis's updates could not be posted to: left out of later updates."""
    return {c.channel_id for c in services.updates.cards(crisis_id) if c.error}


def sweep(services: Services, *, now: int) -> int:
    """The scheduler's job: finish cards a crash (or a failed Slack call) left half-done, and
    re-render headers whose promise moved on (a new update, one falling due, growing late)."""
    cards = services.updates.unsettled_cards(quiet_since=now - QUIET_SECONDS, closed_since=now - CLOSED_RECENTLY)
    for card in cards:
        settle_card(services, card.id)
    headers = [
        crisis_id
        for crisis_id, shown, latest in services.updates.promise_renders(quiet_since=now - QUIET_SECONDS)
        if shown != shown_promise(latest, now)  # None: a header from before updates, without their buttons
    ]
    for crisis_id in headers:
        try:
            refresh_header(services, crisis_id)
        except SlackError as error:
            log.warning("crisis %s: could not update the header: %s", crisis_id, error)
    return len(cards) + len(headers)
