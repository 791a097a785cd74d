"""What every listener shares: the services, retry de-duplication, and never a stack trace.

Listeners all take `(ack, body, context)`: everything else is derived from the payload, and
the uniform signature lets `guarded` wrap them (Bolt injects arguments by the wrapped
function's parameter names).
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse
from slack_sdk.models.views import View

from bot import clock
from bot.model import Crisis
from bot.services import Services
from bot.slack import ids
from bot.slack.blockkit import Message
from bot.slack.gateway import SlackError
from bot.views import notices
from storage.database import StorageError

log = logging.getLogger(__name__)

Listener = Callable[[Ack, dict, BoltContext], None]

# How long a write before an ack may wait for another process's lock: a request stores at most
# twice before it answers (the redelivery check, then what was submitted), within Slack's 3 s.
# (Bolt runs middleware one after the other, not nested, so each of the two sets it itself.)
ACK_WRITE_SECONDS = 1.0


@dataclass(frozen=True)
class Interaction:
    """The parts of any Slack request a flow needs, whatever the payload shape."""

    user_id: str
    channel_id: str | None
    trigger_id: str | None
    response_url: str | None
    message_ts: str | None = None  # the message whose button was clicked
    view: dict[str, Any] | None = None  # the modal a button in a modal belongs to
    subject: Subject | None = None  # what the request is about, resolved by the middleware

    @classmethod
    def of(cls, body: dict[str, Any], subject: Subject | None = None) -> Interaction:
        user = body.get("user")
        user_id = user.get("id") if isinstance(user, dict) else body.get("user_id")
        channel = body.get("channel")
        channel_id = channel.get("id") if isinstance(channel, dict) else body.get("channel_id")
        container = body.get("container") or {}
        return cls(
            user_id=user_id or "",
            channel_id=channel_id or container.get("channel_id"),
            trigger_id=body.get("trigger_id"),
            response_url=body.get("response_url"),
            message_ts=container.get("message_ts"),
            view=body.get("view") if isinstance(body.get("view"), dict) else None,
            subject=subject,
        )

    @property
    def crisis(self) -> Crisis | None:
        """The crisis the request is about (see Subject), loaded at most once per request."""
        return self.subject.crisis if self.subject else None

    @property
    def ref(self) -> Any:
        """The typed reference of the button or modal (raises ValueError for a forged one)."""
        assert self.subject is not None, "the subject middleware runs before every listener"
        return self.subject.ref


class Subject:
    """What one request is about, resolved once by the middleware and lazily (an ack reads
    nothing it does not need): the reference the bot put in a button's value or a modal's
    private_metadata, typed by bot.slack.ids, and the crisis it names or, for a slash command,
    the crisis whose war room it runs in. Work deferred past the ack reads the store again,
    since the crisis may have changed meanwhile."""

    def __init__(self, services: Services, body: dict[str, Any]) -> None:
        self.services = services
        self.body = body

    @cached_property
    def ref(self) -> Any:
        body = self.body
        if body.get("type") == "block_actions" and body.get("actions"):
            action = body["actions"][0]
            value = action.get("value") or (action.get("selected_option") or {}).get("value")
            return ids.load(ids.ACTION_REFS[ids.Action.parse(action.get("action_id", ""))], value)
        view = body.get("view") if body.get("type") == "view_submission" else None
        if isinstance(view, dict):
            return ids.load(ids.CALLBACK_REFS[ids.Callback(view.get("callback_id"))], view.get("private_metadata"))
        return None

    @cached_property
    def crisis(self) -> Crisis | None:
        """The crisis the reference names (through its draft or follow-up), else the war room's."""
        crises = self.services.crises
        if self.body.get("command"):
            return crises.by_channel(self.body.get("channel_id") or "")
        ref = self.ref
        if isinstance(ref, ids.DraftRef):
            draft = self.services.drafts.get(ref.draft)
            return crises.of(draft)
        if isinstance(ref, ids.FollowUpRef):
            followup = self.services.closures.followup(ref.followup)
            return crises.of(followup)
        crisis_id = getattr(ref, "crisis", None)
        return crises.get(crisis_id) if isinstance(crisis_id, int) else None


def subject_of(context: BoltContext) -> Subject:
    return context["subject"]  # type: ignore[no-any-return]


def services_of(context: BoltContext) -> Services:
    return context["services"]  # type: ignore[no-any-return]


def tell(services: Services, who: Interaction, message: Message) -> None:
    """An ephemeral answer to the person who acted: through the response_url when the request
    has one, else by DM. Failing to answer is logged, never raised."""
    try:
        if who.response_url:
            services.slack.respond(who.response_url, message)
        else:
            services.slack.post(who.user_id, message)
    except SlackError as error:
        log.warning("could not answer %s: %s", who.user_id, error)


def defer_answer(
    services: Services, who: Interaction, work: Callable[..., str | None], *args: Any, **kwargs: Any
) -> None:
    """Run a domain call after the ack and tell the person what it answers, privately. Flows
    answer in words (a refusal or a result, already escaped); None means the change speaks for
    itself in the channel. The notice around the words is built here, in the view; a change
    the database could not take is answered as such."""

    def run() -> None:
        try:
            answer = work(*args, **kwargs)
        except StorageError as error:
            log.warning("could not store what %s asked for: %s", who.user_id, error)
            answer = notices.not_saved(str(error))
        if answer is not None:
            tell(services, who, notices.note(answer))

    services.defer(run)


