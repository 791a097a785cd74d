"""The real bot app, served on 127.0.0.1 in this process, talking to the fake Slack Web API."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from app import Bot, create_app, wsgi_app
from bot.config import Config
from bot.model import Crisis
from bot.slack.budget import RateBudget
from tests.fakeslack import TOKEN, FakeSlack
from tests.slackclient import SIGNING_SECRET, Reply, SlackSender


class TrackingExecutor(ThreadPoolExecutor):
    """A listener pool that can say when all the work it was given has finished, so tests
    wait for the bot's after-ack work deterministically instead of sleeping."""

    def __init__(self, max_workers: int, thread_name_prefix: str = "") -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
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

    @property
    def idle(self) -> bool:
        with self._idle:
            return self._pending == 0

    def wait_idle(self, timeout: float = 20.0) -> None:
        with self._idle:
            if not self._idle.wait_for(lambda: self._pending == 0, timeout):
                raise AssertionError("the bot's deferred work did not finish in time")


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    """The stdlib's WSGI server, one thread per request (production runs gunicorn, which the
    process-level tests start for real)."""

    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib's name)
        pass


# The bot's call budget refills this many times faster than Slack's tiers against the fake: a
# war room's seventh post waits 50 ms, not a second. Bursts, Retry-After and deadlines stay
# Slack's; test_budget checks the tiers' own pace, test_open one war room's at Slack's speed.
REFILL_SPEED = 20


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
    send: SlackSender

    @classmethod
    def start(cls, fake: FakeSlack, env: dict[str, str], *, refill_speed: float = REFILL_SPEED) -> Harness:
        budget = RateBudget(refill_speed=refill_speed)
        bot = create_app(Config.from_env(env), pool=TrackingExecutor, budget=budget)
        server = make_server("127.0.0.1", 0, wsgi_app(bot), server_class=_ThreadingServer, handler_class=_QuietHandler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_port}/slack/events"
        return cls(fake, bot, server, thread, SlackSender(url, fake))

    def stop(self) -> None:
        self.settle()
        self.server.shutdown()
        self.server.server_close()
        self.bot.close()

    @property
    def services(self):  # noqa: ANN201 (the Services object)
        return self.bot.services

    def settle(self, timeout: float = 20.0) -> None:
        """Wait until everything the bot started after its acks has finished (urgent work may
        hand work to the workers, so both pools must be idle together)."""
        pools = (self.bot.services.urgent, self.bot.services.workers)
        while True:
            for pool in pools:
                pool.wait_idle(timeout)
            if all(pool.idle for pool in pools):
                return

    def ask(self, text: str, *, user: str, channel: str) -> Reply:
        """A slash command whose answer the person reads: in the ack, or, for someone whose
        language the bot does not know yet, posted to the command's response_url right after."""
        before = len(self.fake.responses)
        reply = self.send.command(text, user=user, channel=channel)
        if reply.body or reply.status != 200:
            return reply
        self.settle()
        later = self.fake.responses[before:]
        assert later, f"/crisis {text} got no answer"
        answer = {
            k: later[-1][k] for k in ("text", "response_type", "blocks") if k in later[-1]
        }  # as an ack orders them
        return Reply(reply.status, json.dumps(answer), reply.elapsed)

    def last_view(self) -> dict[str, Any]:
        return list(self.fake.views.values())[-1]

    def open_crisis(
        self, title: str = "Delivery delays anger customers", *, user: str, channel: str | None = None, **values: Any
    ) -> Crisis:
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
