"""What every flow needs, built once at start-up and passed in (no import-time clients)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bot.config import Config
from bot.slack.directory import Directory
from bot.slack.gateway import SlackGateway
from bot.slack.singleflight import SingleFlight
from bot.templates import Templates
from storage.closures import ClosureRepository
from storage.crises import CrisisRepository
from storage.database import StorageError, Store
from storage.drafts import DraftRepository
from storage.feeds import FeedRepository
from storage.inbox import Inbox
from storage.mentions import MentionRepository
from storage.outbox import Outbox
from storage.reports import Reports
from storage.seen_requests import SeenRequests
from storage.shown import Shown
from storage.spikes import SpikeRepository
from storage.steps import StepRepository
from storage.timeline import Timeline
from storage.updates import FollowerRepository, UpdateRepository

log = logging.getLogger(__name__)


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
        self.workers.submit(_logged(work), *args, **kwargs)

    def defer_urgent(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Like `defer`, for a call that must happen within seconds of the ack (views.open must
        use its trigger_id within 3 s): a separate pool, so a queue of slow work never delays it."""
        self.urgent.submit(_logged(work), *args, **kwargs)

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
