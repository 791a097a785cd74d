"""`/crisis language`: the language a war room's messages are in (the header, the checklist,
its thread notes, nudges and the closing summary), set per crisis over TEAM_LOCALE.

What one person sees stays in their own Slack language whatever the war room's is.
"""

from __future__ import annotations

from bot import clock, publish
from bot.flows import access
from bot.model import Crisis
from bot.services import Services
from bot.slack.gateway import SlackError
from bot.words import commands, locales
from bot.words.i18n import _
from bot.words.text import code


def choices() -> str:
    """The languages a war room can be written in, as a person would type them."""
    return ", ".join(f"{code(language.tag, 20)} {language.native}" for language in locales.LANGUAGES)


def current(services: Services, crisis: Crisis) -> str:
    """Which language the war room is in now, and how to change it."""
    tag = services.team_language(crisis.team_locale)
    language = locales.language(tag)
    # Translators: {choices} lists the languages as `nl` Nederlands, `de` Deutsch…
    return _(
        "This war room's messages are in {language}. To change it, type `/crisis {command}` and one of {choices}."
    ).format(language=language.native if language else tag, command=commands.alias("language"), choices=choices())


def change(services: Services, crisis_id: int, requested: str, *, actor: str) -> str | None:
    """Write the war room in `requested` from now on, and show its header and checklist in it at
    once. Returns what to tell the person (a refusal, or that it is done)."""
    crisis = services.crises.get(crisis_id)
    if crisis is None:
        return _("That crisis no longer exists.")
    if not crisis.is_open:
        return _("Crisis #{number} is closed: its war room's language no longer changes.").format(number=crisis.id)
    # Translators: completes "Only people in #channel can …"
    refusal = access.member_refusal(services, crisis, actor, doing=_("change the war room's language"))
    if refusal:
        return refusal
    tag = next((c for c in locales.candidates(requested) if locales.language(c)), None)
    language = locales.language(tag)
    if language is None:
        return _("I don't write war rooms in {requested}. Choose one of {choices}.").format(
            requested=code(requested, 40), choices=choices()
        )
    if not services.crises.set_team_locale(crisis.id, language.tag, actor=actor, at=clock.now()):
        return _("This war room's messages are already in {language}.").format(language=language.native)
    try:
        publish.refresh_header(services, crisis.id)
        publish.refresh_checklist(services, crisis.id)
    except SlackError as error:
        return _("Saved, but I could not update the header and checklist yet: {why}.").format(why=error.explain())
    return _("From now on this war room's messages are in {language}.").format(language=language.native)
