"""Counting mentions, whatever their source: each item is counted for the scopes it belongs to,
its own (a crisis's feed, a webhook call naming a crisis) and every scope whose keywords it
contains (the brand watch's WATCH_KEYWORDS, each open crisis's keywords).

Storage keeps each item once per scope under its source's key, so the same item arriving
twice (a Slack retry, a feed polled again, a webhook retried, two processes) counts once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from bot.model import WATCH, Mention, Platform, Source
from bot.rules.keywords import Matcher
from bot.services import Services

BACKFILL_LIMIT = 100_000  # items a new crisis's keywords are matched against, newest first


@dataclass(frozen=True)
class Incoming:
    """An item as its source gave it, before it is matched to scopes."""

    key: str
    at: int
    source: Source
    platform: Platform
    author: str = ""
    text: str = ""
    link: str = ""
    weight: int = 1


def keyword_scopes(services: Services) -> dict[int, tuple[str, ...]]:
    """The keywords of every scope: the brand watch and each open crisis."""
    scopes = {WATCH: services.config.watch_keywords}
    scopes.update({c.id: c.keywords for c in services.crises.open_crises() if c.keywords})
    return scopes


def ingest(services: Services, items: Iterable[Incoming], *, own_scope: int | None = None) -> int:
    """Count items for their own scope (if any) and every scope whose keywords they contain.
    Returns how many (item, scope) pairs were new."""
    matcher = Matcher(keyword_scopes(services))
    rows = []
    for item in items:
        scopes = matcher.scopes(f"{item.text}\n{item.link}") if matcher and item.weight == 1 else set()
        if own_scope is not None:
            scopes.add(own_scope)
        rows += [_row(item, scope) for scope in sorted(scopes)]
    return services.mentions.add(rows) if rows else 0


def backfill(services: Services, crisis_id: int, keywords: tuple[str, ...], *, since: int, until: int) -> int:
    """Count for a crisis the items already stored (for the watch or other crises) that its
    keywords match, so a crisis opened on a rise shows the rise and has a baseline."""
    matcher = Matcher({crisis_id: keywords})
    if not matcher:
        return 0
    found = [
        _row(m, crisis_id)
        for m in services.mentions.items_between(since, until, limit=BACKFILL_LIMIT)
        if matcher.scopes(f"{m.text}\n{m.link}")
    ]
    return services.mentions.add(found) if found else 0


def _row(item: Incoming | Mention, scope: int) -> Mention:
    """The item counted for `scope`: a Mention is an Incoming item with the scope it counts for."""
    return Mention(scope=scope, **{f.name: getattr(item, f.name) for f in fields(Incoming)})
