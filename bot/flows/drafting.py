"""From template to approved reply: fill a template for a crisis, show it in the war room, let
the team adjust it, and have the owner (or an approver) approve it before anyone publishes.

The language is the crisis's response language, else the language of the person asking (their
Slack locale), else DEFAULT_LOCALE, each through the fallback chain in bot.locales.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk.models.views import View

from bot import clock, publish
from bot.flows import access
from bot.model import Crisis, Draft, DraftState, ReplyDetails, Severity, StepState
from bot.publish.outgoing import for_the_team
from bot.services import Services
from bot.slack.blockkit import Message
from bot.slack.gateway import SlackError
from bot.slack.ids import Field, TemplateRef
from bot.templates import SHORT_LIMITS, Details, Kind, Rendered, TemplateMissing
from bot.views import drafts as views
from bot.views.drafts import TAKEN_DOWN
from bot.words import commands, locales
from bot.words.i18n import _
from bot.words.links import normalise_link
from bot.words.text import clean, one_line, user

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Person:
    """What Slack says about the person asking: how to sign for them, which language they use."""

    user_id: str
    name: str
    locale: str | None


def person(services: Services, user_id: str) -> Person:
    """One users.info call; a failure only loses the defaults it would have given."""
    try:
        info = services.slack.user_info(user_id)
    except SlackError as error:
        log.info("users.info %s failed: %s", user_id, error.code)
        return Person(user_id, "", None)
    profile = info.get("profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or info.get("real_name") or ""
    return Person(user_id, one_line(name), info.get("locale"))


def phrase(text: str) -> str:
    """A value templates put after a colon: no final full stop (the template adds its own) and
    no quotes around it."""
    text = text.strip().rstrip(".。!！;；").strip()
    if len(text) > 1 and text[0] in "\"“«„'" and text[-1] in "\"”»“'":
        text = text[1:-1].strip()
    return text


def senior_default(services: Services, crisis: Crisis) -> str:
    """The playbook's "apologise from the right person": a critical crisis that is our own fault
    is signed by SENIOR_SIGNER when it is set. '' when that does not apply."""
    grave = crisis.severity is Severity.CRITICAL and crisis.category.our_fault
    return services.config.senior_signer if grave else ""


def senior_signs(services: Services, crisis: Crisis) -> bool:
    """Whether the senior signer signs: it applies and the team named nobody else."""
    return bool(senior_default(services, crisis)) and not crisis.reply.signer


def details(services: Services, crisis: Crisis, asker: Person) -> Details:
    """What a template is filled with. Resolution and changes are sentences the template
    places as typed (on one line: a post on X is one line); what happened is a phrase."""
    senior = senior_signs(services, crisis)
    return Details(
        brand=services.config.brand_name,
        customer=crisis.customer_handle,
        what_happened=phrase(crisis.reply.what_happened),
        resolution=one_line(crisis.reply.resolution),
        changes=one_line(crisis.reply.changes),
        facts_link=crisis.reply.facts_link,
        contact=crisis.reply.contact or services.config.support_contact,
        signer=services.config.senior_signer if senior else crisis.reply.signer or asker.name,
        category=crisis.category.value,
        platform=crisis.platform.value if crisis.platform else "",
        taken_down=crisis.reply.taken_down,
        senior=senior,
    )


def render(
    services: Services, crisis: Crisis, kind: Kind, requested: str | None, asker: Person
) -> tuple[Rendered, str]:
    """The filled template and a note when it is not in the language asked for."""
    config = services.config
    chosen = services.templates.language_for(requested, crisis.language, asker.locale, default=config.default_locale)
    try:
        rendered = services.templates.render(kind, chosen, details(services, crisis, asker))
    except TemplateMissing:
        fallback = services.templates.language_for(config.default_locale)
        rendered = services.templates.render(kind, fallback, details(services, crisis, asker))
        # Translators: {kind} is the template's keyword (acknowledgement, apology, resolution, offline,
        # holding); {language} is a language's name
        missing = _("No {kind} template in {language} yet.").format(
            kind=kind.value, language=views.language_label(chosen)
        )
        return rendered, missing
    if requested and services.templates.language_for(requested) != rendered.language:
        # Translators: {language} is the language as the person typed it (a tag such as "pt-BR")
        return rendered, _("No templates in {language} yet.").format(language=requested)
    return rendered, ""


def parse_request(words: str) -> tuple[Kind | None, str | None, list[str]]:
    """`/crisis template [kind] [language]`: the kind (a keyword or its first letters), the
    language tag, and any words that are neither."""
    kind, tag, unknown = None, None, []
    for word in words.split():
        lowered = word.lower()
        matches = [k for k in Kind if len(lowered) >= 3 and k.value.startswith(lowered)]
        if kind is None and len(matches) == 1:
            kind = matches[0]
        elif tag is None and locales.candidates(word):
            tag = word
        else:
            unknown.append(word)
    return kind, tag, unknown


def next_kind(services: Services, crisis: Crisis) -> Kind:
    """The reply the crisis needs next: the first open step's, else a holding statement."""
    pending = [s.step for s in services.steps.of(crisis.id) if s.state is StepState.PENDING]
    return Kind.for_step(pending[0]) if pending else Kind.HOLDING


