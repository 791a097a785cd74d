"""The lessons library: what past crises taught, searchable in any language.

SQLite's FTS5 tokenizer splits words on spaces and punctuation, so a Chinese sentence would be
one long "word". Text is indexed and queried with every CJK character spaced out, so a query
for 退款 finds 退款 anywhere in a lesson, and queries in other languages are unaffected.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from bot.model import Closure, Crisis
from bot.rules.permissions import may_see
from bot.services import Services

RESULTS = 5
PAST_LESSONS = 3
MAX_TERMS = 20  # a pasted essay searches by its first words


def searchable(*texts: str) -> str:
    """Text as it is indexed (and queries as they are matched): CJK characters spaced out."""
    spaced = "".join(
        f" {c} " if unicodedata.east_asian_width(c) in ("W", "F") and c.isalpha() else c for c in " ".join(texts)
    )
    return " ".join(spaced.split())


def search(services: Services, words: str, *, viewer: str) -> list[tuple[Crisis, Closure]]:
    """The lessons that best match `words` (all of them first, then any of them); the latest
    lessons when no words are given. Private crises only for the people in them.

    What `viewer` may not see is dropped before anything is decided (whether to fall back to any
    word, what fills the five places), so the answer is the same as if those lessons did not
    exist: nobody can probe a private lesson word by word."""
    terms = re.findall(r"\w+", searchable(words))[:MAX_TERMS]
    if not terms:
        return _visible(services, services.closures.latest_lessons(), viewer, RESULTS)
    query = " ".join(terms)
    found = _visible(services, services.closures.search(query, any_term=False), viewer, RESULTS)
    return found or _visible(services, services.closures.search(query, any_term=True), viewer, RESULTS)


def for_new_crisis(services: Services, crisis: Crisis) -> list[tuple[Crisis, Closure]]:
    """Up to three lessons of the latest closed crises of the same kind (none private)."""
    closures = services.closures.of_category(crisis.category.value, excluding=crisis.id, limit=PAST_LESSONS * 3)
    return _visible(services, closures, None, PAST_LESSONS)


def _visible(
    services: Services, closures: Iterable[Closure], viewer: str | None, limit: int
) -> list[tuple[Crisis, Closure]]:
    """The first `limit` closures `viewer` may see, with their crises, in the order given
    (read lazily: a search that matches thousands stops at the first `limit` visible)."""
    found = []
    for closure in closures:
        crisis = services.crises.get(closure.crisis_id)
        if crisis is None or not may_see(
            crisis.is_private, lambda c=crisis: services.crises.participants(c.id), viewer
        ):
            continue
        found.append((crisis, closure))
        if len(found) == limit:
            break
    return found
