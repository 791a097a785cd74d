"""The record of a crisis as people read it: its story line by line, and the closing summary.
Built from the stored state, so the war room, the export and a post recovered after a crash all
tell the same story."""

from __future__ import annotations

from typing import Any

from bot.model import Closure, Crisis, FollowUp
from bot.publish import figures
from bot.rules import updates as update_rules
from bot.services import Services
from bot.slack.blockkit import Message
from bot.templates import Kind
from bot.views import closing as views
from bot.views import volume as volume_views
from bot.views.updates import record_line
from bot.words import locales
from bot.words.i18n import _
from bot.words.text import channel, mrkdwn, user, when
from storage.timeline import Event


def summary(services: Services, crisis: Crisis, closure: Closure, followups: list[FollowUp]) -> Message:
    to_acknowledge, to_resolve = services.crises.response_times([crisis.id]).get(crisis.id, (None, None))
    kept = figures.record(services, crisis, now=closure.closed_at)
    return views.closing_summary(
        crisis,
        closure,
        services.steps.of(crisis.id),
        story(services, crisis),
        followups,
        to_acknowledge=to_acknowledge,
        to_resolve=to_resolve,
        updates=record_line(update_rules.record(services.updates.of(crisis.id), until=closure.closed_at)),
        volume=volume_views.record_line(kept.figures, kept.fell_back_after),
    )


def story(services: Services, crisis: Crisis) -> list[str]:
    """The crisis's story so far, a line per event worth one."""
    return [line for line in (timeline_line(e) for e in services.timeline.events(crisis.id)) if line]


def timeline_line(event: Event) -> str | None:
    """One line of a crisis's story, or None for events not worth a line. Each line starts with
    {at}, when it happened (a date and time each reader sees in their own zone)."""
    d, who = event.detail, user(event.actor)
    at = when(event.at, "{date_short} {time}")
    lines = {
        # Translators: a line of a crisis's story; {who} opened it, {owner} owns it
        "opened": lambda: _("{at} opened by {who}, owner {owner}").format(at=at, who=who, owner=user(d.get("owner"))),
        # Translators: a line of a crisis's story: its war-room channel is set up
        "war_room_ready": lambda: _("{at} war room ready").format(at=at),
        "owner_changed": lambda: _("{at} {who} handed ownership from {old} to {new}").format(
            at=at, who=who, old=user(d.get("old")), new=user(d.get("new"))
        ),
        "step_changed": lambda: _step_line(at, who, d.get("step"), d.get("new")),
        # Translators: a line of a crisis's story; {kind} is the kind of reply such as "Apology (step 2)",
        # {language} the reply's language such as "Nederlands", {author} who drafted it
        "reply_approved": lambda: _("{at} {who} approved a reply ({kind}, {language}) drafted by {author}").format(
            at=at,
            who=who,
            kind=kind_label(d.get("kind")),
            language=language_name(d.get("language")),
            author=user(d.get("author")),
        ),  # fmt: skip
        # Translators: a line of a crisis's story; {kind} is the kind of reply such as "Apology (step 2)"
        "reply_changes_requested": lambda: _("{at} {who} asked for changes to a reply ({kind})").format(
            at=at, who=who, kind=kind_label(d.get("kind"))
        ),
        "closed": lambda: (
            _("{at} closed by {who} (steps still open)") if d.get("forced") else _("{at} closed by {who}")
        ).format(at=at, who=who),
        "reopened": lambda: _("{at} reopened by {who}").format(at=at, who=who),
        # Translators: a line of a crisis's story: its archived war room was brought back
        "war_room_unarchived": lambda: _("{at} war room unarchived").format(at=at),
        "war_room_moved": lambda: _("{at} war room continued in a new channel; the archived one is {previous}").format(
            at=at, previous=channel(d.get("from"))
        ),
        "followup_done": lambda: _("{at} follow-up done by {who}").format(at=at, who=who),
        "update_posted": lambda: _update_line(at, who, d),
        "tracking_changed": lambda: _("{at} {who} changed the keywords and feeds").format(at=at, who=who),
    }
    line = lines.get(event.kind)
    return line() if line else None


def kind_label(stored: object) -> str:
    """A stored kind of reply ("apology") as the reader calls it; an unknown one as stored."""
    try:
        return Kind(str(stored)).label
    except ValueError:
        return str(stored or "")


def language_name(tag: object) -> str:
    """A stored language tag ("nl") by its own name ("Nederlands")."""
    language = locales.language(str(tag or ""))
    return language.native if language else str(tag or "")


def _step_line(at: str, who: str, step: Any, state: str | None) -> str:
    """A step change in a crisis's story, one sentence per new state."""
    if state == "done":
        # Translators: a line of a crisis's story; {step} is the step's number (1 to 4)
        text = _("{at} step {step}: done by {who}")
    elif state == "na":
        # Translators: a line of a crisis's story; {step} is the step's number (1 to 4)
        text = _("{at} step {step}: not applicable by {who}")
    elif state == "pending":
        # Translators: a line of a crisis's story: a settled step was opened again; {step} is its number (1 to 4)
        text = _("{at} step {step}: reopened by {who}")
    else:  # a state this version does not know, shown as stored
        # Translators: a line of a crisis's story; {step} is the step's number, {state} its state as stored
        text = _("{at} step {step}: {state} by {who}")
    return text.format(at=at, step=step, who=who, state=state or "")


def _update_line(at: str, who: str, detail: dict[str, Any]) -> str:
    """A stakeholder update in a crisis's story."""
    if detail.get("final"):
        return _("{at} final update sent").format(at=at)
    if detail.get("notify_everyone"):
        # Translators: a line of a crisis's story; {number} is the update's number, {status} its status as typed;
        # the update notified everyone in the channels
        text = _("{at} update {number} by {who}: {status} (notified everyone)")
    else:
        # Translators: a line of a crisis's story; {number} is the update's number, {status} its status as typed
        text = _("{at} update {number} by {who}: {status}")
    return text.format(at=at, number=detail.get("number"), who=who, status=mrkdwn(detail.get("status"), 200))
