"""Reopening a closed crisis, and giving its team a working war room again.

Closing may archive the war room, and archiving removes every member, the bot included: a bot
token then cannot unarchive it (Slack answers `not_in_channel`). So an archived war room comes
back in one of two ways. With SLACK_USER_TOKEN it is unarchived (the token's person brings the
bot in and leaves) and everyone is invited again. Without it, or when Slack refuses it (a
private room that person was never in), the crisis moves on to a new war room that continues
the old one: header, checklist and the story so far carried over, everyone who was in the old
room invited, the old room linked from the new one's purpose, header and first post and from
the note to management, and `/crisis status` answering in both.

Exactly once: reopening is a compare-and-set on the crisis's status, and bringing the room
back one on the stored archived room, in the transaction that marks the set-up unfinished; the
set-up's own tasks then make one channel, one header, one checklist. Whatever a crash
interrupts, the scheduler finishes (`finish_restores`, then the set-up and post sweeps).
"""

from __future__ import annotations

import logging

from bot import clock, publish
from bot.flows import war_room_setup
from bot.flows.closing import may_close
from bot.model import Crisis
from bot.publish import keys
from bot.publish.renders import refresh_checklist, refresh_header
from bot.services import Services
from bot.slack.gateway import SlackError, attempt
from bot.words import commands
from bot.words.i18n import _, ngettext

log = logging.getLogger(__name__)

REOPEN_REASON_MAX = 1000  # the reason goes on the record and into the war room's announcement
RESTORE_GRACE_SECONDS = 60  # a reopening this recent is probably bringing its war room back right now
REDO_AFTER_UNARCHIVING = ("invite",)  # archiving removed everyone: invite them again


def reopen_refusal(services: Services, crisis: Crisis, actor: str, reason: str, *, in_war_room: bool) -> str | None:
    """Why `actor` may not reopen this crisis with this reason (None when they may): the owner
    or an admin, with a reason that says why."""
    refusal = may_close(services, crisis, actor)
    if len(reason) > REOPEN_REASON_MAX:
        return ngettext(
            "Keep the reason under {n} character.", "Keep the reason under {n} characters.", REOPEN_REASON_MAX
        ).format(n=REOPEN_REASON_MAX)
    if refusal:
        return refusal
    if reason:
        return None
    if in_war_room:
        # Translators: "reason" in the command stands for the words the person types
        text = _("Say why crisis #{number} is reopened: `/crisis {reopen} reason`.")
    else:
        # Translators: "reason" in the command stands for the words the person types
        text = _("Say why crisis #{number} is reopened: `/crisis {reopen} {number} reason`.")
    return text.format(number=crisis.id, reopen=commands.alias("reopen"))


def reopen(
    services: Services,
    crisis: Crisis,
    *,
    actor: str,
    reason: str,
    response_url: str | None = None,
    request: str | None = None,
) -> str | None:
    """Reopen a closed crisis and give it a working war room, settling the stored `request`
    that asked for it (bot.flows.inbox). Returns what to tell the actor, or None when the war
    room's set-up report (at `response_url`) has told them already."""
    if crisis.is_open:
        return _("Crisis #{number} is open already.").format(number=crisis.id)
    posts = publish.Enqueued(publish.for_reopen(services.config.digest_channel))
    stored = services.closures.reopen(
        crisis.id, by=actor, at=clock.now(), reason=reason, response_url=response_url, posts=posts, request=request
    )
    if not stored:
        return _("Crisis #{number} is open already.").format(number=crisis.id)
    problems: list[str] = []
    try:
        reported = restore(services, crisis.id, problems)
    except SlackError as error:  # a passing failure: the scheduler brings the war room back later
        log.warning("crisis %s: could not bring the war room back yet: %s", crisis.id, error)
        # Translators: {why} is why Slack refused, such as "the channel is archived"
        text = _("Crisis #{number} is open again, but I could not bring its war room back yet: {why}. I keep trying.")
        return text.format(number=crisis.id, why=error.explain())
    # Translators: completes "I could not …"
    attempt(problems, _("update the pinned header"), lambda: refresh_header(services, crisis.id))
    refresh_checklist(services, crisis.id)
    publish.deliver_reporting(services, posts.posts, _what, problems)
    if problems:
        # Translators: {problems} is one or more sentences such as "I could not tell management: …."
        return _("Crisis #{number} is open again, but {problems}").format(number=crisis.id, problems=" ".join(problems))
    return None if reported else _("Crisis #{number} is open again.").format(number=crisis.id)


def _what(key: str) -> str:
    """What a reopening post is, completing "I could not …" when it fails."""
    if key.startswith(keys.REOPENING + ":"):
        # Translators: completes "I could not …"
        return _("tell management")
    # Translators: completes "I could not …"; "it" is the reopening
    return _("announce it in the war room")


def restore(services: Services, crisis_id: int, problems: list[str]) -> bool:
    """Bring back the archived war room of a reopened crisis, or move the crisis on to a new
    one, and run the set-up that calls for (which tells the reopener how it went). Returns
    False when there was nothing to bring back. Adds to `problems` what Slack refused for good;
    raises SlackError when it failed in passing (try again later)."""
    crisis = services.crises.get(crisis_id)
    if crisis is None or not crisis.is_open or not crisis.archived_room:
        return False
    archived, now = crisis.archived_room, clock.now()
    if _unarchive(services, archived):
        services.crises.unarchived(crisis_id, archived=archived, redo=REDO_AFTER_UNARCHIVING, at=now)
        war_room_setup.set_up(services, crisis_id)
        return True
    moved = publish.Enqueued(publish.for_move)
    services.crises.moved(crisis_id, archived=archived, at=now, posts=moved)
    war_room_setup.set_up(services, crisis_id)
    # Translators: completes "I could not …"; the story so far is the crisis's earlier messages
    story = _("post the story so far in the new war room")
    publish.deliver_reporting(services, moved.posts, lambda key: story, problems)
    return True


def _unarchive(services: Services, channel: str) -> bool:
    """Unarchive with the user token; False when there is none, or Slack refuses for good, so
    the crisis moves on to a new war room instead."""
    if not services.slack.can_unarchive:
        return False
    try:
        services.slack.unarchive(channel)
    except SlackError as error:
        if error.transient:
            raise
        log.warning("could not unarchive war room %s (%s): a new war room continues it", channel, error)
        return False
    return True


def finish_restores(services: Services, *, now: int) -> int:
    """The scheduler's job: bring back the war rooms of reopened crises that a crash or a
    passing Slack failure left archived."""
    crises = services.crises.rooms_to_restore(reopened_before=now - RESTORE_GRACE_SECONDS)
    for crisis in crises:
        problems: list[str] = []
        try:
            restore(services, crisis.id, problems)
        except SlackError as error:
            log.warning("crisis %s: could not bring the war room back yet: %s", crisis.id, error)
        for problem in problems:
            log.warning("crisis %s: %s", crisis.id, problem)
    return len(crises)
