"""Stakeholder updates: the owner "reports to the rest of the company" (the playbook), on a
promised rhythm, instead of the company asking in the war room.

An update is stored, with everywhere it goes and those posts enqueued, before the form closes
(`submit`); `deliver` then posts it to every channel and follower at once through the outbox, so
a retried or double submission stores one update, and a crash or a failed Slack call leaves it
stored and delivered later by the scheduler, never twice. Closing sends a final update from the
closing summary (`send_final`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.models.views import View

from bot import clock, publish
from bot.flows import access
from bot.flows.opening import Invalid
from bot.model import Closure, Crisis, NewUpdate, NextUpdate
from bot.publish import keys
from bot.rules import updates as rules
from bot.services import Services
from bot.slack.gateway import SlackError
from bot.slack.ids import Field
from bot.views import updates as views
from bot.words.i18n import _, ngettext
from bot.words.text import clean, one_line
from storage.updates import Audience, UpdatePost

log = logging.getLogger(__name__)

FINAL_SWEEP_SECONDS = 24 * 3600  # closings this recent get their final update after a crash


def followers(services: Services, crisis: Crisis) -> list[str]:
    """Who follows the crisis now (the owner and responders unless they unfollowed)."""
    members = services.crises.participants(crisis.id) if crisis.is_private else ()
    defaults = [crisis.owner_id, *services.crises.responders(crisis.id)]
    return rules.followers(defaults, services.followers.choices(crisis.id), crisis, members)


def audience(services: Services, crisis: Crisis, author: str) -> Audience:
    """Where an update by `author` goes: the war room, the stakeholder channels (but those it
    could not reach before) and every follower but the author."""
    unreachable = publish.unreachable(services, crisis.id)
    channels = tuple(
        c for c in rules.stakeholder_channels(services.config.stakeholder_channels, crisis) if c not in unreachable
    )
    people = tuple(u for u in followers(services, crisis) if u != author)
    return Audience(room=crisis.channel_id, channels=channels, people=people)


def form(services: Services, crisis: Crisis, actor: str) -> View:
    """The update form, pre-filled from the previous update, saying who it will reach."""
    reach = audience(services, crisis, actor)
    return views.update_modal(
        crisis,
        services.updates.latest(crisis.id, typed=True),
        channels=len(reach.channels),
        followers=len(reach.people),
        everyone=rules.may_notify_everyone(crisis, actor),
        zone=services.config.digest_tz.key,
    )


def validate(services: Services, values: dict[str, Any], crisis: Crisis, actor: str) -> NewUpdate | Invalid:
    """The form's values, or what to fix in each field. What people typed stays their text:
    it is cleaned and limited here, and escaped wherever it is shown."""
    errors: dict[str, str] = {}
    status = one_line(values.get(Field.UPDATE_STATUS.value))
    if not status:
        # Translators: under the status field of the stakeholder update form; "Contained" is an example status
        errors[Field.UPDATE_STATUS.value] = _("Say where it stands in a few words, e.g. Contained.")
    elif len(status) > views.STATUS_MAX:
        errors[Field.UPDATE_STATUS.value] = ngettext(
            "Keep the status under {n} character.", "Keep the status under {n} characters.", views.STATUS_MAX
        ).format(n=views.STATUS_MAX)
    texts = {}
    for field, limit, required in (
        (Field.KNOWN, views.KNOWN_MAX, _("Say what we know so far, even if it is little.")),
        (Field.DOING, views.DOING_MAX, _("Say what we are doing about it.")),
        (Field.NEED, views.NEED_MAX, None),
    ):
        texts[field] = clean(values.get(field.value))
        if required and not texts[field]:
            errors[field.value] = required
        elif len(texts[field]) > limit:
            errors[field.value] = ngettext(
                "Keep this under {n} character.", "Keep this under {n} characters.", limit
            ).format(n=limit)
    try:
        next_update = NextUpdate(values.get(Field.NEXT_UPDATE.value) or "")
    except ValueError:
        next_update = None
        errors[Field.NEXT_UPDATE.value] = _("Say when the next update comes, or that none will.")
    everyone = "everyone" in (values.get(Field.EVERYONE.value) or [])
    if everyone and not rules.may_notify_everyone(crisis, actor):
        errors[Field.UPDATE_STATUS.value] = _("Only the owner of a critical crisis can notify everyone.")
    if errors or next_update is None:
        return Invalid(errors)
    return NewUpdate(
        status=status,
        known=texts[Field.KNOWN],
        doing=texts[Field.DOING],
        need=texts[Field.NEED],
        next=next_update,
        next_due=rules.due_at(next_update, clock.now(), services.config.digest_tz),
        notify_everyone=everyone,
    )


def submit(
    services: Services, crisis: Crisis, new: NewUpdate, *, actor: str, request_key: str
) -> tuple[int, bool] | Invalid:
    """Store the update with where it goes, before the form closes. Returns its id and whether
    this call stored it (a resent form returns the update stored the first time). A database
    that cannot take it raises StorageError, and the form stays open with what was typed."""
    refusal = access.update_refusal(services, crisis, actor)  # the crisis the form names, as stored now
    if refusal:
        return Invalid({Field.UPDATE_STATUS.value: refusal})
    stored = services.updates.create(  # StorageError keeps the form open (handlers.plumbing.guarded)
        crisis.id,
        new,
        audience(services, crisis, actor),
        author=actor,
        at=clock.now(),
        request_key=request_key,
        posts=publish.for_update,
    )
    return stored.update.id, stored.created


def deliver(services: Services, update_id: int, *, header: bool = True) -> None:
    """Post a stored update everywhere at once: each channel's card (posted, or edited to show
    it) with the update in its thread, and each follower's DM; then (with `header`) the header's
    promise. All through the outbox: whatever fails for now is delivered by the scheduler later."""
    posts = services.updates.posts(update_id)
    update = services.updates.get(update_id)
    jobs: list[Callable[[], object]] = [lambda p=p: _to_card(services, p) for p in posts if p.card_id]
    jobs += [lambda p=p: _deliver(services, keys.key(keys.UPDATE_POST, p.id)) for p in posts if not p.card_id]
    list(services.fanout.map(lambda job: job(), jobs))
    if header and update is not None:
        try:
            publish.refresh_header(services, update.crisis_id)
        except SlackError as error:
            log.warning("crisis %s: could not update the header: %s", update.crisis_id, error)


def _to_card(services: Services, post: UpdatePost) -> None:
    """A card's first message (when this update made the card), then the card settled (showing
    this update), then the update in its thread."""
    _deliver(services, keys.key(keys.UPDATE_CARD, post.card_id or 0))
    publish.settle_card(services, post.card_id or 0)
    _deliver(services, keys.key(keys.UPDATE_POST, post.id))


def _deliver(services: Services, key: str) -> None:
    try:
        publish.deliver(services, key)
    except Exception:  # one bad post never stops the others; it stays pending for the sweep
        log.exception("could not deliver %s", key)


def send_final(services: Services, closure: Closure) -> None:
    """The final update of a closing, from its closing summary, to the same audience as every
    update (stored once per closing, whoever calls this first)."""
    crisis = services.crises.of(closure)
    if crisis is None or crisis.is_open:
        return
    # Stored as the final update's status, in the language of whoever closed the crisis (shown
    # wherever the update's status is, the next update form's pre-filled status included).
    # Translators: the status of the final stakeholder update, sent when a crisis closes
    new = NewUpdate(status=_("Closed"), known="", doing="", need="", next=NextUpdate.NONE, next_due=None)
    stored = services.updates.create(
        crisis.id,
        new,
        audience(services, crisis, closure.closed_by),
        author=closure.closed_by,
        at=closure.closed_at,
        request_key=f"final:{closure.id}",
        closure_id=closure.id,
        posts=publish.for_update,
    )
    deliver(services, stored.update.id, header=False)  # a closed crisis's header promises nothing


def finish_finals(services: Services, *, now: int) -> int:
    """The scheduler's job: the final update of a closing whose announcement a crash cut short."""
    closures = services.updates.closings_without_final(since=now - FINAL_SWEEP_SECONDS)
    for closure_id in closures:
        closure = services.closures.get(closure_id)
        if closure is not None:
            send_final(services, closure)
    return len(closures)


def final_settled_in_room(services: Services, closure: Closure) -> bool:
    """Whether the closing's final update went to the war room (or failed for good), so that
    archiving it may go ahead: an archived channel takes no more messages."""
    final = services.updates.final_of(closure.id)
    crisis = services.crises.of(closure)
    if final is None:  # still to come, unless the closing is older than the final updates sent after a crash
        return clock.now() - closure.closed_at > FINAL_SWEEP_SECONDS
    if crisis is None:
        return False
    room = [
        keys.key(keys.UPDATE_POST, p.id) for p in services.updates.posts(final.id) if p.channel == crisis.channel_id
    ]
    return len(services.outbox.settled(room)) == len(room)
