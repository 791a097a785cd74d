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

from bot import clock, publish
from bot.flows import access, lessons
from bot.flows import updates as stakeholder_updates
from bot.flows.opening import Invalid
from bot.model import Closure, Crisis, FollowUpState, Role, StepState, StepStatus
from bot.publish import keys
from bot.publish.renders import refresh_checklist, refresh_header
from bot.rules.closing import CloseRefusal
from bot.services import Services
from bot.slack.gateway import SlackError, attempt
from bot.slack.ids import USER_ID, Field
from bot.views import closing as views
from bot.words import commands
from bot.words.i18n import N_, _
from bot.words.text import clean, one_line, user
from storage.closures import ClosureFacts, ClosureInput

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
        return _("Write down what was learnt: a crisis is closed only with its lessons.")
    bare = lesson.lower().strip(" .!?。！")
    wide = sum(1 for c in lesson if unicodedata.east_asian_width(c) in ("W", "F") and c.isalpha())
    letters = sum(1 for c in lesson if c.isalpha())
    if bare in PLACEHOLDERS or not (wide >= MIN_CJK or (letters >= MIN_LETTERS and len(lesson.split()) >= MIN_WORDS)):
        return _(
            "That is not a lesson yet. Write a real sentence: what went wrong or right, and what to do differently next time."
        )
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
        errors[Field.FORCE_REASON.value] = _("Say why it is closed with steps still open: it goes on the record.")
    followups = []
    for n in range(1, views.FOLLOWUP_ROWS + 1):
        what = one_line(values.get(f"{Field.FOLLOWUP.value}_{n}"))
        owner = values.get(f"{Field.FOLLOWUP.value}_owner_{n}") or ""
        if what and not USER_ID.fullmatch(owner):
            errors[f"{Field.FOLLOWUP.value}_owner_{n}"] = _("Every change needs one person who owns it.")
        elif owner and not what:
            errors[f"{Field.FOLLOWUP.value}_{n}"] = _("Say what changes, or leave the owner empty.")
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
    if access.owner_or_admin(services, crisis, actor):
        return None
    return _("Only the owner, {owner}, or a crisis admin can close or reopen crisis #{number}.").format(
        owner=user(crisis.owner_id), number=crisis.id
    )


def pending(services: Services, crisis: Crisis) -> list[StepStatus]:
    return [s for s in services.steps.of(crisis.id) if s.state is StepState.PENDING]


def close_refusal(
    services: Services, crisis: Crisis | None, actor: str, *, forced: bool = False
) -> CloseRefusal | None:
    """The one rule for "may this person close this crisis now": it must be open, they must be
    its owner or an admin, and its steps must be settled unless they close it anyway."""
    if crisis is None:
        return CloseRefusal(_("This crisis no longer exists."))
    if not crisis.is_open:
        return CloseRefusal(
            _("Crisis #{number} is already closed. `/crisis {reopen}` reopens it.").format(
                number=crisis.id, reopen=commands.alias("reopen")
            )
        )
    refusal = may_close(services, crisis, actor)
    if refusal:
        return CloseRefusal(refusal)
    still_open = () if forced else tuple(pending(services, crisis))
    if still_open:
        first = still_open[0].step
        # Translators: {step} is the step's label, such as "Acknowledge"
        text = _("Step {number} ({step}) is still open: settle it first.").format(number=first.value, step=first.label)
        return CloseRefusal(text, still_open)
    return None