def template_message(services: Services, crisis: Crisis, kind: Kind, requested: str | None, user_id: str) -> Message:
    rendered, remark = render(services, crisis, kind, requested, person(services, user_id))
    return views.template_message(crisis, rendered, sorted(services.templates.languages()), note=remark)


def reply_refusal(services: Services, crisis: Crisis, actor: str) -> str | None:
    """Why `actor` may not see or work on this crisis's replies (they carry its customer and
    details): only people in its war room may. None when they may."""
    # Translators: completes "Only people in #channel can …: join the channel first."
    return access.member_refusal(services, crisis, actor, doing=_("work on its replies"))


def draft_refusal(services: Services, crisis: Crisis, actor: str) -> str | None:
    """Why `actor` may not draft a reply for this crisis now: it must be open, and theirs to work on."""
    if not crisis.is_open:
        return _("This crisis is closed: its replies can no longer be drafted.")
    return reply_refusal(services, crisis, actor)


def show(services: Services, crisis: Crisis, kind: Kind | None, requested: str | None, user_id: str) -> str | None:
    """Post the filled template (the kind the crisis needs next if none is given) in the
    checklist's thread, and record that message as showing this crisis's reply: only such
    messages are ever rewritten by a picker or a details form. Returns a refusal, or None."""
    refusal = reply_refusal(services, crisis, user_id)
    if refusal:
        return refusal
    with for_the_team(services, crisis):  # posted in the war room's thread: the team's language
        message = template_message(services, crisis, kind or next_kind(services, crisis), requested, user_id)
    channel = crisis.channel_id or ""
    ts = publish.show(services, channel, message, thread_ts=crisis.checklist_ts)
    services.shown.template_posted(crisis.id, channel_id=channel, ts=ts, at=clock.now())
    return None


def shown_refusal(services: Services, crisis: Crisis, *, channel: str, ts: str) -> str | None:
    """Why the message (channel, ts) is not one to rewrite with this crisis's reply: the bot's
    own record must say it shows one, in the crisis's war room. None when it is."""
    if channel and channel == crisis.channel_id and ts and services.shown.template_crisis(channel, ts) == crisis.id:
        return None
    return _(
        "I only rewrite the replies I showed for crisis #{number}, and this message is not one of them, "
        "so I left it as it is. `/crisis {template}` in the war room shows a fresh one."
    ).format(number=crisis.id, template=commands.alias("template"))


def switch(
    services: Services, crisis: Crisis, kind: Kind, language: str, user_id: str, *, channel: str, ts: str
) -> str | None:
    """Another language or kind (or the details just saved), in the same message: the message
    clicked or named, once the bot's records say it shows this crisis's reply. Returns a
    refusal, or None."""
    refusal = reply_refusal(services, crisis, user_id) or shown_refusal(services, crisis, channel=channel, ts=ts)
    if refusal:
        return refusal
    with for_the_team(services, crisis):
        message = template_message(services, crisis, kind, language, user_id)
    services.slack.update(channel, ts, message)
    return None


def draft_text(services: Services, crisis: Crisis, kind: Kind, language: str, user_id: str) -> str:
    """What the drafting modal starts from."""
    return render(services, crisis, kind, language, person(services, user_id))[0].text


@dataclass(frozen=True)
class TypedDetails:
    """What someone typed into the details form, read and checked but not yet stored."""

    reply: ReplyDetails
    customer: str
    errors: dict[str, str]


def read_details(values: dict[str, Any]) -> TypedDetails:
    """The details form's values; a link to the facts that is not a web address is an error
    for its field, so nothing half-valid is stored."""
    link = normalise_link(values.get(Field.FACTS_LINK.value))
    errors = {}
    if link is None:
        errors[Field.FACTS_LINK.value] = _(
            "That is not a web address. Paste the link to your statement, report or FAQ, e.g. https://example.com/facts."
        )
    reply = ReplyDetails(
        what_happened=one_line(values.get(Field.WHAT_HAPPENED.value)),
        resolution=clean(values.get(Field.RESOLUTION.value)),
        contact=one_line(values.get(Field.CONTACT.value)),
        signer=one_line(values.get(Field.SIGNER.value)),
        changes=clean(values.get(Field.CHANGES.value)),
        facts_link=link or "",
        taken_down=TAKEN_DOWN in (values.get(Field.TAKEN_DOWN.value) or ()),
    )
    return TypedDetails(reply, one_line(values.get(Field.CUSTOMER.value)), errors)