def open_view_or_explain(
    services: Services, who: Interaction, view: View | dict[str, Any], *, again: str = "Click the button again."
) -> dict[str, Any] | None:
    """Open a modal on this interaction's trigger (valid 3 s, once); if Slack refuses, tell the
    person why and what to do `again`. Returns the opened view, or None."""
    try:
        return services.slack.open_view(who.trigger_id or "", view)
    except SlackError as error:
        tell(services, who, notices.note(f"{error.could_not('open the form')} {again}"))
        return None


def open_when_ready(services: Services, who: Interaction, build: Callable[[], View | dict | Message]) -> None:
    """Open a modal whose content needs Slack calls first: a "Working…" modal opens at once
    (the trigger expires 3 s after the click, and a rate-limited call can take longer), then
    the real one replaces it; a refusal replaces it with its explanation."""
    opened = open_view_or_explain(services, who, notices.working_modal())
    if opened is None:
        return
    built = build()
    try:
        services.slack.update_view(opened["id"], notices.notice_modal(built) if isinstance(built, Message) else built)
    except SlackError as error:
        log.warning("could not fill modal %s: %s", opened.get("id"), error)


def guarded(listener: Listener) -> Listener:
    """Run a listener so that a failure is answered in plain words and Bolt still answers Slack
    (it answers 404 if a listener raises). A form stays open with what was typed and the reason
    under its first field; anything else gets a private message. A database that cannot take
    the write says so; an unexpected error is logged with a reference the person is given."""

    @functools.wraps(listener)
    def run(ack: Ack, body: dict, context: BoltContext) -> None:
        try:
            with services_of(context).store.patience(ACK_WRITE_SECONDS):  # what it stores before the ack
                listener(ack, body, context)
        except StorageError as error:
            log.warning("listener %s could not store: %s", listener.__name__, error)
            _answer_failure(
                ack, body, context, form=notices.form_not_saved(str(error)), other=notices.not_saved(str(error))
            )
        except Exception:
            reference = uuid.uuid4().hex[:8]
            log.exception("listener %s failed (reference %s)", listener.__name__, reference)
            form, other = notices.went_wrong(reference, form=True), notices.went_wrong(reference, form=False)
            _answer_failure(ack, body, context, form=form, other=other)

    return run


def _answer_failure(ack: Ack, body: dict, context: BoltContext, *, form: str, other: str) -> None:
    """Keep a submitted form open with `form` under its first field (closing it would lose what
    was typed); otherwise acknowledge, if not done yet, and tell the person `other` privately."""
    field = _first_input(body.get("view")) if body.get("type") == "view_submission" else None
    if ack.response is None and field:
        ack(response_action="errors", errors={field: form})
        return
    if ack.response is None:
        ack()
    tell(services_of(context), Interaction.of(body), notices.note(other))


def _first_input(view: Any) -> str | None:
    """The block_id of a modal's first input, where a failure to submit is shown."""
    blocks = view.get("blocks") if isinstance(view, dict) else None
    inputs = [b.get("block_id") for b in blocks or [] if isinstance(b, dict) and b.get("type") == "input"]
    return inputs[0] if inputs and isinstance(inputs[0], str) else None


def install_middleware(app: App, services: Services) -> None:
    """Give every listener the services and the request's subject, and drop requests Slack
    already delivered once."""

    @app.middleware
    def provide_services(context: BoltContext, next: Callable[[], None]) -> None:  # noqa: A002 (Bolt's name)
        context["services"] = services
        next()

    @app.middleware
    def resolve_subject(body: dict, context: BoltContext, next: Callable[[], None]) -> None:  # noqa: A002
        context["subject"] = Subject(services, body)
        next()

    @app.middleware
    def skip_redeliveries(body: dict, next: Callable[[], None]) -> BoltResponse | None:  # noqa: A002
        """Slack retries an event (same event_id) and may resend a request (same trigger_id);
        view submissions are de-duplicated by the crisis they store, not here, so a corrected
        resubmission of a modal is never mistaken for a retry."""
        key = None
        if body.get("event_id"):
            key = f"event:{body['event_id']}"
        elif body.get("trigger_id") and body.get("type") != "view_submission":
            key = f"trigger:{body['trigger_id']}"
        if key and not _first_time(key):
            log.info("skipping a redelivery of %s", key)
            return BoltResponse(status=200, body="")
        next()
        return None

    def _first_time(key: str) -> bool:
        """Whether the key is new; when the database cannot record it, the request is handled
        anyway: a read answers as always, and a change fails on its own write and says so."""
        try:
            with services.store.patience(ACK_WRITE_SECONDS):
                return services.seen_requests.first_time(key, now=clock.now())
        except StorageError as error:
            log.warning("could not record %s, so a redelivery of it would run again: %s", key, error)
            return True
