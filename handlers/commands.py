"""`/crisis …`: parse the subcommand, acknowledge, call the domain, answer."""

from __future__ import annotations

import re
from collections.abc import Callable

from slack_bolt import Ack, App, BoltContext
from slack_sdk.models.views import View

from bot import clock
from bot.flows import (
    access,
    closing,
    digest,
    drafting,
    export,
    following,
    lessons,
    listing,
    opening,
    ownership,
    reopening,
    status,
    team_language,
    tracking,
    updates,
    volume,
)
from bot.model import Crisis
from bot.services import Services
from bot.slack import ids
from bot.slack.blockkit import Message
from bot.slack.gateway import SlackError
from bot.views import closing as closing_views
from bot.views import notices
from bot.views import volume as volume_views
from bot.views.open_form import open_crisis_modal
from bot.words import commands
from bot.words.i18n import N_, _
from bot.words.text import code, one_line, unescape
from handlers.plumbing import (
    Interaction,
    accept,
    defer_answer,
    guarded,
    open_view_or_explain,
    open_when_ready,
    services_of,
    subject_of,
    tell,
)

# Translators: {list} is the command word that lists the open crises
NOT_IN_WAR_ROOM = N_("Run this in a crisis war room (a `#crisis-…` channel), or use `/crisis {list}`.")


def register(app: App) -> None:
    app.command("/crisis")(crisis_command)


@guarded
def crisis_command(ack: Ack, body: dict, context: BoltContext) -> None:
    word, _space, rest = unescape(body.get("text") or "").strip().partition(" ")
    subcommand = SUBCOMMANDS.get(commands.command_word(word)) or _unknown(word)
    services, who = services_of(context), Interaction.of(body, subject_of(context))
    if context.get("language_known", True):
        subcommand(ack, services, who, rest.strip())
        return
    # Someone whose language is not known yet: a command that answers in its ack is acknowledged
    # empty and runs again after it, once their language is learnt (one users.info, then
    # remembered), answering privately, rather than reaching them in another language.
    held = HeldAnswer(ack)
    subcommand(held, services, who, rest.strip())
    if held.answered:
        services.defer(subcommand, AnswerLater(services, who), services, who, rest.strip())


class HeldAnswer:
    """The ack of a command from someone whose language is not known: an empty ack goes out as
    it is; an answer is held back (the ack goes out empty) for the command to give again later.
    A command whose answer tells of a change it made (follow) must not be run twice: it stores
    the request instead when its ack is a HeldAnswer."""

    def __init__(self, ack: Ack) -> None:
        self.ack, self.answered = ack, False

    def __call__(self, **answer: object) -> None:
        self.answered = self.answered or bool(answer.get("text") or answer.get("blocks"))
        self.ack()


def _unknown(word: str) -> Callable[[Ack, Services, Interaction, str], None]:
    def answer(ack: Ack, services: Services, who: Interaction, text: str) -> None:
        reply(ack, notices.help_message(unknown=word or None))

    return answer


class AnswerLater:
    """Stands in for the ack of a command acknowledged before its answer was ready: the answer
    goes to the person privately (its response_url) instead; an empty ack is already out."""

    def __init__(self, services: Services, who: Interaction) -> None:
        self.services, self.who = services, who

    def __call__(self, **answer: object) -> None:
        """The command's own empty ack, when it runs again: the real one went out already."""


def reply(ack: Ack | AnswerLater, message: Message) -> None:
    """Answer a command in the ack itself (ephemeral, and no Web API call), or privately after
    it when the ack could not wait."""
    if isinstance(ack, AnswerLater):
        tell(ack.services, ack.who, message)
        return
    ack(response_type="ephemeral", **message.to_kwargs())


def not_in_war_room() -> Message:
    """For a command about a crisis run outside every war room, with the word the reader types."""
    return notices.note(_(NOT_IN_WAR_ROOM).format(list=commands.alias("list")))


