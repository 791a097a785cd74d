"""Changing a step: check who may, store the change once, then show it everywhere.

The stored state is the truth. The checklist message is always re-rendered from it (never
patched), and re-rendered again if the state moved while Slack was updating it, so whoever
finishes last leaves the message matching the database, even across processes.
"""

from __future__ import annotations

import logging

from bot import clock, publish
from bot.flows import access
from bot.model import Step
from bot.rules import checklist
from bot.rules.checklist import Move, Refusal
from bot.services import Services
from bot.slack.gateway import SlackError
from bot.words import commands
from bot.words.i18n import _

log = logging.getLogger(__name__)

CAS_ATTEMPTS = 3


def move_step(
    services: Services,
    crisis_id: int,
    step: Step,
    move: Move,
    *,
    actor: str,
    reason: str | None = None,
    request: str | None = None,
) -> str | None:
    """Apply one click (or not-applicable submission); `request` is the stored request it
    carries out (bot.flows.inbox), settled with the change. Returns what to tell the actor
    privately, or None when the change went through (the thread note and the checklist say it all)."""
    refusal = may_change(services, crisis_id, actor)
    if refusal:
        return refusal
    for _try in range(CAS_ATTEMPTS):
        current = services.steps.of(crisis_id)[step.value - 1]
        decision = checklist.decide(current, move, reason)
        if isinstance(decision, Refusal):
            return decision.text
        changed = services.steps.change(
            crisis_id,
            step,
            expect=frozenset({decision.old}),
            to=decision.new,
            actor=actor,
            at=clock.now(),
            reason=decision.reason,
            posts=publish.for_step_change,
            request=request,
        )
        if changed is not None:
            break
        refusal = may_change(services, crisis_id, actor)  # someone was faster, or it was closed
        if refusal:
            return refusal
    else:
        return _("The checklist kept changing while you clicked; look at it again and retry.")

    publish.refresh_checklist(services, crisis_id)
    for post in changed.posts:  # the thread note, and the notice when this change settled all four
        try:
            publish.deliver(services, post)
        except SlackError as error:  # pending in the outbox: the scheduler tries again
            log.warning("crisis %s: could not post %s: %s", crisis_id, post, error)
    if changed.all_settled_after != changed.all_settled_before:  # this change, and no other, flipped it
        try:
            publish.refresh_header(services, crisis_id)  # the Close crisis button comes and goes with it
        except SlackError as error:
            log.warning("crisis %s: could not update the header: %s", crisis_id, error)
    return None


def may_skip(services: Services, crisis_id: int, step: Step, actor: str) -> str | None:
    """Checked before the not-applicable modal opens, so nobody fills in a reason in vain."""
    refusal = may_change(services, crisis_id, actor)
    if refusal:
        return refusal
    decision = checklist.decide(services.steps.of(crisis_id)[step.value - 1], Move.SKIP, reason="(to be given)")
    return decision.text if isinstance(decision, Refusal) else None


def may_change(services: Services, crisis_id: int, actor: str) -> str | None:
    """Why `actor` may not change this crisis's checklist now (None when they may)."""
    crisis = services.crises.get(crisis_id)
    if crisis is None:
        return _("That crisis no longer exists.")
    if not crisis.is_open:
        return _(
            "Crisis #{number} is closed, so its checklist no longer changes. `/crisis {reopen}` in its war room reopens it."
        ).format(number=crisis.id, reopen=commands.alias("reopen"))
    # Translators: completes "Only people in #channel can …: join the channel first."
    return access.member_refusal(services, crisis, actor, doing=_("change its checklist"))
