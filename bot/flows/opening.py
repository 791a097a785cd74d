"""Opening a crisis: checking what was entered, and storing it before anything else happens.

Validation is pure (no Slack calls) so its errors go back inline in the modal within Slack's
3-second window. The crisis is stored before the submission is acknowledged: once the person
sees the modal close, the crisis exists, whatever Slack does next.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot import clock
from bot.flows import tracking, war_room_setup
from bot.model import Category, Crisis, NewCrisis, Platform, Severity
from bot.services import Services
from bot.slack.gateway import SlackError
from bot.slack.ids import USER_ID, Field
from bot.views.open_form import CUSTOMER_MAX, DESCRIPTION_MAX, MAX_RESPONDERS, TITLE_MAX
from bot.words.i18n import N_, _, ngettext
from bot.words.links import normalise_link
from bot.words.locales import language
from bot.words.text import clean, one_line
from storage.database import StorageError
from storage.shown import OpenForm

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Invalid:
    """Inline errors for the modal: {block_id: what to fix, in plain words}."""

    errors: dict[str, str]


def validate(values: dict[str, Any], *, opener_id: str) -> NewCrisis | Invalid:
    """Turn the modal's values into a NewCrisis, or say what to fix in each field."""
    errors: dict[str, str] = {}

    title = one_line(values.get(Field.TITLE))
    if not title:
        errors[Field.TITLE] = _("Give the crisis a title, in a few words.")
    elif len(title) > TITLE_MAX:
        # Translators: “What happened” is the label of the form's description field
        errors[Field.TITLE] = ngettext(
            "Keep the title under {n} character; put the rest in “What happened”.",
            "Keep the title under {n} characters; put the rest in “What happened”.",
            TITLE_MAX,
        ).format(n=TITLE_MAX)

    description = clean(values.get(Field.DESCRIPTION))
    if len(description) > DESCRIPTION_MAX:
        errors[Field.DESCRIPTION] = _under(DESCRIPTION_MAX)

    link = normalise_link(values.get(Field.LINK))
    if link is None:
        errors[Field.LINK] = _("That is not a link. Paste the post's full address, starting with https://")

    customer = one_line(values.get(Field.CUSTOMER))
    if len(customer) > CUSTOMER_MAX:
        errors[Field.CUSTOMER] = _under(CUSTOMER_MAX)

    category = _choice(Category, values.get(Field.CATEGORY))
    if category is None:
        errors[Field.CATEGORY] = _("Choose the kind of negativity: it decides the wording of replies.")
    severity = _choice(Severity, values.get(Field.SEVERITY))
    if severity is None:
        errors[Field.SEVERITY] = _("Choose how severe this is.")
    platform = _choice(Platform, values.get(Field.PLATFORM))
    if values.get(Field.PLATFORM) and platform is None:
        errors[Field.PLATFORM] = _("Choose a platform from the list.")
    lang = values.get(Field.LANGUAGE)
    if lang and language(lang) is None:
        errors[Field.LANGUAGE] = _("Choose a language from the list.")

    owner = values.get(Field.OWNER) or ""
    if not USER_ID.fullmatch(owner):
        errors[Field.OWNER] = _("Name one person who owns this crisis.")
    responders = [u for u in values.get(Field.RESPONDERS) or [] if u != owner]
    if any(not USER_ID.fullmatch(u or "") for u in responders):
        errors[Field.RESPONDERS] = _("Pick responders from the list of people.")
    elif len(responders) > MAX_RESPONDERS:
        errors[Field.RESPONDERS] = ngettext(
            "Pick at most {n} responder; others can join the channel.",
            "Pick at most {n} responders; others can join the channel.",
            MAX_RESPONDERS,
        ).format(n=MAX_RESPONDERS)

    tracked = tracking.read(values, title=title)
    errors.update(tracked.errors)

    if errors:
        return Invalid({str(k): v for k, v in errors.items()})
    assert category is not None and severity is not None and link is not None
    return NewCrisis(
        title=title,
        description=description,
        link=link,
        customer_handle=customer,
        platform=platform,
        category=category,
        severity=severity,
        language=language(lang).tag if lang else None,  # type: ignore[union-attr]
        owner_id=owner,
        opener_id=opener_id,
        responders=tuple(dict.fromkeys(responders)),
        is_private="private" in (values.get(Field.PRIVATE) or []),
        keywords=tracked.keywords,
        feeds=tracked.feeds,
    )


def _under(limit: int) -> str:
    """The error under a field whose text is too long."""
    return ngettext("Keep this under {n} character.", "Keep this under {n} characters.", limit).format(n=limit)


