"""Setting up a crisis's war room in Slack, as a graph of tasks that can be resumed.

Each task's start is stored before it calls Slack, and its completion with what it produced
(the channel id, a message ts) in one transaction; a lease lets one worker at a time run the
graph. A task started and never finished may have done its work in Slack all the same
(the process died, Slack's answer was lost): its next try looks for what Slack has (the
channel by its planned name, a message by its key) and adopts it. Running it again, from
the opener's "Retry set-up" button, from `/crisis open` or from the scheduler after a crash,
only does what is left: one crisis never gets two channels, headers or checklists.

A failing task does not stop the tasks that do not depend on it: if an invitation fails, the
header and checklist are still posted, and the opener is told in plain words what to fix.
"""

from __future__ import annotations

import contextvars
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from bot import clock, publish
from bot.flows import access, lessons, tracking
from bot.model import Crisis, SetupState
from bot.publish import keys
from bot.publish.outgoing import for_the_team
from bot.publish.renders import checklist_key, header, header_key, volume_key
from bot.rules.updates import shown_promise
from bot.services import Services
from bot.slack.blockkit import Message
from bot.slack.gateway import SlackError
from bot.views import closing as closing_views
from bot.views import war_room as views
from bot.words.i18n import N_, _
from bot.words.slugs import channel_name
from bot.words.text import channel, user
from storage.crises import SetupStart
from storage.database import StorageError

log = logging.getLogger(__name__)

LEASE_SECONDS = 180
# After the first, second, third and every later passing Slack failure in a row, the scheduler
# tries again this many seconds later: a crisis cannot wait minutes for its war room.
RETRY_STEPS_SECONDS = (5, 15, 30, 60)
NAME_ATTEMPTS = 20


@dataclass
class Outcome:
    """What a task produced: crisis columns to store, details to keep, or people-level
    problems (the task then stays unfinished so a retry tries again)."""

    columns: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Attempt:
    """One try at one task: the crisis as stored now, and `earlier`, when an earlier try at the
    same task started and never finished (its process died, Slack's answer was lost): what
    that try did may be in Slack already."""

    services: Services
    crisis: Crisis
    task: str
    earlier: int | None
    first: bool = False  # the first try, recorded with the crisis itself: nothing of it can be in Slack yet

    def post(self, to: str, message: Message) -> str:
        """Post the task's message once: it carries the task's key, so the one an earlier try
        posted is found and adopted instead of posted again. Returns its ts."""
        key = keys.setup(self.crisis.id, self.task)
        return publish.show(self.services, to, message, key=key, posted_since=self.earlier)

    def writing_for(self, to: str) -> AbstractContextManager[None]:
        """The language of what a task posts: a DM in its reader's, the war room's in the team's."""
        if to.startswith(("U", "W")):
            return self.services.reading(to)
        return for_the_team(self.services, self.crisis)


def _create_channel(a: Attempt) -> Outcome:
    """Create the war room, or adopt the one Slack created for an earlier attempt whose answer
    never came (the process died, the connection dropped): creating is never blindly repeated,
    since the repeat would only hit `name_taken` and open a second channel."""
    services, crisis = a.services, a.crisis
    if crisis.channel_name and not a.first:  # an earlier attempt planned this name: did Slack create it then?
        adopted = _adopt(services, crisis.channel_name)
        if adopted:
            return adopted
    for name in channel_names(crisis.title, crisis.opened_at):
        planned = a.first and name == crisis.channel_name  # with the crisis, moments ago
        if not planned and not services.crises.plan_channel_name(crisis.id, name):
            continue  # another crisis's set-up is creating a channel with this name
        try:
            created = services.slack.create_channel(name, private=crisis.is_private)
        except SlackError as error:
            if error.code == "name_taken":
                continue
            adopted = _adopt(services, name) if error.unanswered else None
            if adopted:
                return adopted
            raise
        return Outcome(columns={"channel_id": created["id"], "channel_name": created["name"]})
    names = channel_names(crisis.title, crisis.opened_at)
    return Outcome(problems=[views.names_taken(names[0], names[-1])])  # the task stays unfinished: Retry tries again


