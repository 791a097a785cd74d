"""Closing a crisis: "a crisis is not over until the cause is known, the responsible department
is told, and the action plan is changed so that it does not happen again" (the playbook).

Closing stores everything in one transaction first (crisis closed, lessons, follow-ups, the
timeline event), then tells everyone: the closing summary in the war room (before any
archiving), the note to management, a DM to each follow-up owner, the archive if chosen.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from typing import Any

from bot import clock, lessons
from bot.blockkit import Message
from bot.delivery import post_once
from bot.gateway import SlackError
from bot.ids import USER_ID, Field
from bot.model import Closure, Crisis, FollowUp, FollowUpState, StepState, StepStatus
from bot.opening import Invalid
from bot.services import Services
from bot.text import clean, one_line
from bot.views import closing as views
from bot.views.common import user, when
from bot.views.replies import note
from bot.war_room_refresh import refresh_checklist, refresh_header
from storage.closures import ClosureInput
from storage.timeline import Event

log = logging.getLogger(__name__)

# What people type when they do not want to write a lesson, in the languages of the team.
PLACEHOLDERS = {
    "n/a",
    "na",
    "n.a",
    "none",
    "nothing",
    "no",
    "nope",
    "nil",
    "-",
    "--",
    "...",
    "tbd",
    "todo",
    "ok",
    "okay",
    "see above",
    "idem",
    "same",
    "nvt",
    "geen",
    "niks",
    "nee",
    "net fan tapassing",
    "нет",
    "ничего",
    "н/д",
    "无",
    "没有",
    "无。",
    "tidak ada",
    "tidak",
    "nada",
    "ninguno",
    "ninguna",
    "nenhum",
    "nenhuma",
    "nichts",
    "keine",
    "kein",
    "rien",
    "aucun",
    "aucune",
    "néant",
}
MIN_LETTERS = 15
MIN_WORDS = 3
MIN_CJK = 6  # Chinese writes a sentence without spaces


def lesson_problem(text: str | None) -> str | None:
    """Why this is not a lesson (None when it is one): required, and a real sentence."""
    lesson = clean(text)
    if not lesson:
        return "Write down what was learnt: a crisis is closed only with its lessons."
    bare = lesson.lower().strip(" .!?。！")
    wide = sum(1 for c in lesson if unicodedata.east_asian_width(c) in ("W", "F") and c.isalpha())
    letters = sum(1 for c in lesson if c.isalpha())
    if bare in PLACEHOLDERS or not (wide >= MIN_CJK or (letters >= MIN_LETTERS and len(lesson.split()) >= MIN_WORDS)):
        return "That is not a lesson yet. Write a real sentence: what went wrong or right, and what to do differently next time."
    return None


@dataclass(frozen=True)
class CloseRequest:
    lessons: str
    root_cause: str
    goodwill: str
    force_reason: str
    archive: bool
    followups: tuple[tuple[str, str], ...]


def validate(values: dict[str, Any], *, forced: bool) -> CloseRequest | Invalid:
    """The close modal's values, or what to fix in each field."""
    errors: dict[str, str] = {}
    problem = lesson_problem(values.get(Field.LESSONS.value))
    if problem:
        errors[Field.LESSONS.value] = problem
    force_reason = clean(values.get(Field.FORCE_REASON.value))
    if forced and not force_reason:
        errors[Field.FORCE_REASON.value] = "Say why it is closed with steps still open: it goes on the record."
    followups = []
    for n in range(1, views.FOLLOWUP_ROWS + 1):
        what = one_line(values.get(f"{Field.FOLLOWUP.value}_{n}"))
        owner = values.get(f"{Field.FOLLOWUP.value}_owner_{n}") or ""
        if what and not USER_ID.fullmatch(owner):
            errors[f"{Field.FOLLOWUP.value}_owner_{n}"] = "Every change needs one person who owns it."
        elif owner and not what:
            errors[f"{Field.FOLLOWUP.value}_{n}"] = "Say what changes, or leave the owner empty."
        elif what:
            followups.append((what, owner))
    if errors:
        return Invalid(errors)
    return CloseRequest(
        lessons=clean(values.get(Field.LESSONS.value)),
        root_cause=clean(values.get(Field.ROOT_CAUSE.value)),
        goodwill=one_line(values.get(Field.GOODWILL.value)),
        force_reason=force_reason if forced else "",
        archive="archive" in (values.get(Field.ARCHIVE.value) or []),
        followups=tuple(followups),
    )


def may_close(services: Services, crisis: Crisis, actor: str) -> str | None:
    """Why `actor` may not close or reopen this crisis (None when they may): the owner and the
    members of CRISIS_ADMINS may."""
    if actor == crisis.owner_id or services.directory.includes(services.config.admins, actor):
        return None
    return f"Only the owner, {user(crisis.owner_id)}, or a crisis admin can close or reopen crisis #{crisis.id}."


def pending(services: Services, crisis: Crisis) -> list[StepStatus]:
    return [s for s in services.steps.of(crisis.id) if s.state is StepState.PENDING]


def close(services: Services, crisis: Crisis, request: CloseRequest, *, actor: str) -> Closure | None:
    """Store the closure; None when the crisis was no longer open."""
    search_text = lessons.searchable(
        crisis.title, request.lessons, request.root_cause, *(what for what, _ in request.followups)
    )
    closing = ClosureInput(
        lessons=request.lessons,
        root_cause=request.root_cause,
        goodwill=request.goodwill,
        force_reason=request.force_reason,
        archive=request.archive,
        followups=request.followups,
        search_text=search_text,
    )
    return services.closures.close(crisis.id, closing, by=actor, at=clock.now())


