"""Start the crisis bot: `python app.py` (and `python app.py digest --dry-run|--send`).

Reads `.env`, validates the configuration (a missing or malformed token stops start-up with one
line and exit code 2), builds the Bolt app and runs it in Socket Mode when SLACK_APP_TOKEN is
set, otherwise as an HTTP server on PORT at POST /slack/events: gunicorn with WEB_CONCURRENCY
worker processes of HTTP_THREADS threads each (web.worker: a thread only for a request that has
fully arrived), sharing one database.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from dotenv import find_dotenv, load_dotenv
from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot import clock
from bot.config import Config, ConfigError
from bot.flows import digest
from bot.scheduler import Scheduler
from bot.services import Services
from bot.slack.budget import RateBudget
from bot.slack.gateway import SlackError, SlackGateway
from bot.views import digest as digest_views
from bot.words import i18n
from handlers import actions, commands, events, hooks, language, submissions
from handlers.plumbing import install_middleware
from storage.database import StorageError
from web import gate
from web.worker import BufferedThreadWorker

log = logging.getLogger("crisis")

EXIT_FAILED = 1
EXIT_CONFIG = 2


@dataclass
class Bot:
    """The Bolt app, the services it runs on and its scheduler (started by the server)."""

    app: App
    services: Services
    scheduler: Scheduler

    def close(self) -> None:
        """Stop the scheduler, let queued work finish, then close the database."""
        self.scheduler.stop()
        self.services.shutdown()


def create_app(
    config: Config, *, pool: type[ThreadPoolExecutor] = ThreadPoolExecutor, budget: RateBudget | None = None
) -> Bot:
    """The Bolt app with every listener registered (auth.test is called once, here). A test
    harness may bring its own worker pool and call budget; the bot itself uses Slack's tiers."""
    gateway = SlackGateway.connect(config, budget)
    client = gateway.client
    i18n.load(config.team_locale, config.digest_locale)  # the team's words ready before the first request
    services = Services.build(config, gateway, pool=pool)
    logging.getLogger("slack_bolt.App").addFilter(_TOKEN_WARNING)  # the same object is added once
    try:
        # Listeners run in the request's own thread and the ack goes out when they return: they
        # only parse, store and hand Slack calls to the services' pools, so nothing slow runs
        # before the ack. (Bolt's default runs them on a pool of 5 and polls for the ack every
        # 10 ms, which both adds latency and lets slow Slack calls starve later acks.)
        # web.gate has checked each request's signature on its raw bytes before Bolt sees it
        # (Socket Mode's requests are not signed): Bolt checking it again cost every ack an HMAC.
        app = App(
            signing_secret=config.signing_secret,
            client=client,
            process_before_response=True,
            request_verification_enabled=False,
        )
        services.slack.bot_user_id  # noqa: B018 (known before the first set-up, whose invitations need it)
    except BaseException:
        services.shutdown()
        raise
    language.install(app, services)
    install_middleware(app, services, reads_only=commands.answered_in_the_ack)
    commands.register(app)
    actions.register(app)
    submissions.register(app)
    events.register(app)
    return Bot(app, services, Scheduler(services, config.scheduler_seconds))


class _BoltTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client (ours, with the
    retry handlers and SLACK_API_URL), then warns that the token is unused. It is the same token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_TOKEN_WARNING = _BoltTokenWarning()