def channel_names(title: str, opened_at: int) -> tuple[str, ...]:
    """The names a crisis's war room is created under, in the order they are tried."""
    opened_on = datetime.fromtimestamp(opened_at, UTC).date()
    return tuple(channel_name(title, opened_on, attempt) for attempt in range(1, NAME_ATTEMPTS + 1))


def _adopt(services: Services, name: str) -> Outcome | None:
    """The channel called `name` the bot created, if Slack has it and no crisis has taken it."""
    found = services.slack.created_channel(name)
    if found is None or services.crises.by_channel(found) is not None:
        return None
    return Outcome(columns={"channel_id": found, "channel_name": name})


def _set_topic(a: Attempt) -> Outcome:
    a.services.slack.set_topic(a.crisis.channel_id, views.topic(a.crisis))  # type: ignore[arg-type]
    return Outcome()


def _set_purpose(a: Attempt) -> Outcome:
    a.services.slack.set_purpose(a.crisis.channel_id, views.purpose(a.crisis))  # type: ignore[arg-type]
    return Outcome()


def _invite(a: Attempt) -> Outcome:
    """Everyone in the crisis: the owner, the responders and the opener first, then whoever
    else is part of it (a reopened crisis's war room gets back everyone who was in it)."""
    crisis, services = a.crisis, a.services
    people = [
        crisis.owner_id,
        *services.crises.responders(crisis.id),
        crisis.opener_id,
        *sorted(services.crises.participants(crisis.id)),
    ]
    failed = services.slack.invite(crisis.channel_id, people)  # type: ignore[arg-type]
    problems = [
        # Translators: completes "I could not …"; {person} is a mention of someone
        SlackError("conversations.invite", code).could_not(_("invite {person}").format(person=user(u)))
        for u, code in failed.items()
    ]
    return Outcome(detail={"invited": [u for u in people if u not in failed]}, problems=problems)


def _count_earlier(a: Attempt) -> Outcome:
    """Count for the crisis what its keywords match among the mentions stored before it opened:
    the rise that led to it, and the baseline its header compares with."""
    crisis = a.crisis
    try:
        counted = tracking.count_earlier(
            a.services, crisis.id, crisis.keywords, opened_at=crisis.opened_at, now=clock.now()
        )
    except (sqlite3.OperationalError, StorageError) as error:  # locked past its timeout, or full
        log.warning("crisis %s: could not count the earlier mentions: %s", crisis.id, error)
        # Translators: why the mentions could not be counted, in "I could not count … ({why})."
        why = str(error) if isinstance(error, StorageError) else _("the database was busy")
        # Translators: {why} is a reason such as "the database was busy"
        problem = _("I could not count the mentions from before it opened ({why}).").format(why=why)
        return Outcome(problems=[problem])
    return Outcome(detail={"counted": counted})


def _post_header(a: Attempt) -> Outcome:
    latest, now = a.services.updates.latest(a.crisis.id), clock.now()  # a reopened crisis may have updates
    with a.writing_for(a.crisis.channel_id):  # type: ignore[arg-type]
        message = header(a.services, a.crisis, latest=latest, now=now)
    ts = a.post(a.crisis.channel_id, message)  # type: ignore[arg-type]
    return Outcome(
        columns={
            "header_ts": ts,
            "rendered_header": header_key(a.crisis, all_settled=False),
            "rendered_volume": volume_key(message),
            "volume_rendered_at": now,
            "rendered_promise": shown_promise(latest, now),
        }
    )


def _pin_header(a: Attempt) -> Outcome:
    a.services.slack.pin(a.crisis.channel_id, a.crisis.header_ts)  # type: ignore[arg-type]
    return Outcome()


