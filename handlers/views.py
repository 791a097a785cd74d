"""Modal submissions: validate inline within Slack's 3 seconds, store, acknowledge, then work."""

from __future__ import annotations

import logging
import sqlite3

from slack_bolt import Ack, App, BoltContext

from bot import checklist, clock, ids, opening, war_room_setup
from bot.checklist import Move
from bot.ids import Callback, Field
from bot.model import Step
from bot.views.forms import read_values
from handlers.actions import move_and_answer
from handlers.plumbing import Interaction, guarded, services_of

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.view(Callback.OPEN_CRISIS.value)(on_open_crisis)
    app.view(Callback.SKIP_STEP.value)(on_skip_step)


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


@guarded
def on_skip_step(ack: Ack, body: dict, context: BoltContext) -> None:
    services = services_of(context)
    ref = ids.load(ids.StepRef, body["view"].get("private_metadata"))
    reason = read_values(body["view"]).get(Field.REASON.value)
    problem = checklist.reason_problem(Step(ref.step), reason)
    if problem:
        ack(response_action="errors", errors={Field.REASON.value: problem})
        return
    ack()
    services.defer(move_and_answer, services, Interaction.of(body), ref, Move.SKIP, reason)
