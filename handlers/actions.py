"""Button clicks: one listener for every action_id in bot.ids.Action, dispatched by kind."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, App, BoltContext

from bot import ids, war_room_setup
from bot.ids import Action
from bot.services import Services
from bot.views import replies
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


HANDLERS: dict[Action, Callable[[Services, Interaction, str], None]] = {
    Action.RESUME_SETUP: _resume_setup,
    Action.OPEN_ANYWAY: _open_anyway,
}