def open_modal(services: Services, who: Interaction, prefill: ids.OpenContext) -> None:
    """Open the open-crisis form on this interaction's trigger (valid 3 s, once), starting with
    what `prefill` says (a title, or a spike's evidence), for someone who may open a crisis, and
    have the flow remember for whom and where this request came from, to answer the opener
    there. When the check takes asking Slack for a user group's members (seconds, or a
    failure), a "Working…" modal holds the trigger meanwhile and then shows the form or why not."""
    if opening.needs_slack(services, who.user_id):
        open_when_ready(
            services,
            who,
            lambda: _form_or_refusal(services, who, prefill),
            before_showing=lambda view_id: _form_opened(services, who, view_id),
        )
        return
    refusal = opening.may_open(services, who.user_id)  # known without Slack
    if refusal:
        tell(services, who, notices.note(refusal))
        return
    modal = open_crisis_modal(opener_id=who.user_id, prefill=prefill)
    # Translators: after "I could not open the form: …"; {open} is the command word
    again = _("Please run `/crisis {open}` again.").format(open=commands.alias("open"))
    opened = open_view_or_explain(services, who, modal, again=again)
    if opened is not None:
        _form_opened(services, who, opened["id"])


def _form_or_refusal(services: Services, who: Interaction, prefill: ids.OpenContext) -> dict | Message:
    try:
        refusal = opening.may_open(services, who.user_id)
    except SlackError as error:
        # Translators: completes "I could not …"
        could_not = error.could_not(_("check that you are in the crisis response team"))
        return notices.note(could_not + " " + _("Try again in a moment."))
    return notices.note(refusal) if refusal else open_crisis_modal(opener_id=who.user_id, prefill=prefill)


def _form_opened(services: Services, who: Interaction, view_id: str) -> None:
    opening.form_opened(
        services, view_id, opener_id=who.user_id, origin_channel=who.channel_id, response_url=who.response_url
    )