def wsgi_app(bot: Bot) -> Callable[[dict, Callable], Iterable[bytes]]:
    """Slack's requests at POST /slack/events (behind web.gate's checks), mentions at
    POST /hooks/mentions, and GET /healthz for load balancers."""
    slack = gate.guard(bot.app, bot.services.config.signing_secret or "", path="/slack/events")
    mentions = hooks.application(bot.services)

    def application(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        if environ.get("PATH_INFO") == hooks.PATH:
            return mentions(environ, start_response)
        return slack(environ, start_response)

    return application


def main(argv: list[str]) -> int:
    load_dotenv(find_dotenv(usecwd=True), override=False)  # the .env of the directory it runs in
    try:
        config = Config.from_env(os.environ)
    except ConfigError as error:
        print(f"crisis bot: {error}", file=sys.stderr)
        return EXIT_CONFIG
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if argv[:1] == ["digest"]:
        return digest_command(config, argv[1:])
    try:
        bot = create_app(config)
    except StorageError as error:
        return _unwritable(config, error)
    except (BoltError, SlackApiError) as error:
        print(
            f"crisis bot: Slack refused SLACK_BOT_TOKEN ({error}); check the token and SLACK_API_URL.", file=sys.stderr
        )
        return EXIT_CONFIG
    except (OSError, SlackError) as error:
        print(f"crisis bot: could not reach Slack at {config.api_url} ({error}).", file=sys.stderr)
        return EXIT_FAILED
    if config.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("starting in Socket Mode")
        bot.scheduler.start()
        if config.mentions_webhook_secret:
            serve_hooks(bot, config.port)
        SocketModeHandler(bot.app, config.app_token).start()
    else:
        bot.close()  # it proved the token and migrated the database; each worker builds its own
        log.info("listening on port %s at POST /slack/events", config.port)
        HttpServer(config).run()
    return 0


def digest_command(config: Config, argv: list[str]) -> int:
    """`python app.py digest --dry-run` prints today's digest as text without Slack;
    `--send` posts it now, unless today's digest went out already (so cron and the built-in
    schedule never post it twice), and exits 1 when Slack refused it."""
    parser = argparse.ArgumentParser(prog="python app.py digest", description=digest_command.__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="print the digest; nothing is sent")
    mode.add_argument("--send", action="store_true", help="post today's digest to DIGEST_CHANNEL now")
    args = parser.parse_args(argv)
    if args.send and not config.digest_channel:
        print(
            "crisis bot: DIGEST_CHANNEL is not set: set it to the management channel's id to send the digest.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    try:
        services = Services.build(config, SlackGateway.connect(config))
    except StorageError as error:
        return _unwritable(config, error)
    try:
        if args.dry_run:
            now = clock.now()
            snapshot = digest.gather(services, now=now, day=digest.today(services, now))
            print(digest_views.as_text(digest.render(services, snapshot)))
            return 0
        posted, words = digest.send_today(services)
        print(words, file=sys.stdout if posted else sys.stderr)
        return 0 if posted else EXIT_FAILED
    finally:
        services.shutdown()


def _unwritable(config: Config, error: StorageError) -> int:
    """The database cannot be written at start-up: one line saying what to do, exit code 2."""
    print(
        f"crisis bot: cannot write the database {config.db_path} ({error}): make it and its folder writable by the"
        " bot and free some disk space, or set CRISIS_DB_PATH to another file.",
        file=sys.stderr,
    )
    return EXIT_CONFIG


def serve_hooks(bot: Bot, port: int) -> None:
    """In Socket Mode nothing else listens on PORT: serve POST /hooks/mentions (and
    GET /healthz) there from a background thread, one thread per request."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIServer, make_server

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    server = make_server("0.0.0.0", port, wsgi_app(bot), server_class=Server)
    threading.Thread(target=server.serve_forever, name="hooks", daemon=True).start()
    log.info("mentions webhook on port %s at POST %s", port, hooks.PATH)


class HttpServer(BaseApplication):
    """gunicorn, configured from our Config rather than its command line. Each worker process
    builds its own app after the fork, so no SQLite connection or thread crosses a fork."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.bot: Bot | None = None
        super().__init__()

    def load_config(self) -> None:
        settings = {
            "bind": f"0.0.0.0:{self.config.port}",
            "workers": self.config.web_concurrency,
            "worker_class": BufferedThreadWorker,  # gthread, but a thread only for a request that has arrived
            "threads": self.config.http_threads,
            "timeout": 60,
            "graceful_timeout": 30,
            "loglevel": self.config.log_level.lower(),
            "worker_exit": self._worker_exit,
            "control_socket_disable": True,  # one per $HOME: several bots on a machine would clash
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Callable:
        self.bot = create_app(self.config)
        self.bot.scheduler.start()  # one per worker: every job claims its work in the database
        application = wsgi_app(self.bot)
        # What start-up built (the app, Slack's and Bolt's modules, the templates, the locales)
        # lives as long as the worker. Frozen, the garbage collector stops walking it: a full
        # collection held the GIL for 25-30 ms (about 1 ms once frozen), and every request of
        # the worker waited.
        gc.freeze()
        return application

    def _worker_exit(self, server: object, worker: object) -> None:
        """Let deferred work finish before the worker goes (gunicorn waits graceful_timeout)."""
        if self.bot is not None:
            self.bot.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
