"""The four-step checklist's rules: what a click means, decided from the stored state alone.

A pure function of (step status, move) → a transition or a refusal in plain words. The caller
stores a transition as a compare-and-set on the state it was decided from, so a stale or
repeated click becomes a refusal instead of a second change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.model import Step, StepState, StepStatus
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
    name = f"Step {step.value} ({step.label})"
    if move is Move.SKIP:
        problem = reason_problem(step, reason)
        if problem:
            return Refusal(problem)
    if move in (Move.DONE, Move.SKIP) and status.state is not StepState.PENDING:
        return Refusal(f"{name} was already {_settled(status)}.")
    if move is Move.REOPEN and status.state is StepState.PENDING:
        return Refusal(f"{name} is already open.")
    new = {Move.DONE: StepState.DONE, Move.SKIP: StepState.NOT_APPLICABLE, Move.REOPEN: StepState.PENDING}[move]
    return Transition(step, status.state, new, clean(reason) if move is Move.SKIP else None)


def reason_problem(step: Step, reason: str | None) -> str | None:
    """Why a step cannot be marked not applicable with this reason (None when it can)."""
    if not step.skippable:
        return f"Step {step.value} ({step.label}) always applies; it cannot be marked not applicable."
    text = clean(reason)
    if not text:
        return "Say why this step does not apply (for example: not our fault, or nobody asked for contact)."
    if len(text) > SKIP_REASON_MAX:
        return f"Keep the reason under {SKIP_REASON_MAX} characters."
    return None


def all_settled(steps: list[StepStatus]) -> bool:
    """Every step done or not applicable: the crisis is ready to be closed."""
    return all(s.settled for s in steps)


def _settled(status: StepStatus) -> str:
    what = "marked done" if status.state is StepState.DONE else "marked not applicable"
    by = f" by {user(status.changed_by)}" if status.changed_by else ""
    at = f" {when(status.changed_at)}" if status.changed_at else ""
    return f"{what}{by}{at}"