def _post_checklist(a: Attempt) -> Outcome:
    steps = a.services.steps
    version = steps.version(a.crisis.id)
    with a.writing_for(a.crisis.channel_id):  # type: ignore[arg-type]
        message = views.checklist(a.crisis, steps.of(a.crisis.id))
    ts = a.post(a.crisis.channel_id, message)  # type: ignore[arg-type]
    return Outcome(columns={"checklist_ts": ts, "rendered_checklist": checklist_key(version, a.crisis)})


def _past_lessons(a: Attempt) -> Outcome:
    found = lessons.for_new_crisis(a.services, a.crisis)
    if found:
        with a.writing_for(a.crisis.channel_id):  # type: ignore[arg-type]
            message = closing_views.past_lessons(a.crisis, found)
        a.post(a.crisis.channel_id, message)  # type: ignore[arg-type]
    return Outcome(detail={"shown": [c.id for c, _closure in found]})


def _tell_owner(a: Attempt) -> Outcome:
    with a.writing_for(a.crisis.owner_id):
        message = views.owner_notice(a.crisis)
    a.post(a.crisis.owner_id, message)
    return Outcome()


@dataclass(frozen=True)
class Task:
    name: str
    what: str  # completes "I could not …" for the opener: marked with N_, translated when told
    needs: tuple[str, ...]
    run: Callable[[Attempt], Outcome]
    # Tasks that need nothing and go first when there is one, but whose failure holds nothing
    # back: the header waits for the count of earlier mentions, so its figures include them,
    # and is posted anyway when the count could not be made.
    after: tuple[str, ...] = ()


TASKS: tuple[Task, ...] = (
    # Translators: a set-up step, completes "I could not …"
    Task("channel", N_("create the war-room channel"), (), _create_channel),
    # Translators: a set-up step, completes "I could not …"
    Task("topic", N_("set the channel's topic"), ("channel",), _set_topic),
    # Translators: a set-up step, completes "I could not …"
    Task("purpose", N_("set the channel's purpose"), ("channel",), _set_purpose),
    # Translators: a set-up step, completes "I could not …"
    Task("invite", N_("invite everyone"), ("channel",), _invite),
    # Translators: a set-up step, completes "I could not …"
    Task("mentions", N_("count the mentions before it opened"), (), _count_earlier),
    # Translators: a set-up step, completes "I could not …"
    Task("header", N_("post the crisis header"), ("channel",), _post_header, after=("mentions",)),
    # Translators: a set-up step, completes "I could not …"
    Task("pin", N_("pin the header"), ("header",), _pin_header),
    # Translators: a set-up step, completes "I could not …"
    Task("checklist", N_("post the checklist"), ("channel",), _post_checklist),
    # Translators: a set-up step, completes "I could not …"
    Task("owner", N_("tell the owner by DM"), ("channel",), _tell_owner),
    # Translators: a set-up step, completes "I could not …"
    Task("lessons", N_("show the lessons of earlier crises"), ("checklist",), _past_lessons),
)


# The tasks a set-up starts with: they need nothing, and nothing goes before them.
FIRST_TASKS = tuple(task.name for task in TASKS if not task.needs and not task.after)


def start(title: str, opened_at: int) -> SetupStart:
    """The start of a new crisis's set-up, stored with the crisis (storage.crises.SetupStart):
    the set-up that follows the ack then asks Slack for the channel at once."""
    return SetupStart(lease_seconds=LEASE_SECONDS, tasks=FIRST_TASKS, names=channel_names(title, opened_at))


class Run(Enum):
    DONE = "done"  # tasks ran; the opener has been told how it went
    NOTHING_LEFT = "nothing_left"  # every task had already been done
    BUSY = "busy"  # another worker holds the lease and is setting it up now


