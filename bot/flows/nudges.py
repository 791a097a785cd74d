"""Chasing the owner when the clock runs: "the first hours after the news appears are essential".

Two nudges, declared by the stored state rather than by sleeping timers, so they survive a
restart (one that fell due while the bot was down goes out once when it is back):
- step 1 still pending ACK_SLA_MINUTES after opening: once per crisis;
- no step change for STALL_HOURS: once per quiet spell (a change starts a new one).
Each goes out exactly once through bot.delivery, never for a closed crisis.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.model import StepState
from bot.publish import keys
from bot.publish.once import post_once
from bot.services import Services
from bot.slack.blockkit import Message
from bot.views import war_room as views
from storage.crises import NudgeFacts


@dataclass(frozen=True)
class Nudge:
    key: str
    channel_id: str
    message: Message


def due(facts: list[NudgeFacts], *, now: int, ack_sla_minutes: int, stall_hours: int) -> list[Nudge]:
    """The nudges due at `now`, at most one per crisis (the acknowledgement one first)."""
    nudges = []
    for crisis in facts:
        if crisis.first_step is StepState.PENDING and now >= crisis.opened_at + ack_sla_minutes * 60:
            nudges.append(
                Nudge(
                    keys.ack_nudge(crisis.crisis_id),
                    crisis.channel_id,
                    views.ack_nudge(crisis.owner_id, ack_sla_minutes),
                )
            )
            continue
        quiet_since = crisis.last_change or crisis.opened_at
        if now >= quiet_since + stall_hours * 3600:
            nudges.append(
                Nudge(
                    keys.stall_nudge(crisis.crisis_id, quiet_since),
                    crisis.channel_id,
                    views.stall_nudge(crisis.owner_id, stall_hours, all_settled=crisis.all_settled),
                )
            )
    return nudges


def send_due(services: Services, *, now: int) -> int:
    """Post every due nudge not posted yet; returns how many this call posted."""
    config = services.config
    nudges = due(
        services.crises.nudge_facts(), now=now, ack_sla_minutes=config.ack_sla_minutes, stall_hours=config.stall_hours
    )
    settled = services.outbox.settled(n.key for n in nudges)
    return sum(post_once(services, n.key, n.channel_id, n.message) is not None for n in nudges if n.key not in settled)
