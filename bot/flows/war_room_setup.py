"""Setting up a crisis's war room in Slack, as a sequence of tasks that can be resumed.

Each task's completion is stored with what it produced (the channel id, a message ts) in one
transaction, and a lease lets one worker at a time run the sequence. Running it again, from
the opener's "Retry set-up" button, from `/crisis open` or from the scheduler after a crash,
only does what is left: one crisis never gets two channels, headers or checklists.

A failing task does not stop the tasks that do not depend on it: if an invitation fails, the
header and checklist are still posted, and the opener is told in plain words what to fix.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from bot import clock, publish
from bot.flows import lessons
from bot.model import Crisis, SetupState
from bot.publish.renders import checklist_key, header_key
from bot.rules.updates import shown_promise
from bot.services import Services
from bot.slack.gateway import SlackError
from bot.views import closing as closing_views
from bot.views import war_room as views
from bot.words.slugs import channel_name
from bot.words.text import user

log = logging.getLogger(__name__)

LEASE_SECONDS = 180
RETRY_AFTER_SECONDS = 300  # after a passing Slack failure, the scheduler tries again this much later
NAME_ATTEMPTS = 20


@dataclass
class Outcome:
    """What a task produced: crisis columns to store, details to keep, or people-level
    problems (the task then stays unfinished so a retry tries again)."""

    columns: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _create_channel(services: Services, crisis: Crisis) -> Outcome:
    if crisis.channel_name:  # an earlier attempt planned this name: did it die right after creating it?
        found = services.slack.own_channel(crisis.channel_name)
        if found and services.crises.by_channel(found) is None:
            return Outcome(columns={"channel_id": found, "channel_name": crisis.channel_name})
    opened_on = datetime.fromtimestamp(crisis.opened_at, UTC).date()
    for attempt in range(1, NAME_ATTEMPTS + 1):
        name = channel_name(crisis.title, opened_on, attempt)
        services.crises.plan_channel_name(crisis.id, name)
        try:
            created = services.slack.create_channel(name, private=crisis.is_private)
        except SlackError as error:
            if error.code == "name_taken":
                continue
            raise
        return Outcome(columns={"channel_id": created["id"], "channel_name": created["name"]})
    raise SlackError("conversations.create", "name_taken")


def _describe_channel(services: Services, crisis: Crisis) -> Outcome:
    services.slack.set_topic(crisis.channel_id, views.topic(crisis))  # type: ignore[arg-type]
    services.slack.set_purpose(crisis.channel_id, views.purpose(crisis))  # type: ignore[arg-type]
    return Outcome()


def _invite(services: Services, crisis: Crisis) -> Outcome:
    people = [crisis.owner_id, *services.crises.responders(crisis.id), crisis.opener_id]
    failed = services.slack.invite(crisis.channel_id, people)  # type: ignore[arg-type]
    problems = [SlackError("conversations.invite", code).could_not(f"invite {user(u)}") for u, code in failed.items()]
    return Outcome(detail={"invited": [u for u in people if u not in failed]}, problems=problems)


def _post_header(services: Services, crisis: Crisis) -> Outcome:
    ts = publish.show(services, crisis.channel_id, views.header(crisis))  # type: ignore[arg-type]
    shown = {"rendered_header": header_key(crisis, all_settled=False), "rendered_promise": shown_promise(None, 0)}
    return Outcome(columns={"header_ts": ts, **shown})


def _pin_header(services: Services, crisis: Crisis) -> Outcome:
    services.slack.pin(crisis.channel_id, crisis.header_ts)  # type: ignore[arg-type]
    return Outcome()


def _post_checklist(services: Services, crisis: Crisis) -> Outcome:
    version = services.steps.version(crisis.id)
    ts = publish.show(services, crisis.channel_id, views.checklist(crisis, services.steps.of(crisis.id)))  # type: ignore[arg-type]
    return Outcome(columns={"checklist_ts": ts, "rendered_checklist": checklist_key(version, crisis)})


def _past_lessons(services: Services, crisis: Crisis) -> Outcome:
    found = lessons.for_new_crisis(services, crisis)
    if found:
        publish.show(services, crisis.channel_id, closing_views.past_lessons(crisis, found))  # type: ignore[arg-type]
    return Outcome(detail={"shown": [c.id for c, _ in found]})


def _tell_owner(services: Services, crisis: Crisis) -> Outcome:
    publish.show(services, crisis.owner_id, views.owner_notice(crisis))
    return Outcome()


@dataclass(frozen=True)
class Task:
    name: str
    what: str  # completes "I could not …" for the opener
    needs: tuple[str, ...]
    run: Callable[[Services, Crisis], Outcome]


TASKS: tuple[Task, ...] = (
    Task("channel", "create the war-room channel", (), _create_channel),
    Task("topic", "set the channel's topic", ("channel",), _describe_channel),
    Task("invite", "invite everyone", ("channel",), _invite),
    Task("header", "post the crisis header", ("channel",), _post_header),
    Task("pin", "pin the header", ("header",), _pin_header),
    Task("checklist", "post the checklist", ("channel",), _post_checklist),
    Task("owner", "tell the owner by DM", ("channel",), _tell_owner),
    Task("lessons", "show the lessons of earlier crises", ("checklist",), _past_lessons),
)


class Run(Enum):
    DONE = "done"  # tasks ran; the opener has been told how it went
    NOTHING_LEFT = "nothing_left"  # every task had already been done
    BUSY = "busy"  # another worker holds the lease and is setting it up now


def set_up(services: Services, crisis_id: int, *, reply_url: str | None = None) -> Run:
    """Run what is left of a crisis's set-up and tell the opener how it went: through
    `reply_url` (replacing the message whose Retry button was clicked) when given, else where
    they ran /crisis open, else by DM."""
    if not services.crises.claim_setup(crisis_id, now=clock.now(), lease_seconds=LEASE_SECONDS):
        return Run.BUSY
    problems: list[str] = []
    transient = False
    worked = False
    try:
        for task in TASKS:
            crisis = services.crises.get(crisis_id)
            done = services.crises.tasks_done(crisis_id)
            if crisis is None or task.name in done or any(n not in done for n in task.needs):
                continue
            worked = True
            try:
                outcome = task.run(services, crisis)
            except SlackError as error:
                log.warning("crisis %s: set-up task %s failed: %s", crisis_id, task.name, error)
                problems.append(error.could_not(task.what))
                transient = transient or error.transient
                continue
            if outcome.problems:
                problems.extend(outcome.problems)
                continue
            now = clock.now()
            services.crises.task_done(
                crisis_id, task.name, at=now, lease_until=now + LEASE_SECONDS, detail=outcome.detail, **outcome.columns
            )
    finally:
        state = SetupState.DONE if not problems else SetupState.PENDING if transient else SetupState.FAILED
        retry_at = clock.now() + RETRY_AFTER_SECONDS if state is SetupState.PENDING else None
        services.crises.release_setup(crisis_id, state=state, error=" ".join(problems) or None, retry_at=retry_at)
    if not worked:
        return Run.NOTHING_LEFT
    _report(services, crisis_id, problems, reply_url)
    return Run.DONE


def _report(services: Services, crisis_id: int, problems: list[str], reply_url: str | None) -> None:
    """Tell the opener where they ran /crisis open (or by DM), and record it on the timeline."""
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
        publish.show(services, crisis.opener_id, message)
    except SlackError as error:
        log.error("crisis %s: could not tell the opener about set-up: %s", crisis_id, error)
