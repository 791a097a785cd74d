"""Events from Slack's Events API: messages in the listening channel are counted as mentions."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext, BoltResponse

from bot.flows import listening
from handlers.plumbing import ACK_WRITE_SECONDS, services_of
from storage.database import StorageError

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event("message")(on_message)


def on_message(ack: Ack, body: dict, context: BoltContext) -> BoltResponse | None:
    """Store the mention, then ack (one short write: well inside Slack's 3 seconds). Messages
    in other channels the bot is in (its war rooms) are not counted. A database that cannot
    store it answers 503, so Slack delivers the message again later (a mention is keyed by its
    message, so it is counted once)."""
    services = services_of(context)
    try:
        with services.store.patience(ACK_WRITE_SECONDS):
            listening.count_message(services, body.get("event") or {})
    except StorageError as error:
        log.warning("could not count a message of the listening channel, Slack will send it again: %s", error)
        if body.get("event_id"):
            try:  # the redelivery check must not skip what was not counted
                with services.store.patience(ACK_WRITE_SECONDS):
                    services.seen_requests.forget(f"event:{body['event_id']}")
            except StorageError:
                pass  # then the check could not have recorded it either, most likely
        return BoltResponse(status=503, body="")
    ack()
    return None
