"""`POST /hooks/mentions`: mentions from tools that can post JSON (Zapier, n8n, a listening
tool's webhook), as items or as a count for a time window.

Bad input gets a clear answer and changes nothing: a bad, missing, stale or replayed
signature is 401, a wrong shape 400 naming the field, an unknown crisis 404 (a body over the
size limit never gets this far: 413). Items are keyed by their id (else link), so a retried
call counts nothing twice; a count for the same window replaces the earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.flows.mentions import Incoming, ingest
from bot.model import WATCH, Source
from bot.rules import hooks
from bot.rules.platforms import platform_of
from bot.services import Services


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


def receive(services: Services, *, timestamp: str | None, signature: str | None, body: bytes, now: int) -> Answer:
    secret = services.config.mentions_webhook_secret
    if not secret:
        return Answer(404, {"ok": False, "error": "the mentions webhook is off (MENTIONS_WEBHOOK_SECRET is not set)"})
    problem = hooks.signature_problem(secret, timestamp, signature, body, now=now)
    if problem:
        return Answer(401, {"ok": False, "error": problem})
    if not services.seen_requests.first_time(f"hook:{signature}", now=now):
        return Answer(401, {"ok": False, "error": "replayed: this signature was used before"})
    try:
        payload = hooks.parse(body, now=now)
    except hooks.ShapeError as error:
        return Answer(400, {"ok": False, "error": str(error), "field": error.field})
    if payload.crisis is not None and services.crises.get(payload.crisis) is None:
        return Answer(404, {"ok": False, "error": f"there is no crisis #{payload.crisis}", "field": "crisis"})
    if payload.count is not None:
        count = payload.count
        incoming = [
            Incoming(
                key=count.key,
                at=count.since,
                source=Source.WEBHOOK,
                platform=platform_of("", count.platform),
                weight=count.count,
            )
        ]
        scope = payload.crisis if payload.crisis is not None else WATCH
    else:
        incoming = [
            Incoming(
                key=item.key,
                at=item.published,
                source=Source.WEBHOOK,
                platform=platform_of(item.link, item.platform),
                author=item.author,
                text=item.text,
                link=item.link,
            )
            for item in payload.items
        ]
        scope = payload.crisis
    new = ingest(services, incoming, own_scope=scope)
    return Answer(200, {"ok": True, "received": len(incoming), "new": new})