def resume_refusal(services: Services, crisis: Crisis, actor: str) -> str | None:
    """Why `actor` may not run what is left of this crisis's set-up: its report goes to whoever
    asks, so only the opener (whose Retry button it is), the owner or a crisis admin may."""
    if actor == crisis.opener_id or access.owner_or_admin(services, crisis, actor):
        return None
    return _(
        "Only {opener}, who opened crisis #{number}, its owner or a crisis admin can finish setting up its war room."
    ).format(opener=user(crisis.opener_id), number=crisis.id)


def set_up(services: Services, crisis_id: int, *, reply_url: str | None = None, started: Crisis | None = None) -> Run:
    """Run what is left of a crisis's set-up and tell the opener how it went: through
    `reply_url` (replacing the message whose Retry button was clicked) when given, else where
    they ran /crisis open, else by DM. A passing failure is tried again by the scheduler after
    a back-off of seconds; a person's retry runs at once, whatever the back-off.

    `started` is a crisis just stored with the start of its set-up (`start`) by this process:
    its lease is held, its first tasks are recorded and its channel name is planned, so the
    channel is asked for at once."""
    if started is not None:
        before = started
    else:
        found = services.crises.get(crisis_id)
        if found is None or not services.crises.claim_setup(crisis_id, now=clock.now(), lease_seconds=LEASE_SECONDS):
            return Run.BUSY
        before = found
    progress = _Progress()
    try:
        _run_tasks(services, crisis_id, progress, started)
    finally:
        problems = progress.problems
        state = SetupState.DONE if not problems else SetupState.PENDING if progress.transient else SetupState.FAILED
        failures = before.setup_failures + 1 if state is SetupState.PENDING else 0
        # Stored and shown later (`/crisis status`): in the language of whoever ran this set-up.
        services.crises.release_setup(
            crisis_id, state=state, error=" ".join(problems) or None, retry_at=_retry_at(failures), failures=failures
        )
    if not progress.worked:
        return Run.NOTHING_LEFT
    if reply_url or not problems or " ".join(problems) != before.setup_error:  # the same failure is told once
        _report(services, crisis_id, problems, reply_url)
    return Run.DONE


def retry(services: Services, crisis_id: int, *, actor: str, reply_url: str | None) -> str | None:
    """A person's "Retry set-up": run what is left now, whatever the back-off. Returns what to
    tell them when nothing ran (the set-up report, through `reply_url`, says the rest)."""
    crisis = services.crises.get(crisis_id)
    if crisis is None:
        return _("That crisis no longer exists.")
    refusal = resume_refusal(services, crisis, actor)
    if refusal:
        return refusal
    run = set_up(services, crisis.id, reply_url=reply_url)
    if run is Run.BUSY:
        return _("Crisis #{number} is being set up right now; you will hear when it is done.").format(number=crisis.id)
    if run is Run.NOTHING_LEFT:
        return _("Crisis #{number} is already set up: {channel}.").format(
            number=crisis.id, channel=channel(crisis.channel_id)
        )
    return None


def _retry_at(failures: int) -> int | None:
    """When the scheduler tries again after this many passing failures in a row (None: never)."""
    if not failures:
        return None
    return clock.now() + RETRY_STEPS_SECONDS[min(failures, len(RETRY_STEPS_SECONDS)) - 1]


@dataclass
class _Progress:
    worked: bool = False  # some task ran (else everything had been done already)
    transient: bool = False  # some failure may pass if tried again later
    problems: list[str] = field(default_factory=list)


