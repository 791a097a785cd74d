"""Button clicks: one listener for every action_id in bot.ids.Action, dispatched by kind."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, App, BoltContext

from bot import ids, step_changes, war_room_setup
from bot.checklist import Move
from bot.gateway import SlackError
from bot.ids import Action
from bot.model import Step
from bot.services import Services
from bot.views import replies
from bot.views import war_room as war_room_views
from bot.views.common import channel
from handlers.commands import open_modal
from handlers.plumbing import Interaction, guarded, services_of, tell


def register(app: App) -> None:
    app.action(Action.pattern())(on_action)


@guarded
def on_action(ack: Ack, body: dict, context: BoltContext) -> None:
    ack()
    action = body["actions"][0]
    handler = HANDLERS[Action.parse(action["action_id"])]
    handler(services_of(context), Interaction.of(body), action.get("value") or "")


def _resume_setup(services: Services, who: Interaction, value: str) -> None:
    services.defer(_resume, services, who, ids.load(ids.CrisisRef, value).crisis)


def _resume(services: Services, who: Interaction, crisis_id: int) -> None:
    crisis = services.crises.get(crisis_id)
    if crisis is None:
        tell(services, who, replies.note("That crisis no longer exists."))
        return
    run = war_room_setup.set_up(services, crisis.id, reply_url=who.response_url)
    if run is war_room_setup.Run.BUSY:
        tell(
            services,
            who,
            replies.note(f"Crisis #{crisis.id} is being set up right now; you will hear when it is done."),
        )
    elif run is war_room_setup.Run.NOTHING_LEFT:
        tell(services, who, replies.note(f"Crisis #{crisis.id} is already set up: {channel(crisis.channel_id)}."))


def _open_anyway(services: Services, who: Interaction, value: str) -> None:
    services.defer_urgent(open_modal, services, who, ids.load(ids.OpenContext, value).title)


def _step_done(services: Services, who: Interaction, value: str) -> None:
    services.defer(move_and_answer, services, who, ids.load(ids.StepRef, value), Move.DONE)


def _step_reopen(services: Services, who: Interaction, value: str) -> None:
    services.defer(move_and_answer, services, who, ids.load(ids.StepRef, value), Move.REOPEN)


def move_and_answer(
    services: Services, who: Interaction, ref: ids.StepRef, move: Move, reason: str | None = None
) -> None:
    """Apply a step move and, if it was refused, tell the person why (privately)."""
    answer = step_changes.move_step(services, ref.crisis, Step(ref.step), move, actor=who.user_id, reason=reason)
    if answer is not None:
        tell(services, who, answer)


def _step_skip(services: Services, who: Interaction, value: str) -> None:
    services.defer_urgent(_open_skip_modal, services, who, ids.load(ids.StepRef, value))


def _open_skip_modal(services: Services, who: Interaction, ref: ids.StepRef) -> None:
    refusal = step_changes.may_skip(services, ref.crisis, Step(ref.step), who.user_id)
    crisis = services.crises.get(ref.crisis)
    if refusal is not None or crisis is None:
        tell(services, who, refusal or replies.note("That crisis no longer exists."))
        return
    try:
        services.slack.open_view(who.trigger_id or "", war_room_views.skip_modal(crisis, Step(ref.step)))
    except SlackError as error:
        tell(services, who, replies.note(f"I could not open the form: {error.explain()}. Click the button again."))


HANDLERS: dict[Action, Callable[[Services, Interaction, str], None]] = {
    Action.RESUME_SETUP: _resume_setup,
    Action.OPEN_ANYWAY: _open_anyway,
    Action.STEP_DONE: _step_done,
    Action.STEP_UNDO: _step_reopen,
    Action.STEP_SKIP: _step_skip,
}
