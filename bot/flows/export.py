"""`/crisis export`: the crisis as a Markdown post-mortem file, shared in its war room.

Built from the stored record (crisis, steps, timeline, approved replies, closures and
follow-ups), so it says the same as the closing summary and can be filed anywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot import clock, publish
from bot.model import Crisis, DraftState, StepState, Update
from bot.publish.record import timeline_line
from bot.rules import updates as update_rules
from bot.services import Services
from bot.templates import Kind
from bot.views.closing import duration


def post_mortem(services: Services, crisis: Crisis) -> str:
    """The Markdown text of the post-mortem."""
    to_acknowledge, to_resolve = services.crises.response_times([crisis.id]).get(crisis.id, (None, None))
    closure = services.closures.latest(crisis.id)
    lines = [
        f"# Post-mortem: crisis #{crisis.id}, {_md(crisis.title)}",
        "",
        f"- **Kind:** {crisis.category.label}",
        f"- **Severity:** {crisis.severity.value}",
        f"- **Platform:** {crisis.platform.label if crisis.platform else 'not given'}",
        f"- **Link:** {crisis.link or 'not given'}",
        f"- **Owner:** {_name(crisis.owner_id)}",
        f"- **Opened:** {_date(crisis.opened_at)}",
        f"- **Closed:** {_date(crisis.closed_at) if crisis.closed_at else 'still open'}",
        f"- **Time to acknowledge:** {duration(to_acknowledge)}",
        f"- **Time to resolve:** {duration(to_resolve)}",
        "",
        "## What happened",
        "",
        _md(crisis.description) or "_Not described._",
        "",
        "## The four steps",
        "",
    ]
    for status in services.steps.of(crisis.id):
        state = {StepState.DONE: "done", StepState.NOT_APPLICABLE: "not applicable", StepState.PENDING: "still open"}[
            status.state
        ]
        who = f" by {_name(status.changed_by)} on {_date(status.changed_at)}" if status.changed_at else ""
        reason = f" ({_md(status.reason)})" if status.reason else ""
        lines.append(f"{status.step.value}. **{status.step.label}**: {state}{who}{reason}")
    approved = [d for d in services.drafts.for_crisis(crisis.id) if d.state is DraftState.APPROVED]
    if approved:
        lines += ["", "## Approved replies", ""]
        for draft in approved:
            lines += [
                f"### {Kind(draft.kind).label} ({draft.language}), approved by {_name(draft.decided_by)} on {_date(draft.decided_at)}",
                "",
                *(f"> {line}" for line in draft.text.splitlines()),
                "",
            ]
    lines += _updates(services.updates.of(crisis.id), until=crisis.closed_at or clock.now())
    if closure:
        lines += [
            "",
            "## Root cause",
            "",
            _md(closure.root_cause) or "_Not given._",
            "",
            "## Lessons learned",
            "",
            _md(closure.lessons),
            "",
        ]
        if closure.force_reason:
            lines += [f"**Closed with steps still open:** {_md(closure.force_reason)}", ""]
        lines += [f"**Goodwill gesture:** {_md(closure.goodwill) or 'none offered'}", ""]
        followups = [f for f in services.closures.followups(crisis.id) if f.closure_id == closure.id]
        if followups:
            lines += ["## What changes", ""]
            lines += [
                f"- [{'x' if f.state.value == 'done' else ' '}] {_md(f.text)} ({_name(f.owner_id)})" for f in followups
            ]
            lines.append("")
    lines += ["## Timeline (UTC)", ""]
    for event in services.timeline.events(crisis.id):
        if timeline_line(event):
            lines.append(
                f"- {_date(event.at)}: {event.kind.replace('_', ' ')} by {_name(event.actor)}{_detail(event.detail)}"
            )
    return "\n".join(lines).rstrip() + "\n"


def _updates(updates: list[Update], *, until: int) -> list[str]:
    """The stakeholder updates as they were sent, and how well their promise was kept."""
    if not updates:
        return []
    record = update_rules.record(updates, until=until)
    every = f", about every {duration(record.mean_interval)}" if record.mean_interval else ""
    lines = ["", "## Stakeholder updates", "", f"{record.count} posted{every}, {record.late} late.", ""]
    for update in updates:
        if update.final:
            lines += [f"- {_date(update.at)}: final update sent when the crisis closed", ""]
            continue
        promised = f"next promised for {_date(update.next_due)}" if update.next_due else "no further updates promised"
        everyone = ", notified everyone" if update.notify_everyone else ""
        lines += [
            f"### Update {update.number}: {_md(update.status)}",
            "",
            f"_{_date(update.at)} by {_name(update.author_id)}, {promised}{everyone}_",
            "",
            f"**What we know:** {_md(update.known)}",
            "",
            f"**What we are doing:** {_md(update.doing)}",
            "",
        ]
        if update.need:
            lines += [f"**What we need:** {_md(update.need)}", ""]
    return lines


def share(services: Services, crisis: Crisis) -> None:
    publish.share_file(
        services,
        crisis.channel_id or "",
        filename=f"crisis-{crisis.id}-post-mortem.md",
        title=f"Post-mortem of crisis #{crisis.id}",
        content=post_mortem(services, crisis),
        comment=f"📄 Post-mortem of crisis #{crisis.id}, from the stored record.",
    )


def _date(at: int | None) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M") if at else "—"


def _md(text: str | None) -> str:
    """User text in Markdown: kept as written, but unable to start headings or HTML."""
    return (text or "").replace("<", "&lt;").replace(">", "&gt;").strip()


def _name(user_id: str | None) -> str:
    """A person's id as a Slack mention (Slack shows the name when the file is viewed there)."""
    return f"<@{user_id}>" if user_id else "nobody"


def _detail(detail: dict) -> str:
    if "step" in detail:
        return f" (step {detail['step']}: {detail.get('old')} → {detail.get('new')})"
    if "reason" in detail and detail["reason"]:
        return f" ({_md(str(detail['reason']))})"
    return ""