def announce(services: Services, closure_id: int) -> list[str]:
    """Tell everyone a crisis closed. Returns what could not be done, in plain words."""
    closure = services.closures.get(closure_id)
    assert closure is not None
    crisis = services.crises.get(closure.crisis_id)
    assert crisis is not None
    followups = [f for f in services.closures.followups(crisis.id) if f.closure_id == closure.id]
    problems: list[str] = []
    summary_posted = _try(
        problems,
        "post the closing summary",
        lambda: services.slack.post(crisis.channel_id or "", summary(services, crisis, closure, followups)),
    )
    _try(problems, "update the pinned header", lambda: refresh_header(services, crisis.id))
    refresh_checklist(services, crisis.id)
    if services.config.digest_channel:
        post_once(
            services,
            f"closure:{closure.id}",
            services.config.digest_channel,
            views.management_note(crisis, closure, followups),
        )
    for followup in followups:
        _try(
            problems,
            f"tell {user(followup.owner_id)} about their follow-up",
            lambda f=followup: services.slack.post(f.owner_id, views.followup_message(crisis, f)),
        )
    if closure.archive:
        if summary_posted:
            _try(problems, "archive the channel", lambda: services.slack.archive(crisis.channel_id or ""))
        else:
            problems.append("I did not archive the channel, so that the summary can still be posted there.")
    return problems


def summary(services: Services, crisis: Crisis, closure: Closure, followups: list[FollowUp]) -> Message:
    to_acknowledge, to_resolve = services.crises.response_times([crisis.id]).get(crisis.id, (None, None))
    timeline = [line for line in (timeline_line(e) for e in services.timeline.events(crisis.id)) if line]
    return views.closing_summary(
        crisis,
        closure,
        services.steps.of(crisis.id),
        timeline,
        followups,
        to_acknowledge=to_acknowledge,
        to_resolve=to_resolve,
    )


def timeline_line(event: Event) -> str | None:
    """One line of a crisis's story, or None for events not worth a line."""
    d, who = event.detail, user(event.actor)
    at = when(event.at, "{date_short} {time}")
    lines = {
        "opened": lambda: f"{at} opened by {who}, owner {user(d.get('owner'))}",
        "war_room_ready": lambda: f"{at} war room ready",
        "owner_changed": lambda: f"{at} {who} handed ownership from {user(d.get('old'))} to {user(d.get('new'))}",
        "step_changed": lambda: f"{at} step {d.get('step')}: {_state_word(d.get('new'))} by {who}",
        "reply_approved": lambda: (
            f"{at} {who} approved a {d.get('kind')} reply ({d.get('language')}) drafted by {user(d.get('author'))}"
        ),
        "reply_changes_requested": lambda: f"{at} {who} asked for changes to a {d.get('kind')} reply",
        "closed": lambda: f"{at} closed by {who}" + (" (steps still open)" if d.get("forced") else ""),
        "reopened": lambda: f"{at} reopened by {who}",
        "followup_done": lambda: f"{at} follow-up done by {who}",
    }
    line = lines.get(event.kind)
    return line() if line else None


def _state_word(state: str | None) -> str:
    return {"done": "done", "na": "not applicable", "pending": "reopened"}.get(state or "", state or "")


def reopen(services: Services, crisis: Crisis, *, actor: str, reason: str) -> Message:
    """Reopen a closed crisis (unarchiving its war room); returns what to tell the actor."""
    if crisis.is_open:
        return note(f"Crisis #{crisis.id} is open already.")
    if not services.closures.reopen(crisis.id, by=actor, at=clock.now(), reason=reason):
        return note(f"Crisis #{crisis.id} is open already.")
    problems: list[str] = []
    channel = crisis.channel_id or ""
    _try(problems, "unarchive the war room", lambda: services.slack.unarchive(channel))
    _try(problems, "update the pinned header", lambda: refresh_header(services, crisis.id))
    refresh_checklist(services, crisis.id)
    reopened = services.crises.get(crisis.id)
    assert reopened is not None
    _try(
        problems,
        "announce it in the war room",
        lambda: services.slack.post(channel, views.reopened(reopened, actor, reason)),
    )
    if problems:
        return note(f"Crisis #{crisis.id} is open again, but " + " ".join(problems))
    return note(f"Crisis #{crisis.id} is open again.")


def finish_followup(services: Services, followup_id: int, *, actor: str) -> Message | None:
    """Mark a follow-up done: its owner, the crisis owner or an admin may. Returns a private
    answer, or None when it went through (the DM updates in place)."""
    followup = services.closures.followup(followup_id)
    crisis = services.crises.get(followup.crisis_id) if followup else None
    if followup is None or crisis is None:
        return note("That follow-up no longer exists.")
    if actor != followup.owner_id and may_close(services, crisis, actor):
        return note(f"Only {user(followup.owner_id)}, the crisis owner or an admin can mark this follow-up done.")
    if (
        followup.state is FollowUpState.DONE
        or services.closures.finish_followup(followup_id, by=actor, at=clock.now()) is None
    ):
        return note("This follow-up was already marked done.")
    return None


def _try(problems: list[str], what: str, call: Any) -> bool:
    try:
        call()
        return True
    except SlackError as error:
        log.warning("could not %s: %s", what, error)
        problems.append(f"I could not {what}: {error.explain()}.")
        return False
