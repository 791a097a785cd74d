"""Which language each person reads Slack in, from `users.info` (`include_locale`), remembered
for an hour so that a busy war room costs Slack one call per person, not one per click.

Before an ack nothing may wait for Slack, so `known` only reads what is remembered (in this
process, else in the database every process of the bot shares); the work after the ack calls
`learn`, which asks Slack once when nobody remembers.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

from bot import clock
from bot.slack.gateway import SlackError, SlackGateway
from storage.database import StorageError
from storage.people import PeopleRepository

log = logging.getLogger(__name__)

LOCALE_CACHE_SECONDS = 3600  # people rarely change their Slack language; an hour is soon enough
FAILED_CACHE_SECONDS = 60  # after Slack could not say, do not ask again on every click


class People:
    def __init__(self, slack: SlackGateway, stored: PeopleRepository) -> None:
        self.slack = slack
        self.stored = stored
        self._locales: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def known(self, user: str) -> tuple[bool, str | None]:
        """(whether we know, the Slack locale such as `nl-NL` or None when Slack gives none),
        without asking Slack."""
        with self._lock:
            remembered = self._locales.get(user)
        if remembered and time.monotonic() < remembered[0]:
            return True, remembered[1]
        try:
            found, locale = self.stored.locale(user, since=clock.now() - LOCALE_CACHE_SECONDS)
        except (StorageError, sqlite3.Error):  # a read that fails before an ack: ask Slack after it
            return False, None
        if found:
            self._remember(user, locale, LOCALE_CACHE_SECONDS)
        return found, locale

    def learn(self, user: str) -> str | None:
        """The person's Slack locale, asking Slack if it is not remembered; None when Slack
        gives none or cannot say (the caller's default applies)."""
        found, locale = self.known(user)
        if found:
            return locale
        try:
            locale = self.slack.user_info(user).get("locale")
        except SlackError as error:
            log.info("users.info %s failed, so their language is not known: %s", user, error.code)
            self._remember(user, None, FAILED_CACHE_SECONDS)
            return None
        self.remember(user, locale)
        return locale

    def remember(self, user: str, locale: str | None) -> None:
        """Keep what a `users.info` call told about someone, for every process of the bot."""
        self._remember(user, locale, LOCALE_CACHE_SECONDS)
        try:
            self.stored.learnt(user, locale, at=clock.now())
        except StorageError as error:  # only this process remembers it, then
            log.info("could not store %s's language: %s", user, error)

    def _remember(self, user: str, locale: str | None, seconds: float) -> None:
        with self._lock:
            self._locales[user] = (time.monotonic() + seconds, locale)
