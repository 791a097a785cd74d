"""Start the crisis bot: `python app.py`.

Reads `.env`, validates the configuration (a missing or malformed token stops start-up with one
line and exit code 2), builds the Bolt app and runs it in Socket Mode when SLACK_APP_TOKEN is
set, otherwise as an HTTP server on PORT at POST /slack/events (waitress, production grade).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable

from dotenv import load_dotenv
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot.config import Config, ConfigError
from bot.gateway import SlackGateway, build_client
from bot.services import Services
from handlers import actions, commands, views
from handlers.plumbing import install_middleware

log = logging.getLogger("crisis")

EXIT_CONFIG = 2


@dataclass
class Bot:
    """The Bolt app, the services it runs on and the pool its listeners run in."""

    app: App
    services: Services
    executor: ThreadPoolExecutor

    def close(self) -> None:
        """Let running listeners finish, then close the database."""
        self.executor.shutdown(wait=True)
        self.services.store.close()


def create_app(config: Config, *, executor: ThreadPoolExecutor | None = None) -> Bot:
    """The Bolt app with every listener registered (auth.test is called once, here)."""
    client = build_client(config.bot_token, config.api_url)
    services = Services.build(config, SlackGateway(client))
    # Bolt's default pool of 5 threads makes later acks miss Slack's 3 s when Slack is slow.
    executor = executor or ThreadPoolExecutor(max_workers=config.listener_threads, thread_name_prefix="listener")
    try:
        app = App(signing_secret=config.signing_secret, client=client, listener_executor=executor)
    except BaseException:
        services.store.close()
        raise
    install_middleware(app, services)
    commands.register(app)
    actions.register(app)
    views.register(app)
    return Bot(app, services, executor)


def wsgi_app(app: App) -> Callable[[dict, Callable], Iterable[bytes]]:
    """Slack's requests at POST /slack/events, and GET /healthz for load balancers."""
    slack = SlackRequestHandler(app, path="/slack/events")

    def application(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        return slack(environ, start_response)

    return application


def main(argv: list[str]) -> int:
    load_dotenv(override=False)
    try:
        config = Config.from_env(os.environ)
    except ConfigError as error:
        print(f"crisis bot: {error}", file=sys.stderr)
        return EXIT_CONFIG
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        bot = create_app(config)
    except (BoltError, SlackApiError) as error:
        print(f"crisis bot: Slack refused SLACK_BOT_TOKEN ({error}); check the token and SLACK_API_URL.", file=sys.stderr)
        return EXIT_CONFIG
    except OSError as error:
        print(f"crisis bot: could not reach Slack at {config.api_url} ({error}).", file=sys.stderr)
        return 1
    if config.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("starting in Socket Mode")
        SocketModeHandler(bot.app, config.app_token).start()
    else:
        import waitress

        log.info("listening on port %s at POST /slack/events", config.port)
        waitress.serve(wsgi_app(bot.app), host="0.0.0.0", port=config.port, threads=config.http_threads, ident="crisis-bot")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