def close(services: Services, crisis: Crisis, request: CloseRequest, *, actor: str) -> Closure | None:
    """Store the closure, and enqueue the posts it calls for; None when the crisis was no
    longer open."""
    search_text = lessons.searchable(
        crisis.title, request.lessons, request.root_cause, *(what for what, _owner in request.followups)
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
    return services.closures.close(
        crisis.id, closing, by=actor, at=clock.now(), posts=publish.for_closure(services.config.digest_channel)
    )


def announce(services: Services, closure_id: int) -> list[str]:
    """Tell everyone a crisis closed: the summary in the war room first, then the note to
    management, a DM to each follow-up owner, the final stakeholder update, the header and
    checklist shown closed, and the channel archived if asked. Returns what could not be done,
    in plain words. Every post goes through the outbox, so a crash half-way is finished by the
    scheduler, never repeated."""
    closure = services.closures.get(closure_id)
    assert closure is not None
    problems: list[str] = []
    crisis = services.crises.get(closure.crisis_id)
    followups = [f for f in services.closures.followups(closure.crisis_id) if f.closure_id == closure.id]
    facts = ClosureFacts(
        closure.id, crisis.channel_id if crisis else None, tuple((f.id, f.owner_id) for f in followups)
    )
    for post, _channel in publish.for_closure(services.config.digest_channel)(facts):  # as enqueued when it closed
        what = _(_WHAT[keys.parse(post)[0]])  # type: ignore[index]
        attempt(problems, what, lambda p=post: publish.deliver(services, p))
    stakeholder_updates.send_final(services, closure)
    # Translators: completes "I could not …"
    attempt(problems, _("update the pinned header"), lambda: refresh_header(services, closure.crisis_id))
    refresh_checklist(services, closure.crisis_id)
    if closure.archive:
        # Translators: completes "I could not …"; the channel is the war room
        attempt(problems, _("archive the channel"), lambda: archive_when_summarised(services, closure))
    return problems


# What each closing post is, completing "I could not …" when it fails.
_WHAT = {
    # Translators: completes "I could not …"; the summary is posted in the war room
    keys.SUMMARY: N_("post the closing summary"),
    # Translators: completes "I could not …"
    keys.MANAGEMENT: N_("tell management"),
    # Translators: completes "I could not …"; a follow-up is a change someone owns after the crisis
    keys.FOLLOWUP: N_("tell a follow-up's owner"),
}


def archive_when_summarised(services: Services, closure: Closure) -> bool:
    """Archive the war room once its closing summary and final update are posted (never before:
    an archived channel takes no more messages). Returns whether it is archived now."""
    if closure.archived_at:
        return True
    crisis = services.crises.get(closure.crisis_id)
    if crisis is None or crisis.is_open or not crisis.channel_id:
        return False
    if services.outbox.sent_ts(keys.key(keys.SUMMARY, closure.id)) is None:
        return False
    if not stakeholder_updates.final_settled_in_room(services, closure):
        return False
    _remember_members(services, crisis)
    services.slack.archive(crisis.channel_id)
    services.closures.archived(closure.id, at=clock.now())
    return True


def _remember_members(services: Services, crisis: Crisis) -> None:
    """Archiving removes everyone from the war room: remember who was in it, so that reopening
    invites them all again (also those who joined by themselves and never clicked anything)."""
    known = services.crises.participants(crisis.id) | {services.slack.bot_user_id}
    for member in sorted(services.slack.members(crisis.channel_id) - known):  # type: ignore[arg-type]
        services.crises.add_participant(crisis.id, member, Role.MEMBER)


def finish_archives(services: Services, *, now: int) -> int:
    """The scheduler's job: archive war rooms whose closing asked for it and a crash interrupted."""
    archived = 0
    for closure in services.closures.awaiting_archive():
        try:
            archived += archive_when_summarised(services, closure)
        except SlackError as error:
            log.warning("could not archive the war room of crisis %s: %s", closure.crisis_id, error)
    return archived


def finish_followup(
    services: Services, followup_id: int, *, actor: str, reply_url: str | None = None, request: str | None = None
) -> str | None:
    """Mark a follow-up done: its owner, the crisis owner or an admin may; `request` is the
    stored request it carries out (bot.flows.inbox). Returns a private answer, or None when it
    went through and the DM whose button was pressed (its `reply_url`) shows it done."""
    followup = services.closures.followup(followup_id)
    crisis = services.crises.of(followup)
    if followup is None or crisis is None:
        return _("That follow-up no longer exists.")
    if actor != followup.owner_id and may_close(services, crisis, actor):
        return _("Only {owner}, the crisis owner or an admin can mark this follow-up done.").format(
            owner=user(followup.owner_id)
        )
    done = None
    if followup.state is FollowUpState.OPEN:
        done = services.closures.finish_followup(followup_id, by=actor, at=clock.now(), request=request)
    if done is None:
        return _("This follow-up was already marked done.")
    if reply_url:
        try:
            services.slack.respond(reply_url, views.followup_message(crisis, done), replace_original=True)
        except SlackError as error:
            log.warning("follow-up %s: could not update its DM: %s", followup_id, error)
    return None
