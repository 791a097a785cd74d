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
from typing import Any, Generic, TypeVar

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk.models.views import View

from bot import clock, publish
from bot.flows import inbox
from bot.model import Crisis
from bot.services import Services
from bot.slack import ids
from bot.slack.blockkit import Message
from bot.slack.gateway import SlackError
from bot.views import notices
from bot.words.i18n import _
from storage.database import StorageError

log = logging.getLogger(__name__)

Listener = Callable[[Ack, dict, BoltContext], None]
T = TypeVar("T")

# How long a write before an ack may wait for another process's lock: a request stores at most
# twice before it answers (the redelivery check, then the request for the inbox or what was
# submitted), within Slack's 3 s.
# (Bolt runs middleware one after the other, not nested, so each of the two sets it itself.)
ACK_WRITE_SECONDS = 1.0


@dataclass(frozen=True)
class Interaction:
    """The parts of any Slack request a flow needs, whatever the payload shape."""

    user_id: str
    channel_id: str | None
    trigger_id: str | None
    response_url: str | None
    request_key: str  # what Slack sent the request as: a submission's view, else its trigger
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
        view = body.get("view") if isinstance(body.get("view"), dict) else None
        if body.get("type") == "view_submission" and view:
            request_key = f"view:{view.get('id')}"
        else:
            request_key = f"trigger:{body.get('trigger_id') or uuid.uuid4().hex}"
        return cls(
            user_id=user_id or "",
            channel_id=channel_id or container.get("channel_id"),
            trigger_id=body.get("trigger_id"),
            response_url=body.get("response_url"),
            request_key=request_key,
            message_ts=container.get("message_ts"),
            view=view,
            subject=subject,
        )

    @property
    def crisis(self) -> Crisis | None:
        """The crisis the request is about (see Subject), loaded at most once per request."""
        return self.subject.crisis if self.subject else None

    @property
    def ref(self) -> Any:
        """The typed reference of the button or modal (the middleware has already turned away a
        request whose reference cannot be read or names nothing that exists)."""
        assert self.subject is not None, "the subject middleware runs before every listener"
        return self.subject.ref


