"""The four-step checklist's rules: what a click means, decided from the stored state alone.

A pure function of (step status, move) → a transition or a refusal in plain words. The caller
stores a transition as a compare-and-set on the state it was decided from, so a stale or
repeated click becomes a refusal instead of a second change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.model import Step, StepState, StepStatus
from bot.words.i18n import _, ngettext
from bot.words.text import clean, user, when

SKIP_REASON_MAX = 500


class Move(StrEnum):
    DONE = "done"
    REOPEN = "reopen"
    SKIP = "skip"  # not applicable, with a reason


@dataclass(frozen=True)
class Transition:
    step: Step
    old: StepState
    new: StepState
    reason: str | None = None


@dataclass(frozen=True)
class Refusal:
    text: str


def decide(status: StepStatus, move: Move, reason: str | None = None) -> Transition | Refusal:
    """What `move` does to a step in this state, or why it cannot."""
    step = status.step
    if move is Move.SKIP:
        problem = reason_problem(step, reason)
        if problem:
            return Refusal(problem)
    if move in (Move.DONE, Move.SKIP) and status.state is not StepState.PENDING:
        return Refusal(_already_settled(status))
    if move is Move.REOPEN and status.state is StepState.PENDING:
        return Refusal(_("Step {number} ({step}) is already open.").format(number=step.value, step=step.label))
    new = {Move.DONE: StepState.DONE, Move.SKIP: StepState.NOT_APPLICABLE, Move.REOPEN: StepState.PENDING}[move]
    return Transition(step, status.state, new, clean(reason) if move is Move.SKIP else None)


def reason_problem(step: Step, reason: str | None) -> str | None:
    """Why a step cannot be marked not applicable with this reason (None when it can)."""
    if not step.skippable:
        return _("Step {number} ({step}) always applies; it cannot be marked not applicable.").format(
            number=step.value, step=step.label
        )
    text = clean(reason)
    if not text:
        return _("Say why this step does not apply (for example: not our fault, or nobody asked for contact).")
    if len(text) > SKIP_REASON_MAX:
        return ngettext(
            "Keep the reason under {n} character.", "Keep the reason under {n} characters.", SKIP_REASON_MAX
        ).format(n=SKIP_REASON_MAX)
    return None


def all_settled(steps: list[StepStatus]) -> bool:
    """Every step done or not applicable: the crisis is ready to be closed."""
    return all(s.settled for s in steps)


def _already_settled(status: StepStatus) -> str:
    """A refusal to settle a settled step, saying how, by whom and when as far as it is known
    (one whole sentence for each, so every language can order them its own way)."""
    done = status.state is StepState.DONE
    if status.changed_by and status.changed_at:
        if done:
            # Translators: {time} is a date and time as Slack shows it to each reader ("Today at 14:05")
            text = _("Step {number} ({step}) was already marked done by {person} {time}.")
        else:
            # Translators: {time} is a date and time as Slack shows it to each reader ("Today at 14:05")
            text = _("Step {number} ({step}) was already marked not applicable by {person} {time}.")
    elif status.changed_by:
        if done:
            text = _("Step {number} ({step}) was already marked done by {person}.")
        else:
            text = _("Step {number} ({step}) was already marked not applicable by {person}.")
    elif status.changed_at:
        if done:
            # Translators: {time} is a date and time as Slack shows it to each reader ("Today at 14:05")
            text = _("Step {number} ({step}) was already marked done {time}.")
        else:
            # Translators: {time} is a date and time as Slack shows it to each reader ("Today at 14:05")
            text = _("Step {number} ({step}) was already marked not applicable {time}.")
    elif done:
        text = _("Step {number} ({step}) was already marked done.")
    else:
        text = _("Step {number} ({step}) was already marked not applicable.")
    return text.format(
        number=status.step.value,
        step=status.step.label,
        person=user(status.changed_by),
        time=when(status.changed_at) if status.changed_at else "",
    )
