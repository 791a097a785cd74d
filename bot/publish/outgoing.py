"""What one outbox key posts, as its builder (bot.publish.posts) made it from the stored state,
and whose language it is written in (docs/i18n.md): a builder writes a post for a war room or
another team channel in the team's language, one for management or a stakeholder channel in
DIGEST_LOCALE, and a DM in its reader's, whoever's request or job happens to deliver it."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Final

from bot.model import Crisis
from bot.services import Services
from bot.slack.blockkit import Message
from bot.words import i18n


@dataclass(frozen=True)
class Post:
    channel: str
    message: Message
    thread_ts: str | None = None
    broadcast: bool = False  # a thread reply also shown in the channel (an update that notifies everyone)


class Later:
    """A builder's answer when its post cannot be made yet (a reply whose thread's first
    message is still being posted): it stays pending, for the next attempt."""


LATER: Final = Later()


class NotReady(Exception):
    """Where the post goes does not exist yet (a reopened crisis's war room is being brought
    back from the archive, or set up anew): the post stays pending and goes out once it does."""


def for_the_team(services: Services, crisis: Crisis | None = None) -> AbstractContextManager[None]:
    """Write for a war room or another channel of the team: in the crisis's own team language
    if it has one, else TEAM_LOCALE."""
    return i18n.speaking(services.team_language(crisis.team_locale if crisis else None))


def for_management(services: Services) -> AbstractContextManager[None]:
    """Write for the management channel or a stakeholder channel: in DIGEST_LOCALE."""
    return i18n.speaking(services.config.digest_locale)
