"""Changing a step: check who may, store the change once, then show it everywhere.

The stored state is the truth. The checklist message is always re-rendered from it (never
patched), and re-rendered again if the state moved while Slack was updating it, so whoever
finishes last leaves the message matching the database, even across processes.
"""

from __future__ import annotations

import logging

from bot import clock, publish
from bot.model import Crisis, Role, Step
from bot.rules import checklist
from bot.rules.checklist import Move, Refusal
from bot.services import Services
from bot.slack.gateway import SlackError
from bot.words.text import channel
from storage.steps import StepChange

log = logging.getLogger(__name__)

CAS_ATTEMPTS = 3


def move_step(
    services: Services, crisis_id: int, step: Step, move: Move, *, actor: str, reason: str | None = None
) -> str | None:
    """Apply one click (or not-applicable submission). Returns what to tell the actor privately,
    or None when the change went through (the thread note and the checklist say it all)."""
    changed = record_move(services, crisis_id, step, move, actor=actor, reason=reason)
    if isinstance(changed, str):
        return changed
    show_move(services, crisis_id, changed)
    return None


def record_move(
    services: Services,
    crisis_id: int,
    step: Step,
    move: Move,
    *,
    actor: str,
    reason: str | None = None,
    ask_slack: bool = True,
) -> StepChange | str:
    """Check and store one move, compare-and-set: the stored change, or what to tell the actor.
    Without `ask_slack` nothing slow runs (the not-applicable form stores its reason before
    the ack): its opener was found in the war room when the form opened, and remembered."""
    refusal = may_change(services, crisis_id, actor, ask_slack=ask_slack)
    if refusal:
        return refusal
    for _ in range(CAS_ATTEMPTS):
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
        )
        if changed is not None:
            return changed
        refusal = may_change(services, crisis_id, actor, ask_slack=ask_slack)  # someone was faster, or it closed
        if refusal:
            return refusal
    return "The checklist kept changing while you clicked; look at it again and retry."


def show_move(services: Services, crisis_id: int, changed: StepChange) -> None:
    """Show a stored change: the checklist re-rendered, its posts delivered, the header updated
    when the change settled (or unsettled) the checklist."""
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


def may_skip(services: Services, crisis_id: int, step: Step, actor: str) -> str | None:
    """Checked before the not-applicable modal opens, so nobody fills in a reason in vain."""
    refusal = may_change(services, crisis_id, actor)
    if refusal:
        return refusal
    decision = checklist.decide(services.steps.of(crisis_id)[step.value - 1], Move.SKIP, reason="(to be given)")
    return decision.text if isinstance(decision, Refusal) else None


def may_change(services: Services, crisis_id: int, actor: str, *, ask_slack: bool = True) -> str | None:
    """Why `actor` may not change this crisis's checklist now (None when they may); without
    `ask_slack`, only the people the bot knows are in the war room may."""
    crisis = services.crises.get(crisis_id)
    if crisis is None:
        return "That crisis no longer exists."
    if not crisis.is_open:
        return (
            f"Crisis #{crisis.id} is closed, so its checklist no longer changes. "
            "`/crisis reopen` in its war room reopens it."
        )
    try:
        member = is_member(services, crisis, actor) if ask_slack else actor in services.crises.participants(crisis.id)
    except SlackError as error:
        return error.could_not(f"check that you are in {channel(crisis.channel_id)}") + " Try again."
    if not member:
        return f"Only people in {channel(crisis.channel_id)} can change its checklist: join the channel first."
    return None


def is_member(services: Services, crisis: Crisis, user: str) -> bool:
    """In the war room: someone the bot invited or saw there before, else per Slack (and then
    remembered, so their next click costs no Web API call)."""
    if user in services.crises.participants(crisis.id):
        return True
    if crisis.channel_id is None or user not in services.slack.members(crisis.channel_id):
        return False
    services.crises.add_participant(crisis.id, user, Role.MEMBER)
    return True
