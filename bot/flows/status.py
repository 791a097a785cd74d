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
from bot.slack.blockkit import Message
from bot.views import notices
from bot.words import i18n

# Answers kept per process: one per war room asked in, for the crises people are asking about.
KEPT = 256


def answer(services: Services, crisis: Crisis, *, asked_in: str | None) -> dict[str, Any]:
    """The status of `crisis`, asked in the channel `asked_in`, as Web API arguments (text and
    blocks), in the reader's language. Shared between requests: never to be changed by the caller."""
    steps, facts = _shown(services, crisis)
    return _drawn(i18n.current(), crisis, steps, facts, asked_in)


def message(services: Services, crisis: Crisis, *, asked_in: str | None) -> Message:
    """The same status as a message, drawn now (for an answer sent after the ack)."""
    steps, facts = _shown(services, crisis)
    return notices.status(crisis, list(steps), draw_header(crisis, facts), asked_in=asked_in)


def _shown(services: Services, crisis: Crisis) -> tuple[tuple[StepStatus, ...], HeaderFacts]:
    steps = tuple(services.steps.of(crisis.id))
    return steps, header_facts(services, crisis, steps, latest=services.updates.latest(crisis.id), now=clock.now())


@lru_cache(maxsize=KEPT)
def _drawn(
    language: str, crisis: Crisis, steps: tuple[StepStatus, ...], facts: HeaderFacts, asked_in: str | None
) -> dict[str, Any]:
    """The answer drawn from what it shows and the language it is read in, and nothing else
    (its arguments are its key)."""
    with i18n.speaking(language):
        return notices.status(crisis, list(steps), draw_header(crisis, facts), asked_in=asked_in).to_kwargs()