def _run_tasks(services: Services, crisis_id: int, progress: _Progress, started: Crisis | None) -> None:
    """Run every task as soon as the tasks it needs are done, the independent ones at once:
    the war room is ready after three round trips to Slack (channel; header, checklist, topic,
    purpose, invitations and the DM together; then the pin and the lessons), not eight. Each
    task's start is stored before it runs and its completion the moment it finishes; one that
    fails holds back only the tasks that need it. The count of earlier mentions (no Slack call)
    runs beside the channel's creation, and the header, which shows it, starts once it has
    finished or failed. The tasks that can start together are recorded in one transaction;
    those of a `started` set-up were recorded with the crisis."""
    finished = set() if started else set(services.crises.tasks_done(crisis_id))
    failed: set[str] = set()
    running: dict[Future[Outcome], Task] = {}
    while True:
        crisis = started or services.crises.get(crisis_id)  # with what the finished tasks stored
        if crisis is None:
            break
        ready = [
            task
            for task in TASKS
            if task.name not in finished
            and task.name not in failed
            and task not in running.values()
            and all(n in finished for n in task.needs)
            and all(n in finished or n in failed for n in task.after)
        ]
        first = started is not None  # its first tasks were recorded with the crisis
        if first:
            earlier: dict[str, int | None] = dict.fromkeys(FIRST_TASKS)
            started = None
        else:
            earlier = services.crises.start_tasks(crisis_id, [t.name for t in ready], at=clock.now()) if ready else {}
        for task in ready:
            attempt = Attempt(services, crisis, task.name, earlier[task.name], first)
            # in this set-up's context: what a task says went wrong is in the language it reports in
            running[services.calls.submit(contextvars.copy_context().run, task.run, attempt)] = task
            progress.worked = True
        if not running:
            break
        completed, _pending = wait(running, return_when=FIRST_COMPLETED)
        for future in completed:
            task = running.pop(future)
            if _finished(services, crisis_id, task, future, progress):
                finished.add(task.name)
            else:
                failed.add(task.name)


def _finished(services: Services, crisis_id: int, task: Task, future: Future[Outcome], progress: _Progress) -> bool:
    """Store a task that succeeded, or say in plain words why it did not."""
    try:
        outcome = future.result()
    except SlackError as error:
        log.warning("crisis %s: set-up task %s failed: %s", crisis_id, task.name, error)
        progress.problems.append(error.could_not(_(task.what)))
        progress.transient = progress.transient or error.transient
        return False
    except Exception:
        log.exception("crisis %s: set-up task %s failed", crisis_id, task.name)
        # Translators: {what} is a set-up step such as "pin the header"
        problem = _("I could not {what}: something went wrong on our side.").format(what=_(task.what))
        progress.problems.append(problem)
        return False
    if outcome.problems:
        progress.problems.extend(outcome.problems)
        return False
    now = clock.now()
    services.crises.task_done(
        crisis_id, task.name, at=now, lease_until=now + LEASE_SECONDS, detail=outcome.detail, **outcome.columns
    )
    return True


def _report(services: Services, crisis_id: int, problems: list[str], reply_url: str | None) -> None:
    """Tell the opener (or the reopener) where they ran the command (or by DM), and record it on
    the timeline."""
    crisis = services.crises.get(crisis_id)
    assert crisis is not None
    if not (crisis.response_url or crisis.origin_channel_id or crisis.reopened_by):  # stored before its form's record?
        services.crises.origin_from_form(crisis_id)
        crisis = services.crises.get(crisis_id)
        assert crisis is not None
    kind = "setup_failed" if problems else "war_room_ready"
    services.timeline.record(crisis_id, at=clock.now(), actor=None, kind=kind, detail={"problems": problems})
    message = views.setup_report(crisis, problems, resumable=bool(problems))
    for url, replace in ((reply_url, True), (crisis.response_url, False)):
        if not url:
            continue
        try:
            services.slack.respond(url, message, replace_original=replace)
            return
        except SlackError as error:  # response_urls expire after 30 minutes and 5 uses
            log.info("crisis %s: response_url failed (%s)", crisis_id, error.code)
    try:
        publish.show(services, crisis.reopened_by or crisis.opener_id, message)
    except SlackError as error:
        log.error("crisis %s: could not tell the opener about set-up: %s", crisis_id, error)