class _once(Generic[T]):  # lower case: a decorator, like the cached_property it replaces
    """A property computed on first use and then kept on the instance: functools.cached_property
    without its lock. On Python 3.11 that lock is one per property for every instance, so every
    request of a process queued behind the others' database reads, and each hand-over also
    waited for the GIL. A Subject belongs to one request: at worst two threads read twice."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> T:
        if instance is None:
            return self  # type: ignore[return-value]
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


class Subject:
    """What one request is about, resolved once by the middleware and lazily (an ack reads
    nothing it does not need): the reference the bot put in a button's value or a modal's
    private_metadata, typed by bot.slack.ids, and the crisis it names or, for a slash command,
    the crisis whose war room it runs in. Work deferred past the ack reads the store again,
    since the crisis may have changed meanwhile.

    What a reference names is only a claim: `problem` turns away what cannot be read or no
    longer exists, and each flow then authorizes against the crisis it really touches."""

    def __init__(self, services: Services, body: dict[str, Any]) -> None:
        self.services = services
        self.body = body

    @property
    def is_form(self) -> bool:
        return self.body.get("type") == "view_submission"

    @_once
    def ref(self) -> Any:
        """The typed reference; ids.Unreadable for one the bot cannot have written (a template
        in a language it has no templates in included), ValueError for an action or form the
        bot does not have."""
        body = self.body
        ref = None
        if body.get("type") == "block_actions" and body.get("actions"):
            action = body["actions"][0]
            value = action.get("value") or (action.get("selected_option") or {}).get("value")
            ref = ids.load(ids.ACTION_REFS[ids.Action.parse(action.get("action_id") or "")], value)
        elif self.is_form and isinstance(body.get("view"), dict):
            kind = ids.CALLBACK_REFS[ids.Callback(body["view"].get("callback_id"))]
            ref = ids.load(kind, body["view"].get("private_metadata")) if kind else None
        if isinstance(ref, ids.TemplateRef) and ref.language not in self.services.templates.languages():
            raise ids.Unreadable(f"no templates in {ref.language!r}")
        return ref

    @_once
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

    @_once
    def problem(self) -> str | None:
        """Why nothing this request asks can be done, in plain words: a button or form the bot
        does not have (any more), a value it cannot read, or a crisis, draft, follow-up or spike
        alert that does not exist. None when the request can go on to its listener."""
        try:
            ref = self.ref
        except ids.Unreadable:
            return notices.cannot_read(form=self.is_form)
        except (KeyError, ValueError):  # an action_id or callback_id that is not the bot's
            return notices.no_longer_available(form=self.is_form)
        named = _NAMED.get(type(ref))
        if named is not None and self.crisis is None:
            return notices.gone(named, form=self.is_form)
        if isinstance(ref, ids.SpikeRef) and self.services.spikes.get(ref.spike) is None:
            return notices.gone("spike alert", form=self.is_form)
        return None


# What each kind of reference names (through which the crisis is found), to say it is gone.
_NAMED: dict[type, str] = {
    ids.StepRef: "crisis",
    ids.CrisisRef: "crisis",
    ids.TemplateRef: "crisis",
    ids.CloseRef: "crisis",
    ids.DraftRef: "draft",
    ids.FollowUpRef: "follow-up",
}


def subject_of(context: BoltContext) -> Subject:
    return context["subject"]  # type: ignore[no-any-return]


def services_of(context: BoltContext) -> Services:
    return context["services"]  # type: ignore[no-any-return]


def tell(services: Services, who: Interaction, message: Message) -> None:
    """An ephemeral answer to the person who acted (bot.publish.answer)."""
    publish.answer(services, who.user_id, who.response_url, message)


def accept(services: Services, who: Interaction, work: str, **args: Any) -> None:
    """Store what the person asked for before the ack goes out, and carry it out after it,
    telling them privately what the flow answers (bot.flows.inbox): a process that dies right
    after acknowledging loses nothing."""
    inbox.accept(services, work, key=who.request_key, user=who.user_id, reply_url=who.response_url, **args)


def defer_answer(
    services: Services,
    who: Interaction,
    work: Callable[..., str | None],
    *args: Any,
    failing: str | None = None,
    **kwargs: Any,
) -> None:
    """Run a domain call after the ack and tell the person what it answers, privately. Flows
    answer in words (a refusal or a result, already escaped); None means the change speaks for
    itself in the channel. A Slack failure is told too ("I could not `failing`: …", `failing`
    already translated by the caller), a change the database could not take is answered as
    such, and a bug with a reference: never a silent nothing. The notice around the words is
    built here, in the view."""

    def run() -> None:
        try:
            answer = work(*args, **kwargs)
        except StorageError as error:
            log.warning("could not store what %s asked for: %s", who.user_id, error)
            answer = notices.not_saved(str(error))
        except SlackError as error:
            log.warning("%s failed: %s", getattr(work, "__name__", work), error)
            # Translators: completes "I could not …", when nothing more particular can be said
            answer = error.could_not(failing or _("do that"))
        except Exception:
            tell(services, who, _went_wrong(f"deferred {getattr(work, '__name__', work)}"))
            return
        if answer is not None:
            tell(services, who, notices.note(answer))

    services.defer(run)


def open_view_or_explain(
    services: Services, who: Interaction, view: View | dict[str, Any], *, again: str | None = None
) -> dict[str, Any] | None:
    """Open a modal on this interaction's trigger (valid 3 s, once); if Slack refuses, tell the
    person why and what to do `again` (a sentence; by default, to click the button again).
    Returns the opened view, or None."""
    try:
        return services.slack.open_view(who.trigger_id or "", view)
    except SlackError as error:
        # Translators: completes "I could not …"
        could_not = error.could_not(_("open the form"))
        # Translators: after "I could not open the form: …"
        tell(services, who, notices.note(could_not + " " + (again or _("Click the button again."))))
        return None


def open_when_ready(
    services: Services,
    who: Interaction,
    build: Callable[[], View | dict | Message],
    *,
    before_showing: Callable[[str], None] | None = None,
) -> None:
    """Open a modal whose content needs Slack calls first: a "Working…" modal opens at once
    (the trigger expires 3 s after the click, and a rate-limited call can take longer), then
    the real one replaces it; a refusal replaces it with its explanation. `before_showing` is
    told the view id just before the real one (not a refusal) is shown."""
    opened = open_view_or_explain(services, who, notices.working_modal())
    if opened is None:
        return
    try:
        built = build()
        if before_showing is not None and not isinstance(built, Message):
            before_showing(opened["id"])
    except SlackError as error:
        # Translators: completes "I could not …"
        could_not = error.could_not(_("prepare the form"))
        # Translators: after "I could not prepare the form: …", in the modal that was to show it
        built = notices.note(could_not + " " + _("Close it and try again."))
    except Exception:  # the "Working…" view must never be left spinning
        built = _went_wrong(f"building the form for {who.user_id}")
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
            reference = _reference(f"listener {listener.__name__}")
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


def _reference(what: str) -> str:
    """Log the error being handled with a new reference the person can quote; returns it."""
    reference = uuid.uuid4().hex[:8]
    log.exception("%s failed (reference %s)", what, reference)
    return reference


def _went_wrong(what: str) -> Message:
    """The answer to a bug after the ack: logged with a reference, told in plain words."""
    return notices.note(notices.went_wrong(_reference(what), form=False))


def install_middleware(app: App, services: Services, *, reads_only: Callable[[dict], bool]) -> None:
    """Give every listener the services and the request's subject, drop requests Slack
    already delivered once (except those `reads_only` names: answered again, nothing written
    before their ack), and answer those whose subject cannot be acted on at all. One middleware
    does all of it, in that order, and as a Middleware class: Bolt builds a middleware
    function's arguments anew for every request (with one function per step that was a quarter
    of what a status ack cost), while it calls a class's `process` as it is."""

    class Prepare(Middleware):
        def process(
            self,
            *,
            req: BoltRequest,
            resp: BoltResponse,
            next: Callable[[], BoltResponse],  # noqa: A002 (Bolt's name)
        ) -> BoltResponse | None:
            body, context = req.body, req.context
            context["services"] = services
            subject = context["subject"] = Subject(services, body)
            if _redelivered(body):
                return BoltResponse(status=200, body="")
            problem = subject.problem
            if problem is not None:
                return _refuse(body, problem)
            next()
            return None

    app.use(Prepare())

    def _redelivered(body: dict) -> bool:
        """Slack retries an event (same event_id) and may resend a request (same trigger_id);
        view submissions are de-duplicated by the crisis they store, not here, so a corrected
        resubmission of a modal is never mistaken for a retry."""
        key = None
        if body.get("event_id"):
            key = f"event:{body['event_id']}"
        elif body.get("trigger_id") and body.get("type") != "view_submission" and not reads_only(body):
            key = f"trigger:{body['trigger_id']}"
        if key and not _first_time(key):
            log.info("skipping a redelivery of %s", key)
            return True
        return False

    def _first_time(key: str) -> bool:
        """Whether the key is new; when the database cannot record it, the request is handled
        anyway: a read answers as always, and a change fails on its own write and says so."""
        try:
            with services.store.patience(ACK_WRITE_SECONDS):
                return services.seen_requests.first_time(key, now=clock.now())
        except StorageError as error:
            log.warning("could not record %s, so a redelivery of it would run again: %s", key, error)
            return True

    def _refuse(body: dict, problem: str) -> BoltResponse:
        """A click or submission whose subject is unreadable or gone is answered here, in plain
        words: a form in the modal itself, a click privately after the ack. No listener runs,
        and Bolt never answers 404 for an action_id the bot no longer has."""
        if body.get("type") == "view_submission":
            return BoltResponse(status=200, body={"response_action": "update", "view": notices.notice_form(problem)})
        services.defer(tell, services, Interaction.of(body), notices.note(problem))
        return BoltResponse(status=200, body="")
