"""The record of a crisis as people read it: its story line by line, and the closing summary.
Built from the stored state, so the war room, the export and a post recovered after a crash all
tell the same story."""

from __future__ import annotations

from bot.model import Closure, Crisis, FollowUp
from bot.publish import figures
from bot.rules import updates as update_rules
from bot.services import Services
from bot.slack.blockkit import Message
from bot.views import closing as views
from bot.views import volume as volume_views
from bot.views.updates import record_line
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
        "war_room_unarchived": lambda: f"{at} war room unarchived",
        "war_room_moved": lambda: (
            f"{at} war room continued in a new channel; the archived one is {channel(d.get('from'))}"
        ),
        "followup_done": lambda: f"{at} follow-up done by {who}",
        "update_posted": lambda: (
            f"{at} final update sent"
            if d.get("final")
            else f"{at} update {d.get('number')} by {who}: {mrkdwn(d.get('status'), 200)}"
            + (" (notified everyone)" if d.get("notify_everyone") else "")
        ),
        "tracking_changed": lambda: f"{at} {who} changed the keywords and feeds",
    }
    line = lines.get(event.kind)
    return line() if line else None


def _state_word(state: str | None) -> str:
    return {"done": "done", "na": "not applicable", "pending": "reopened"}.get(state or "", state or "")
