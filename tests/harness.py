"""The real bot, served by waitress on 127.0.0.1, talking to the fake Slack Web API."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

import waitress

from app import Bot, create_app, wsgi_app
from bot.config import Config
from bot.model import Crisis
from tests.fakeslack import TOKEN, FakeSlack
from tests.slackclient import SIGNING_SECRET, SlackSender


class TrackingExecutor(ThreadPoolExecutor):
    """A listener pool that can say when all the work it was given has finished, so tests
    wait for the bot's after-ack work deterministically instead of sleeping."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        with self._idle:
            self._pending += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _: Future) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 20.0) -> None:
        with self._idle:
            if not self._idle.wait_for(lambda: self._pending == 0, timeout):
                raise AssertionError("the bot's listeners did not finish in time")


def base_env(fake: FakeSlack, db_path: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "CRISIS_DB_PATH": db_path,
    }


@dataclass
class Harness:
    fake: FakeSlack
    bot: Bot
    server: Any
    thread: threading.Thread
    executor: TrackingExecutor
    send: SlackSender

    @classmethod
    def start(cls, fake: FakeSlack, env: dict[str, str], *, threads: int = 32) -> "Harness":
        executor = TrackingExecutor(threads)
        bot = create_app(Config.from_env(env), executor=executor)
        server = waitress.create_server(wsgi_app(bot.app), host="127.0.0.1", port=0, threads=threads)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.effective_port}/slack/events"
        return cls(fake, bot, server, thread, executor, SlackSender(url, fake))

    def stop(self) -> None:
        self.settle()
        self.server.close()  # its daemon thread notices within waitress's 1 s poll and exits
        self.bot.close()

    @property
    def services(self):  # noqa: ANN201 (the Services object)
        return self.bot.services

    def settle(self) -> None:
        """Wait until everything the bot started after its acks has finished."""
        self.executor.wait_idle()

    def last_view(self) -> dict[str, Any]:
        return list(self.fake.views.values())[-1]

    def open_crisis(self, title: str = "Delivery delays anger customers", *, user: str, channel: str | None = None, **values: Any) -> Crisis:
        """The whole flow: `/crisis open`, fill in the modal, submit, wait for the war room."""
        channel = channel or self.fake.general.id
        views_before = len(self.fake.views)
        reply = self.send.command(f"open {title}", user=user, channel=channel)
        assert reply.status == 200, reply
        self.settle()
        assert len(self.fake.views) == views_before + 1, "the modal did not open"
        view = self.last_view()
        reply = self.send.submit(view, {"category": "business_error", **values}, user=user)
        assert reply.status == 200 and reply.body == "", reply
        self.settle()
        crisis = self.services.crises.get(max(c["id"] for c in self.services.store.db["crises"].rows))
        assert crisis is not None
        return crisis
