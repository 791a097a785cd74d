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
from bot.words import i18n
from bot.words.i18n import N_, _, ngettext
from storage.timeline import Event

# The lines of the post-mortem are Markdown: each msgid is a whole line, its markup included.

# How a step ended, without and with who changed it when (whole lines, so each language
# can put its own grammar around the state).
STEP_LINES: dict[StepState, tuple[str, str]] = {
    # Translators: a line of the post-mortem's checklist (Markdown); {number} and {step} are the step's
    # number and name, {who} a person, {date} a date and time such as 2026-12-01 14:05
    StepState.DONE: (N_("{number}. **{step}**: done"), N_("{number}. **{step}**: done by {who} on {date}")),
    StepState.NOT_APPLICABLE: (
        N_("{number}. **{step}**: not applicable"),
        N_("{number}. **{step}**: not applicable by {who} on {date}"),
    ),
    StepState.PENDING: (
        N_("{number}. **{step}**: still open"),
        N_("{number}. **{step}**: still open by {who} on {date}"),
    ),
}

# The severity as the post-mortem names it (the stored value, in words).
SEVERITY_WORDS: dict[str, str] = {
    # Translators: a crisis's severity, in the post-mortem file
    "critical": N_("critical"),
    "high": N_("high"),
    "medium": N_("medium"),
    "low": N_("low"),
}

# What happened, for each event of the timeline the post-mortem lists (bot.publish.record's).
EVENT_WORDS: dict[str, str] = {
    # Translators: an event of the post-mortem's timeline, "{event} by {who}": the crisis was opened
    "opened": N_("opened"),
    "war_room_ready": N_("war room ready"),
    "owner_changed": N_("owner changed"),
    "step_changed": N_("step changed"),
    "reply_approved": N_("reply approved"),
    "reply_changes_requested": N_("reply changes requested"),
    # Translators: an event of the post-mortem's timeline, "{event} by {who}": the crisis was closed
    "closed": N_("closed"),
    # Translators: an event of the post-mortem's timeline, "{event} by {who}": the crisis was reopened
    "reopened": N_("reopened"),
    "war_room_unarchived": N_("war room unarchived"),
    "war_room_moved": N_("war room moved"),
    "followup_done": N_("followup done"),
    "update_posted": N_("update posted"),
    "tracking_changed": N_("tracking changed"),
}

# A step's stored state, as the timeline shows a change of it.
STATE_CODES: dict[str, str] = {
    # Translators: a step's state, in the post-mortem's timeline "(step 2: pending → done)"
    "pending": N_("pending"),
    # Translators: a step's state, in the post-mortem's timeline "(step 2: pending → done)"
    "done": N_("done"),
    # Translators: the short stored code for a step marked "not applicable", in the post-mortem's timeline
    "na": N_("na"),
}


def post_mortem(services: Services, crisis: Crisis) -> str:
    """The Markdown text of the post-mortem, in the reader's language (user text as written)."""
    to_acknowledge, to_resolve = services.crises.response_times([crisis.id]).get(crisis.id, (None, None))
    closure = services.closures.latest(crisis.id)
    lines = [
        # Translators: the first line (a Markdown heading) of the post-mortem file
        _("# Post-mortem: crisis #{number}, {title}").format(number=crisis.id, title=_md(crisis.title)),
        "",
        # Translators: a line of the post-mortem file (Markdown: keep the leading "- " and the "**")
        _("- **Kind:** {kind}").format(kind=crisis.category.label),
        _("- **Severity:** {severity}").format(severity=_(SEVERITY_WORDS[crisis.severity.value])),
        (
            _("- **Platform:** {platform}").format(platform=crisis.platform.label)
            if crisis.platform
            else _("- **Platform:** not given")
        ),
        _("- **Link:** {link}").format(link=crisis.link) if crisis.link else _("- **Link:** not given"),
        _("- **Owner:** {owner}").format(owner=_name(crisis.owner_id)),
        _("- **Opened:** {date}").format(date=_date(crisis.opened_at)),
        (
            _("- **Closed:** {date}").format(date=_date(crisis.closed_at))
            if crisis.closed_at
            else _("- **Closed:** still open")
        ),
        _("- **Time to acknowledge:** {duration}").format(duration=duration(to_acknowledge)),
        _("- **Time to resolve:** {duration}").format(duration=duration(to_resolve)),
        "",
        _("## What happened"),
        "",
        _md(crisis.description) or _("_Not described._"),
        "",
        _("## The four steps"),
        "",
    ]
    for status in services.steps.of(crisis.id):
        plain, by = STEP_LINES[status.state]
        line = _(by) if status.changed_at else _(plain)
        line = line.format(
            number=status.step.value,
            step=status.step.label,
            who=_name(status.changed_by),
            date=_date(status.changed_at),
        )
        if status.reason:
            # Translators: a step's line in the post-mortem, then the reason it was given, in brackets
            line = _("{line} ({reason})").format(line=line, reason=_md(status.reason))
        lines.append(line)
    approved = [d for d in services.drafts.for_crisis(crisis.id) if d.state is DraftState.APPROVED]
    if approved:
        lines += ["", _("## Approved replies"), ""]
        for draft in approved:
            lines += [
                # Translators: a heading of the post-mortem; {language} is a language tag such as `nl`
                _("### {kind} ({language}), approved by {who} on {date}").format(
                    kind=Kind(draft.kind).label,
                    language=draft.language,
                    who=_name(draft.decided_by),
                    date=_date(draft.decided_at),
                ),
                "",
                *(f"> {line}" for line in draft.text.splitlines()),
                "",
            ]
    lines += _updates(services.updates.of(crisis.id), until=crisis.closed_at or clock.now())
    if closure:
        lines += [
            "",
            _("## Root cause"),
            "",
            _md(closure.root_cause) or _("_Not given._"),
            "",
            _("## Lessons learned"),
            "",
            _md(closure.lessons),
            "",
        ]
        if closure.force_reason:
            lines += [_("**Closed with steps still open:** {reason}").format(reason=_md(closure.force_reason)), ""]
        goodwill = _md(closure.goodwill)
        lines += [
            (
                _("**Goodwill gesture:** {goodwill}").format(goodwill=goodwill)
                if goodwill
                else _("**Goodwill gesture:** none offered")
            ),
            "",
        ]
        followups = [f for f in services.closures.followups(crisis.id) if f.closure_id == closure.id]
        if followups:
            lines += [_("## What changes"), ""]
            lines += [
                f"- [{'x' if f.state.value == 'done' else ' '}] {_md(f.text)} ({_name(f.owner_id)})" for f in followups
            ]
            lines.append("")
    lines += [_("## Timeline (UTC)"), ""]
    for event in services.timeline.events(crisis.id):
        if timeline_line(event):
            lines.append(_timeline_line(event))
    return "\n".join(lines).rstrip() + "\n"


