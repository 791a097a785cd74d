"""What every flow needs, built once at start-up and passed in (no import-time clients)."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bot.config import Config
from bot.slack.directory import Directory
from bot.slack.gateway import SlackGateway
from bot.slack.people import People
from bot.slack.singleflight import SingleFlight
from bot.templates import Templates
from bot.words import i18n
from storage.closures import ClosureRepository
from storage.crises import CrisisRepository
from storage.database import StorageError, Store
from storage.drafts import DraftRepository
from storage.feeds import FeedRepository
from storage.inbox import Inbox
from storage.mentions import MentionRepository
from storage.outbox import Outbox
from storage.people import PeopleRepository
from storage.reports import Reports
from storage.seen_requests import SeenRequests
from storage.shown import Shown
from storage.spikes import SpikeRepository
from storage.steps import StepRepository
from storage.timeline import Timeline
from storage.updates import FollowerRepository, UpdateRepository

log = logging.getLogger(__name__)

# The person a request came from whose language was not known before its ack: the work
# deferred past the ack asks Slack first (once; People remembers), then speaks it.
_to_learn: contextvars.ContextVar[str | None] = contextvars.ContextVar("to_learn", default=None)


@dataclass
class Services:
    config: Config
    store: Store
    slack: SlackGateway
    crises: CrisisRepository
    steps: StepRepository
    timeline: Timeline
    seen_requests: SeenRequests
    inbox: Inbox
    shown: Shown
    outbox: Outbox
    drafts: DraftRepository
    closures: ClosureRepository
    reports: Reports
    updates: UpdateRepository
    followers: FollowerRepository
    mentions: MentionRepository
    feeds: FeedRepository
    spikes: SpikeRepository
    templates: Templates
    directory: Directory
    people: People
    renders: SingleFlight
    workers: Executor
    urgent: Executor
    calls: Executor  # Slack calls of one piece of work that can run at once (a set-up's tasks)
    fanout: Executor  # delivers one stakeholder update to its many channels and followers at once

    def defer(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run slow work (several Slack calls) after the ack, off Bolt's listener threads, so a
        busy minute never delays the next person's ack. Whatever it needs is already stored
        (a request in the inbox, a crisis, an outbox post), so work lost to a crash is finished
        by the scheduler's sweeps after a restart."""
        self.workers.submit(self._as_asked(work), *args, **kwargs)

    def defer_urgent(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Like `defer`, for a call that must happen within seconds of the ack (views.open must
        use its trigger_id within 3 s): a separate pool, so a queue of slow work never delays it."""
        self.urgent.submit(self._as_asked(work), *args, **kwargs)

    def _as_asked(self, work: Callable[..., Any]) -> Callable[..., None]:
        """The work in a copy of the context of the request that deferred it, so it answers in
        that person's language (learnt now if the ack could not wait for it) and no language
        set in one request is ever seen by another."""
        context = contextvars.copy_context()
        logged = _logged(work)

        def run(*args: Any, **kwargs: Any) -> None:
            def settled() -> None:
                learner = _to_learn.get()
                if learner:
                    _to_learn.set(None)
                    i18n.use(self.language_of(learner))
                logged(*args, **kwargs)

            context.run(settled)

        return run

    def read_by(self, user: str | None) -> bool:
        """Speak the language of the person a request came from, for the rest of the request
        (the request middleware calls it first, so nothing from an earlier request stays).
        Without asking Slack: False when their language is not known yet, in which case the
        team's language is used until work after the ack has learnt it."""
        found, locale = self.people.known(user) if user else (True, None)
        i18n.use(i18n.ui_language(locale, default=self.config.team_locale))
        _to_learn.set(None if found else user)
        return found

    def language_of(self, user: str) -> str:
        """The language to show one person the bot's words in: their Slack locale if we have a
        catalog for it, else the team's (asks Slack when not remembered)."""
        return i18n.ui_language(self.people.learn(user), default=self.config.team_locale)

    @contextmanager
    def reading(self, user: str) -> Iterator[None]:
        """For a text only `user` reads (a DM) inside work for others: in their language."""
        with i18n.speaking(self.language_of(user)):
            yield

    def team_language(self, crisis_locale: str | None = None) -> str:
        """The language a war room is written in: the crisis's own, else TEAM_LOCALE."""
        return i18n.ui_language(crisis_locale, default=self.config.team_locale)

    def shutdown(self) -> None:
        """Let queued work finish, then close the database."""
        self.urgent.shutdown(wait=True)
        self.workers.shutdown(wait=True)
        self.calls.shutdown(wait=True)
        self.fanout.shutdown(wait=True)
        self.store.close()

    @classmethod
    def build(
        cls, config: Config, slack: SlackGateway, *, pool: type[ThreadPoolExecutor] = ThreadPoolExecutor
    ) -> Services:
        store = Store(config.db_path)
        return cls(
            config=config,
            store=store,
            slack=slack,
            crises=CrisisRepository(store),
            steps=StepRepository(store),
            timeline=Timeline(store),
            seen_requests=SeenRequests(store),
            inbox=Inbox(store),
            shown=Shown(store),
            outbox=Outbox(store),
            drafts=DraftRepository(store),
            closures=ClosureRepository(store),
            reports=Reports(store),
            updates=UpdateRepository(store),
            followers=FollowerRepository(store),
            mentions=MentionRepository(store),
            feeds=FeedRepository(store),
            spikes=SpikeRepository(store),
            templates=Templates(config.templates_dir),
            directory=Directory(slack),
            people=People(slack, PeopleRepository(store)),
            renders=SingleFlight(),
            workers=pool(config.worker_threads, "worker"),
            urgent=pool(config.urgent_threads, "urgent"),
            calls=pool(config.worker_threads, "calls"),
            fanout=pool(config.delivery_threads, "fanout"),
        )


def _logged(work: Callable[..., Any]) -> Callable[..., None]:
    """Deferred work has nobody to raise to: log its failures instead of losing them."""

    def run(*args: Any, **kwargs: Any) -> None:
        try:
            work(*args, **kwargs)
        except StorageError as error:  # a full disk or a held lock: the reason says it all
            log.warning("deferred %s could not store its work: %s", getattr(work, "__name__", work), error)
        except Exception:
            log.exception("deferred %s failed", getattr(work, "__name__", work))

    return run