# Translators: CRISIS_RESPONDERS is the name of a setting; keep it as it is
RESPONDERS_ONLY = N_(
    "Only the crisis response team can open a crisis. Ask one of them, or an admin to add you to CRISIS_RESPONDERS."
)
NOT_CHECKED_YET = N_(
    "I could not check just now that you are in the crisis response team. Please submit again in a moment."
)


def requested_title(text: str) -> str:
    """What followed `/crisis open`, as the title the form starts with: one line, cut to what
    a title holds (it also travels in the "Open a new crisis" button, whose value holds 2,000)."""
    return one_line(text)[:TITLE_MAX]


def may_open(services: Services, user_id: str, *, ask_slack: bool = True) -> str | None:
    """Why this person may not open a crisis (None when they may): when CRISIS_RESPONDERS is
    set, only its people and user groups may. Asking Slack for a group may take seconds or
    fail (SlackError); without `ask_slack` a person only Slack could place may, for now (the
    form asks when it opens: see `needs_slack`)."""
    responders = services.config.responders
    if not responders:
        return None
    member = (
        services.directory.includes(responders, user_id) if ask_slack else services.directory.known(responders, user_id)
    )
    return _(RESPONDERS_ONLY) if member is False else None


def needs_slack(services: Services, user_id: str) -> bool:
    """Whether `may_open` has to ask Slack for this person (a user group not looked up lately)."""
    responders = services.config.responders
    return bool(responders) and services.directory.known(responders, user_id) is None


def may_submit(services: Services, submitter: str, form: OpenForm | None) -> str | None:
    """Why this person may not submit this open form (None when they may), asking Slack nothing
    before the ack. The form opens only for someone who may open a crisis, checked then, and
    the bot's record of it (storage.shown) says for whom: with CRISIS_RESPONDERS set, that
    person may submit it. Without a record (one that could not be stored), what the bot knows
    without Slack decides; when only Slack could tell, the form stays open while the bot asks,
    so that submitting again is answered from what it learnt."""
    responders = services.config.responders
    if not responders or (form is not None and form.opener_id == submitter):
        return None
    member = services.directory.known(responders, submitter)
    if member is None:
        services.defer(_look_up, services, submitter)
        return _(NOT_CHECKED_YET)
    return None if member else _(RESPONDERS_ONLY)


def _look_up(services: Services, user_id: str) -> None:
    """Ask Slack whether this person is among CRISIS_RESPONDERS, for `directory.known` to tell."""
    try:
        services.directory.includes(services.config.responders, user_id)
    except SlackError as error:
        log.warning("could not look up whether %s is a responder: %s", user_id, error)


def _choice(enum: type, value: Any) -> Any:
    try:
        return enum(value) if value else None
    except ValueError:
        return None


def form_opened(
    services: Services, view_id: str, *, opener_id: str, origin_channel: str | None, response_url: str | None
) -> None:
    """Remember for whom the form Slack just opened is (they were found allowed to open a
    crisis, so its submission asks Slack nothing: `may_submit`) and where `/crisis open` ran:
    the set-up report goes there. Kept by the bot, never carried in the form, so no submission
    can aim it elsewhere. A database that cannot take it leaves the form working without it."""
    try:
        services.shown.form_opened(
            view_id, opener_id=opener_id, origin_channel_id=origin_channel, response_url=response_url, at=clock.now()
        )
    except StorageError as error:
        log.warning("could not record the open form %s: %s", view_id, error)


def opened_form(services: Services, view_id: str, *, opener_id: str) -> OpenForm | None:
    """The bot's record of the open form with this view id, when it was opened for this person."""
    form = services.shown.form(view_id)
    return form if form is not None and form.opener_id == opener_id else None


@dataclass(frozen=True)
class Opened:
    """A stored crisis, and whether this submission stored it (with the start of its set-up,
    war_room_setup.start) or a resent one found it stored the first time."""

    crisis: Crisis
    new: bool


def submit(
    services: Services, values: dict[str, Any], *, opener_id: str, view_id: str, form: OpenForm | None, at: int
) -> Opened | Invalid:
    """Validate a submission and store the crisis, with the start of its war room's set-up;
    the same view always yields the crisis stored the first time, so a retried submission
    opens nothing new. Where to answer the opener comes from the bot's record of the form
    (`opened_form`), when there is one."""
    outcome = validate(values, opener_id=opener_id)
    if isinstance(outcome, Invalid):
        return outcome
    crisis, new = services.crises.create(  # a StorageError keeps the form open (handlers.plumbing.guarded)
        outcome,
        request_key=f"view:{view_id}",
        at=at,
        origin_channel_id=form.origin_channel_id if form else None,
        response_url=form.response_url if form else None,
        setup=war_room_setup.start(outcome.title, at),
    )
    return Opened(crisis, new)
