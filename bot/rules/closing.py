"""What stands in the way of closing a crisis: the answer of the close rule (bot.flows.closing),
which views turn into what the person reads."""

from __future__ import annotations

from dataclasses import dataclass

from bot.model import StepStatus


@dataclass(frozen=True)
class CloseRefusal:
    """Why a crisis cannot be closed now by this person. With `open_steps`, only steps stand in
    the way: the owner (or an admin) may close anyway, with a reason."""

    reason: str
    open_steps: tuple[StepStatus, ...] = ()
