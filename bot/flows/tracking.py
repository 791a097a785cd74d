"""What a crisis tracks: its keywords and its feeds, entered when it opens and changed later in
its war room. A change counts, from then on, what the new keywords match; mentions already
counted stay counted (nothing is re-counted or lost)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import clock, publish
from bot.flows import access, mentions
from bot.model import Crisis
from bot.rules import keywords as keyword_rules
from bot.rules.volume import HOUR
from bot.services import Services
from bot.slack.gateway import SlackError
from bot.slack.ids import Field
from bot.words.i18n import _, ngettext
from bot.words.links import normalise_link

FEEDS_MAX = 10


@dataclass(frozen=True)
class Tracking:
    keywords: tuple[str, ...]
    feeds: tuple[str, ...]
    errors: dict[str, str]


def read(values: dict[str, Any], *, title: str) -> Tracking:
    """Keywords (default: the title) and feed addresses from a form, or what to fix."""
    errors: dict[str, str] = {}
    words = keyword_rules.parse(values.get(Field.KEYWORDS.value)) or ((title,) if title else ())
    if len(words) > keyword_rules.KEYWORDS_MAX:
        errors[Field.KEYWORDS.value] = ngettext(
            "Track at most {n} keyword.", "Track at most {n} keywords.", keyword_rules.KEYWORDS_MAX
        ).format(n=keyword_rules.KEYWORDS_MAX)
    lines = [line.strip() for line in (values.get(Field.FEEDS.value) or "").splitlines() if line.strip()]
    feeds = []
    for number, line in enumerate(lines, start=1):
        url = normalise_link(line)
        if not url:
            errors[Field.FEEDS.value] = _(
                "Line {number} is not a feed address. Paste it whole, starting with https://"
            ).format(number=number)
            break
        feeds.append(url)
    if len(feeds) > FEEDS_MAX:
        errors[Field.FEEDS.value] = ngettext(
            "Watch at most {n} feed per crisis.", "Watch at most {n} feeds per crisis.", FEEDS_MAX
        ).format(n=FEEDS_MAX)
    return Tracking(words, tuple(dict.fromkeys(feeds)), errors)


def may_change(services: Services, crisis: Crisis | None, actor: str) -> str | None:
    """Why `actor` may not change what this crisis tracks (None when they may): it must be
    open, and they in its war room (a private crisis's keywords stay inside it)."""
    if crisis is None:
        return _("That crisis no longer exists.")
    if not crisis.is_open:
        return _("Crisis #{number} is closed: what it tracks no longer changes.").format(number=crisis.id)
    # Translators: completes "Only people in #channel can …"
    return access.member_refusal(services, crisis, actor, doing=_("change what it tracks"))


def change(services: Services, crisis_id: int, tracking: Tracking, *, actor: str) -> str | None:
    """Store what the crisis tracks now, count for it the stored items its new keywords match
    from the baseline period on, and show it in the header. Returns a problem, if any."""
    crisis = services.crises.get(crisis_id)
    if crisis is None or not crisis.is_open:
        return _("This crisis is closed: what it tracks no longer changes.")
    now = clock.now()
    services.crises.set_tracking(crisis.id, tracking.keywords, tracking.feeds, actor=actor, at=now)
    count_earlier(services, crisis.id, tracking.keywords, opened_at=crisis.opened_at, now=now)
    try:
        publish.refresh_header(services, crisis.id)
    except SlackError as error:
        return _("Saved, but I could not update the header: {why}.").format(why=error.explain())
    return None


def count_earlier(services: Services, crisis_id: int, words: tuple[str, ...], *, opened_at: int, now: int) -> int:
    """Count for a crisis what was stored before it tracked these keywords: the rise that led
    to it, and the baseline period before it opened."""
    since = opened_at - services.config.baseline_hours * HOUR
    return mentions.backfill(services, crisis_id, words, since=since, until=now + 1)
