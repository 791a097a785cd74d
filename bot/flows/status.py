"""`/crisis status`: the header and the checklist as the war room shows them, answered in the ack.

Drawing and serialising that Block Kit message (slack_sdk builds and validates every block) is
most of what the ack costs, and when a crisis is in trouble many people ask at once. So the
answer is kept by everything it shows: the crisis as stored, its four steps, the header's facts
(the volume, the feeds, the promise as worded now) and where it was asked. All of them are read
from the store for every request, so the answer to a request after any change is drawn anew,
and one that changes nothing it shows is answered with what was drawn before.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from bot import clock
from bot.model import Crisis, StepStatus
from bot.publish.renders import HeaderFacts, draw_header, header_facts
from bot.services import Services
from bot.views import notices

# Answers kept per process: one per war room asked in, for the crises people are asking about.
KEPT = 256


def answer(services: Services, crisis: Crisis, *, asked_in: str | None) -> dict[str, Any]:
    """The status of `crisis`, asked in the channel `asked_in`, as Web API arguments (text and
    blocks). Shared between requests: never to be changed by the caller."""
    steps = tuple(services.steps.of(crisis.id))
    facts = header_facts(services, crisis, steps, latest=services.updates.latest(crisis.id), now=clock.now())
    return _drawn(crisis, steps, facts, asked_in)


@lru_cache(maxsize=KEPT)
def _drawn(crisis: Crisis, steps: tuple[StepStatus, ...], facts: HeaderFacts, asked_in: str | None) -> dict[str, Any]:
    """The answer drawn from what it shows, and nothing else (its arguments are its key)."""
    return notices.status(crisis, list(steps), draw_header(crisis, facts), asked_in=asked_in).to_kwargs()
