"""What people ask for, stored before the acknowledgement and carried out exactly once.

A listener whose work must wait until after the ack (it calls Slack, or takes a while) stores
the request first (storage.inbox) and only then acknowledges; the work runs right after, in
the worker pool. If the process dies in between, the scheduler's `sweep` carries it out after
the restart. The change a request makes settles it in the same transaction, so carrying it
out again never makes the change twice; one that changes nothing (a refusal) is settled
after. What the flow answers in words goes to the person privately.

A database that cannot be written (a full disk, a lock held too long) is like a crash: when
storing the request itself fails, the listener answers that nothing changed (handlers.plumbing
.guarded); when carrying it out fails, the request stays unsettled for the sweep, and the
person is told it is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot import clock, publish
from bot.flows import closing, drafting, following, ownership, reopening, step_changes, war_room_setup
from bot.model import Step
from bot.rules.checklist import Move
from bot.services import Services
from bot.templates import Kind
from bot.views import notices
from bot.words.i18n import _
from storage.database import StorageError
from storage.inbox import Handled

log = logging.getLogger(__name__)

STALE_AFTER_SECONDS = 300  # far longer than carrying out a request takes, even with rate-limit retries


@dataclass(frozen=True)
class Asked:
    """A stored request as the flow carrying it out reads it: who asked, where to answer them,
    and what they asked for."""

    key: str
    user: str
    reply_url: str | None
    args: dict[str, Any]


def _step(services: Services, asked: Asked) -> str | None:
    a = asked.args
    return step_changes.move_step(
        services,
        a["crisis"],
        Step(a["step"]),
        Move(a["move"]),
        actor=asked.user,
        reason=a.get("reason"),
        request=asked.key,
    )


def _decide(services: Services, asked: Asked) -> str | None:
    a = asked.args
    return drafting.decide(
        services, a["draft"], actor=asked.user, approve=a["approve"], note_text=a.get("note"), request=asked.key
    )


def _draft(services: Services, asked: Asked) -> str | None:
    a = asked.args
    return drafting.submit_draft(
        services, a["crisis"], Kind(a["kind"]), a["language"], a["text"], author=asked.user, request=asked.key
    )


def _followup(services: Services, asked: Asked) -> str | None:
    return closing.finish_followup(
        services, asked.args["followup"], actor=asked.user, reply_url=asked.reply_url, request=asked.key
    )


def _owner(services: Services, asked: Asked) -> str | None:
    crisis = services.crises.get(asked.args["crisis"])
    if crisis is None:
        return _("That crisis no longer exists.")
    return ownership.hand_over(services, crisis, asked.args["owner"], actor=asked.user, request=asked.key)


def _reopen(services: Services, asked: Asked) -> str | None:
    crisis = services.crises.get(asked.args["crisis"])
    if crisis is None:
        return _("That crisis no longer exists.")
    return reopening.reopen(
        services, crisis, actor=asked.user, reason=asked.args["reason"], response_url=asked.reply_url, request=asked.key
    )


def _setup(services: Services, asked: Asked) -> str | None:
    return war_room_setup.retry(services, asked.args["crisis"], actor=asked.user, reply_url=asked.reply_url)


def _follow(services: Services, asked: Asked) -> str | None:
    choice = following.follow if asked.args["following"] else following.unfollow
    return choice(services, services.crises.get(asked.args["crisis"]), asked.user, request=asked.key)


# What each kind of request does: `accept` takes these names, with these arguments.
WORK: dict[str, Callable[[Services, Asked], str | None]] = {
    "step": _step,  # crisis, step, move, reason: a checklist click or not-applicable submission
    "decide": _decide,  # draft, approve, note: approve a drafted reply, or ask for changes
    "draft": _draft,  # crisis, kind, language, text: put a drafted reply up for approval
    "followup": _followup,  # followup: mark a follow-up done
    "owner": _owner,  # crisis, owner: hand the crisis over
    "reopen": _reopen,  # crisis, reason
    "setup": _setup,  # crisis: "Retry set-up"
    "follow": _follow,  # crisis, following: Follow (or Unfollow) on a header, card, note, digest or DM
}


def accept(services: Services, work: str, *, key: str, user: str, reply_url: str | None, **args: Any) -> None:
    """Store a request for `work` (under `key`, what Slack sent it as) before the ack, and carry
    it out right after it. One Slack sends again is neither stored nor carried out twice."""
    assert work in WORK, work
    payload = {"user": user, "reply_url": reply_url, "args": args}
    if services.inbox.accept(key, work, payload, now=clock.now()):
        services.defer(carry_out, services, key)


def carry_out(services: Services, key: str) -> None:
    """Carry out a stored request unless it is done or under way, and answer the person."""
    request = services.inbox.claim(key, now=clock.now(), stale_after=STALE_AFTER_SECONDS)
    if request is None:
        return
    payload = request.payload
    asked = Asked(key, payload["user"], payload.get("reply_url"), payload["args"])
    with services.reading(asked.user):  # also when the sweep carries it out, long after the request
        _carry_out(services, request.kind, asked)


def _carry_out(services: Services, kind: str, asked: Asked) -> None:
    """Do the work and answer the person; the request stays unsettled only when the database failed."""
    key = asked.key
    try:
        words = WORK[kind](services, asked)
    except Handled:
        log.info("request %s was carried out already", key)
        services.inbox.done(key, now=clock.now())
        return
    except StorageError as error:  # a full disk or a held lock: as if the process had died here
        log.warning("could not carry out %s yet: %s", key, error)
        publish.answer(services, asked.user, asked.reply_url, notices.note(notices.not_saved_yet(str(error))))
        return  # unsettled (what it changed settled it in the same transaction): the sweep tries again
    except BaseException:
        services.inbox.done(key, now=clock.now())
        raise
    services.inbox.done(key, now=clock.now())
    if words is not None:
        publish.answer(services, asked.user, asked.reply_url, notices.note(words))


def sweep(services: Services, *, now: int) -> int:
    """The scheduler's job: carry out requests a process acknowledged and died before finishing."""
    unfinished = services.inbox.unfinished(now=now, stale_after=STALE_AFTER_SECONDS)
    for key in unfinished:
        carry_out(services, key)
    return len(unfinished)