def _timeline_line(event: Event) -> str:
    """One event of the timeline: when, what, by whom, and a step's change or the reason given."""
    kind, detail = event.kind, event.detail
    what = _(EVENT_WORDS[kind]) if kind in EVENT_WORDS else kind.replace("_", " ")
    facts = {"date": _date(event.at), "event": what, "who": _name(event.actor)}
    if "step" in detail:
        old, new = detail.get("old"), detail.get("new")
        return _("- {date}: {event} by {who} (step {step}: {old} → {new})").format(
            **facts,
            step=detail["step"],
            old=_(STATE_CODES[old]) if old in STATE_CODES else old,
            new=_(STATE_CODES[new]) if new in STATE_CODES else new,
        )
    if "reason" in detail and detail["reason"]:
        return _("- {date}: {event} by {who} ({reason})").format(**facts, reason=_md(str(detail["reason"])))
    return _("- {date}: {event} by {who}").format(**facts)


def _updates(updates: list[Update], *, until: int) -> list[str]:
    """The stakeholder updates as they were sent, and how well their promise was kept."""
    if not updates:
        return []
    record = update_rules.record(updates, until=until)
    if record.mean_interval:
        # Translators: in the post-mortem; {n} updates were posted, {late} of them late
        kept = ngettext(
            "{n} posted, about every {interval}, {late} late.",
            "{n} posted, about every {interval}, {late} late.",
            record.count,
        )
    else:
        # Translators: in the post-mortem; {n} updates were posted, {late} of them late
        kept = ngettext("{n} posted, {late} late.", "{n} posted, {late} late.", record.count)
    kept = kept.format(n=record.count, interval=duration(record.mean_interval), late=record.late)
    lines = ["", _("## Stakeholder updates"), "", kept, ""]
    for update in updates:
        if update.final:
            lines += [_("- {date}: final update sent when the crisis closed").format(date=_date(update.at)), ""]
            continue
        lines += [
            _("### Update {number}: {status}").format(number=update.number, status=_md(update.status)),
            "",
            _sent(update),
            "",
            _("**What we know:** {known}").format(known=_md(update.known)),
            "",
            _("**What we are doing:** {doing}").format(doing=_md(update.doing)),
            "",
        ]
        if update.need:
            lines += [_("**What we need:** {need}").format(need=_md(update.need)), ""]
    return lines


def _sent(update: Update) -> str:
    """When and by whom an update was sent, and what it promised (a whole line for each case)."""
    if update.next_due and update.notify_everyone:
        line = _("_{date} by {who}, next promised for {next}, notified everyone_")
    elif update.next_due:
        line = _("_{date} by {who}, next promised for {next}_")
    elif update.notify_everyone:
        line = _("_{date} by {who}, no further updates promised, notified everyone_")
    else:
        line = _("_{date} by {who}, no further updates promised_")
    return line.format(date=_date(update.at), who=_name(update.author_id), next=_date(update.next_due))


def share(services: Services, crisis: Crisis) -> None:
    """Share the post-mortem in the war room, in the war room's language (whoever asked)."""
    with i18n.speaking(services.team_language()):
        publish.share_file(
            services,
            crisis.channel_id or "",
            filename=f"crisis-{crisis.id}-post-mortem.md",
            # Translators: the title Slack shows on the shared post-mortem file
            title=_("Post-mortem of crisis #{number}").format(number=crisis.id),
            content=post_mortem(services, crisis),
            comment=_("📄 Post-mortem of crisis #{number}, from the stored record.").format(number=crisis.id),
        )


def _date(at: int | None) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M") if at else "—"


def _md(text: str | None) -> str:
    """User text in Markdown: kept as written, but unable to start headings or HTML."""
    return (text or "").replace("<", "&lt;").replace(">", "&gt;").strip()


def _name(user_id: str | None) -> str:
    """A person's id as a Slack mention (Slack shows the name when the file is viewed there)."""
    # Translators: in the post-mortem, for a person who is not known
    return f"<@{user_id}>" if user_id else _("nobody")
