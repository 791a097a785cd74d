"""Modal submissions: validate inline within Slack's 3 seconds, store, acknowledge, then work."""

from __future__ import annotations

import logging
import sqlite3

from slack_bolt import Ack, App, BoltContext

from bot import clock, ids, opening, war_room_setup
from bot.ids import Callback, Field
from bot.views.forms import read_values
from handlers.plumbing import guarded, services_of

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.view(Callback.OPEN_CRISIS.value)(on_open_crisis)


@guarded
def on_open_crisis(ack: Ack, body: dict, context: BoltContext) -> None:
    services = services_of(context)
    view = body["view"]
    try:
        outcome = opening.submit(
            services,
            read_values(view),
            opener_id=body["user"]["id"],
            request_key=f"view:{view['id']}",
            context=ids.load(ids.OpenContext, view.get("private_metadata")),
            at=clock.now(),
        )
    except sqlite3.OperationalError:
        log.exception("could not store a new crisis")
        ack(
            response_action="errors", errors={Field.TITLE.value: "I could not save this just now. Please submit again."}
        )
        return
    if isinstance(outcome, opening.Invalid):
        ack(response_action="errors", errors=outcome.errors)
        return
    ack()
    services.defer(war_room_setup.set_up, services, outcome.id)