def save_details(services: Services, crisis: Crisis, typed: TypedDetails, *, actor: str) -> None:
    services.crises.set_reply_details(crisis.id, typed.reply, typed.customer, actor=actor, at=clock.now())


def details_form(
    services: Services, crisis: Crisis, ref: TemplateRef, user_id: str, typed: TypedDetails | None = None
) -> View:
    """The details form with a preview of the reply it fills, from what is stored or, on
    Preview, from what the person has typed so far (nothing is stored until they save)."""
    shown = crisis if typed is None else replace(crisis, reply=typed.reply, customer_handle=typed.customer)
    rendered, _note = render(services, shown, Kind(ref.kind), ref.language, person(services, user_id))
    return views.details_modal(
        shown,
        ref,
        rendered,
        default_contact=services.config.support_contact,
        senior_signer=senior_default(services, shown),
    )


def submit_draft(
    services: Services,
    crisis_id: int,
    kind: Kind,
    language: str,
    text: str,
    *,
    author: str,
    request: str | None = None,
) -> str | None:
    """Store the draft (settling the stored `request` that submitted it, bot.flows.inbox), then
    post it in the war room for the owner's approval. Returns what to tell the author when it
    could not be posted, None when it was."""
    crisis = services.crises.get(crisis_id)
    if crisis is None:
        return _("That crisis no longer exists.")
    draft = services.drafts.create(
        crisis.id, kind=kind.value, language=language, text=clean(text), author=author, at=clock.now(), request=request
    )
    channel = crisis.channel_id or ""
    with for_the_team(services, crisis):
        message = views.draft_message(crisis, draft, _limit(crisis))
    try:
        ts = publish.show(services, channel, message, thread_ts=crisis.checklist_ts)
    except SlackError as error:
        # Translators: {why} is why Slack refused, such as "the channel is archived"
        return _("Your draft is saved, but I could not post it for approval: {why}.").format(why=error.explain())
    services.drafts.posted(draft.id, channel_id=channel, ts=ts)
    return None


def approval_refusal(services: Services, crisis: Crisis, draft: Draft, actor: str) -> str | None:
    """Why `actor` may not approve (or send back) this draft; None when they may.

    The owner and the members of CRISIS_APPROVERS decide; nobody approves their own draft
    while anyone else could: another approver, or another person in the war room (who could be
    handed ownership), whether the bot has seen them act there or not."""
    if not (actor == crisis.owner_id or services.directory.includes(services.config.approvers, actor)):
        return _("Only the owner, {owner}, or an approver can decide on replies.").format(owner=user(crisis.owner_id))
    if actor != draft.author_id:
        return None
    try:
        others = bool(services.directory.people(services.config.approvers) - {actor})
        others = others or access.someone_else_is_in(services, crisis, actor)
    except SlackError as error:
        # Translators: completes "I could not …"; "it" is a draft reply
        what = _("check who else could approve it")
        # Translators: {problem} is a sentence such as "I could not check …: the channel is archived."
        return _("{problem} Try again.").format(problem=error.could_not(what))
    if others:
        return _(
            "You drafted this reply, so someone else must approve it: the owner, an approver, "
            "or hand ownership over with `/crisis {owner} @someone`."
        ).format(owner=commands.alias("owner"))
    return None


def decide(
    services: Services,
    draft_id: int,
    *,
    actor: str,
    approve: bool,
    note_text: str | None = None,
    request: str | None = None,
) -> str | None:
    """Approve a draft or send it back; `request` is the stored request it carries out
    (bot.flows.inbox). Returns a private answer for the actor, or None when it went through
    (the draft message says so for everyone)."""
    draft = services.drafts.get(draft_id)
    crisis = services.crises.of(draft)
    if draft is None or crisis is None:
        return _("That draft no longer exists.")
    refusal = approval_refusal(services, crisis, draft, actor)
    if refusal:
        return refusal
    to = DraftState.APPROVED if approve else DraftState.CHANGES_REQUESTED
    posts = publish.Enqueued(publish.for_approval(services))
    decided = services.drafts.decide(
        draft.id, to, by=actor, at=clock.now(), note=clean(note_text) or None, posts=posts, request=request
    )
    if decided is None:
        current = services.drafts.get(draft.id)
        return _("This draft was already decided by {person}.").format(
            person=user(current.decided_by if current else None)
        )
    if decided.channel_id and decided.message_ts:
        with for_the_team(services, crisis):
            message = views.draft_message(crisis, decided, _limit(crisis))
        services.slack.update(decided.channel_id, decided.message_ts, message)
    for key, _channel in posts.posts:  # the offer to tick the step; a failure stays pending for the scheduler
        publish.deliver(services, key)
    return None


def _limit(crisis: Crisis) -> int | None:
    return SHORT_LIMITS.get(crisis.platform.value) if crisis.platform else None