def _open(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    refusal = opening.may_open(services, who.user_id, ask_slack=False)  # nothing slow before the ack
    if refusal:
        reply(ack, notices.note(refusal))
        return
    title = opening.requested_title(text)
    unfinished = services.crises.unfinished_setups(opener_id=who.user_id)
    if unfinished:
        reply(ack, notices.unfinished_setup(unfinished, title))
        return
    ack()
    services.defer_urgent(open_modal, services, who, ids.OpenContext(title=title))


def _status(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis = who.crisis  # the war room's
    if crisis is None:
        reply(ack, not_in_war_room())
        return
    if isinstance(ack, AnswerLater):  # the rare late answer: drawn for this one person, not kept
        reply(ack, status.message(services, crisis, asked_in=who.channel_id))
        return
    ack(response_type="ephemeral", **status.answer(services, crisis, asked_in=who.channel_id))


def _list(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crises, visible = listing.open_crises(services, who.user_id)
    reply(ack, notices.crisis_list(crises, visible=visible))


def _owner(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis = who.crisis  # the war room's
    if crisis is None:
        reply(ack, not_in_war_room())
        return
    new_owner = ownership.parse_user(text)
    if new_owner is None:
        # Translators: {owner} is the command word, {someone} the help's "@someone"
        usage = _("Say who takes over: `/crisis {owner} {someone}`.")
        reply(ack, notices.note(usage.format(owner=commands.alias("owner"), someone=_("@someone"))))
        return
    accept(services, who, "owner", crisis=crisis.id, owner=new_owner)
    ack()


def _template(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis = who.crisis  # the war room's
    if crisis is None:
        reply(ack, not_in_war_room())
        return
    kind, language, unknown = drafting.parse_request(text)
    if unknown:
        usage = _(TEMPLATE_USAGE).format(
            unknown=code(" ".join(unknown), 100), template=commands.alias("template"), arguments=_("[kind] [language]")
        )
        reply(ack, notices.note(usage))
        return
    ack()
    defer_answer(
        services,
        who,
        drafting.show,
        services,
        crisis,
        kind,
        language,
        who.user_id,
        # Translators: completes "I could not …"
        failing=_("show the template"),
    )


# Translators: {template} is the command word, {arguments} the help's "[kind] [language]"; the
# kinds and language tags are typed as they are, in English
TEMPLATE_USAGE = N_(
    "I don't understand {unknown}. Use `/crisis {template} {arguments}`: kinds are "
    "`acknowledgement`, `apology`, `resolution`, `offline` and `holding`; languages are tags "
    "such as `nl`, `fy`, `ru`, `zh`, `id`, `pt-BR`."
)


def _close(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis = who.crisis  # the war room's
    if crisis is None:
        reply(ack, not_in_war_room())
        return
    refusal = closing.close_refusal(services, crisis, who.user_id)
    if refusal:
        reply(ack, closing_views.refusal_message(crisis, refusal))
        return
    ack()
    services.defer_urgent(open_close_modal, services, who, crisis.id, False)


def open_close_modal(services: Services, who: Interaction, crisis_id: int, forced: bool) -> None:
    crisis = services.crises.get(crisis_id)
    if crisis is None:
        return
    modal = closing_views.close_modal(crisis, closing.pending(services, crisis), forced=forced)
    # Translators: after "I could not open the form: …"
    open_view_or_explain(services, who, modal, again=_("Please try again."))


def _reopen(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis, reason = _named_crisis(services, who, text)
    if crisis is None:
        # Translators: {reopen} is the command word, {arguments} the help's "[#war-room or number] reason"
        usage = _("Say which crisis: `/crisis {reopen} {arguments}` (in its war room the crisis is implied).")
        arguments = _("[#war-room or number] reason")
        reply(ack, notices.note(usage.format(reopen=commands.alias("reopen"), arguments=arguments)))
        return
    refusal = reopening.reopen_refusal(
        services, crisis, who.user_id, reason, in_war_room=who.channel_id == crisis.channel_id
    )
    if refusal:
        reply(ack, notices.note(refusal))
        return
    accept(services, who, "reopen", crisis=crisis.id, reason=reason)
    ack()


def _named_crisis(services: Services, who: Interaction, text: str) -> tuple[Crisis | None, str]:
    """The crisis a command names (`<#C…>` or its number) or whose war room it runs in, and the
    rest of the text. An archived war room is read-only, so reopening works from anywhere."""
    first, _space, rest = text.partition(" ")
    mention = re.fullmatch(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>", first)
    if mention:
        return services.crises.by_channel(mention.group(1)), one_line(rest)
    if first.lstrip("#").isdigit():
        return services.crises.get(int(first.lstrip("#"))), one_line(rest)
    return who.crisis, one_line(text)


def _lessons(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    reply(ack, closing_views.lessons_found(one_line(text), lessons.search(services, text, viewer=who.user_id)))


def _export(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis = who.crisis  # the war room's
    if crisis is None:
        reply(ack, not_in_war_room())
        return
    ack()
    services.defer(_share_post_mortem, services, who, crisis)


def _share_post_mortem(services: Services, who: Interaction, crisis: Crisis) -> None:
    try:
        export.share(services, crisis)
    except SlackError as error:
        # Translators: completes "I could not …"
        tell(services, who, notices.note(error.could_not(_("post the post-mortem"))))


def _digest(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    """Today's digest, just for the person asking (private crises only if they are in them)."""
    now = clock.now()
    snapshot = digest.gather(services, now=now, day=digest.today(services, now))
    reply(ack, digest.render(services, snapshot, viewer=who.user_id))


def _update(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis = who.crisis  # the war room's
    if crisis is None:
        reply(ack, not_in_war_room())
        return
    refusal = access.update_refusal(services, crisis, who.user_id)
    if refusal:
        reply(ack, notices.note(refusal))
        return
    ack()
    services.defer_urgent(open_update_modal, services, who, crisis.id)


def open_update_modal(services: Services, who: Interaction, crisis_id: int) -> None:
    """The stakeholder update form, on this interaction's trigger (valid 3 s, once)."""
    crisis = services.crises.get(crisis_id)
    if crisis is not None:
        form = updates.form(services, crisis, who.user_id)
        # Translators: after "I could not open the form: …"
        open_view_or_explain(services, who, form, again=_("Please try again."))


def _follow(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    _choose(ack, services, who, text, on=True)


def _unfollow(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    _choose(ack, services, who, text, on=False)


def _choose(ack: Ack, services: Services, who: Interaction, text: str, *, on: bool) -> None:
    """`/crisis follow|unfollow [#war-room or number]`: answered in the ack (one row stored),
    unless whether they may takes asking Slack (a private crisis's war room) or their language is
    not known yet: then it is stored as a request and answered after the ack, as a Follow click
    is (nothing slow before an ack)."""
    crisis, _rest = _named_crisis(services, who, text)
    if crisis is None:
        # Translators: {command} is the command word (follow or unfollow), {arguments} the help's
        # "[#war-room or number]"
        usage = _("Say which crisis: `/crisis {command} {arguments}` (in its war room it is implied).")
        command = commands.alias("follow" if on else "unfollow")
        reply(ack, notices.note(usage.format(command=command, arguments=_("[#war-room or number]"))))
        return
    if isinstance(ack, HeldAnswer) or (on and access.follow_needs_slack(services, crisis, who.user_id)):
        # stored and answered after the ack: when whether they may takes asking Slack, and when
        # their language is not known yet (the answer to a change cannot be given twice)
        accept(services, who, "follow", crisis=crisis.id, following=on)
        ack()
        return
    choice = following.follow if on else following.unfollow
    reply(ack, notices.note(choice(services, crisis, who.user_id)))


def _volume(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis = who.crisis  # the war room's
    if crisis is None:
        reply(ack, not_in_war_room())
        return
    ack()
    services.defer(share_chart, services, who, crisis.id)


def share_chart(services: Services, who: Interaction, crisis_id: int) -> None:
    """Post the volume chart in the war room; a failure is told to the person who asked."""
    crisis = services.crises.get(crisis_id)
    if crisis is None:
        return
    try:
        volume.post_chart(services, crisis)
    except SlackError as error:
        # Translators: completes "I could not …"
        tell(services, who, notices.note(error.could_not(_("post the volume chart"))))


def _keywords(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis = who.crisis  # the war room's
    if crisis is None:
        reply(ack, not_in_war_room())
        return
    ack()
    services.defer_urgent(open_tracking_modal, services, who, crisis.id)


def open_tracking_modal(services: Services, who: Interaction, crisis_id: int) -> None:
    """The keywords-and-feeds form, for people in the war room of an open crisis."""

    def build() -> View | Message:
        crisis = services.crises.get(crisis_id)
        refusal = tracking.may_change(services, crisis, who.user_id)  # may ask Slack who is in the room
        if refusal or crisis is None:
            return notices.note(refusal or _("That crisis no longer exists."))
        return volume_views.tracking_modal(crisis, services.feeds.of(crisis.id))

    open_when_ready(services, who, build)


def _language(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis = who.crisis  # the war room's
    if crisis is None:
        reply(ack, not_in_war_room())
        return
    if not text:
        reply(ack, notices.note(team_language.current(services, crisis)))
        return
    ack()
    # Translators: completes "I could not …"
    defer_answer(
        services,
        who,
        team_language.change,
        services,
        crisis.id,
        text,
        actor=who.user_id,
        failing=_("change the war room's language"),
    )


def _help(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    reply(ack, notices.help_message())


# Subcommands whose whole answer is the ack itself, computed from what is stored: a resent one is
# simply answered again, so nothing about it is written before the ack.
ANSWERED_IN_THE_ACK = frozenset({"status", "list", "lessons", "digest", "help"})


def answered_in_the_ack(body: dict) -> bool:
    """Whether a request is a slash command that only reads (or an unknown word, which gets help)."""
    if not body.get("command"):
        return False
    word = commands.command_word((body.get("text") or "").strip().partition(" ")[0])
    return word in ANSWERED_IN_THE_ACK or word not in SUBCOMMANDS


SUBCOMMANDS: dict[str, Callable[[Ack, Services, Interaction, str], None]] = {
    "open": _open,
    "status": _status,
    "list": _list,
    "owner": _owner,
    "template": _template,
    "close": _close,
    "reopen": _reopen,
    "lessons": _lessons,
    "export": _export,
    "digest": _digest,
    "update": _update,
    "follow": _follow,
    "unfollow": _unfollow,
    "volume": _volume,
    "keywords": _keywords,
    "language": _language,
    "help": _help,
}
