"""Events from Slack's Events API: messages in the listening channel are counted as mentions."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot.flows import listening
from handlers.plumbing import services_of


def register(app: App) -> None:
    app.event("message")(on_message)


def on_message(ack: Ack, body: dict, context: BoltContext) -> None:
    """Store the mention, then ack (one short write: well inside Slack's 3 seconds). Messages
    in other channels the bot is in (its war rooms) are not counted."""
    listening.count_message(services_of(context), body.get("event") or {})
    ack()
