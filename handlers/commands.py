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

NOT_IN_WAR_ROOM = "Run this in a crisis war room (a `#crisis-…` channel), or use `/crisis list`."


def register(app: App) -> None:
    app.command("/crisis")(crisis_command)


@guarded
def crisis_command(ack: Ack, body: dict, context: BoltContext) -> None:
    word, _, rest = unescape(body.get("text") or "").strip().partition(" ")
    subcommand = SUBCOMMANDS.get(word.lower())
    if subcommand is None:
        reply(ack, notices.help_message(unknown=word or None))
        return
    subcommand(ack, services_of(context), Interaction.of(body, subject_of(context)), rest.strip())


def reply(ack: Ack, message: Message) -> None:
    """Answer a command in the ack itself: ephemeral, and no Web API call."""
    ack(response_type="ephemeral", **message.to_kwargs())


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
    opened = open_view_or_explain(services, who, modal, again="Please run `/crisis open` again.")
    if opened is not None:
        _form_opened(services, who, opened["id"])


def _form_or_refusal(services: Services, who: Interaction, prefill: ids.OpenContext) -> dict | Message:
    try:
        refusal = opening.may_open(services, who.user_id)
    except SlackError as error:
        return notices.note(
            f"{error.could_not('check that you are in the crisis response team')} Try again in a moment."
        )
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
        reply(ack, notices.note(NOT_IN_WAR_ROOM))
        return
    ack(response_type="ephemeral", **status.answer(services, crisis, asked_in=who.channel_id))


def _list(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crises, visible = listing.open_crises(services, who.user_id)
    reply(ack, notices.crisis_list(crises, visible=visible))


def _owner(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis = who.crisis  # the war room's
    if crisis is None:
        reply(ack, notices.note(NOT_IN_WAR_ROOM))
        return
    new_owner = ownership.parse_user(text)
    if new_owner is None:
        reply(ack, notices.note("Say who takes over: `/crisis owner @someone`."))
        return
    accept(services, who, "owner", crisis=crisis.id, owner=new_owner)
    ack()


def _template(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis = who.crisis  # the war room's
    if crisis is None:
        reply(ack, notices.note(NOT_IN_WAR_ROOM))
        return
    kind, language, unknown = drafting.parse_request(text)
    if unknown:
        reply(ack, notices.note(TEMPLATE_USAGE.format(unknown=code(" ".join(unknown), 100))))
        return
    ack()
    defer_answer(
        services, who, drafting.show, services, crisis, kind, language, who.user_id, failing="show the template"
    )


TEMPLATE_USAGE = (
    "I don't understand {unknown}. Use `/crisis template [kind] [language]`: kinds are "
    "`acknowledgement`, `apology`, `resolution`, `offline` and `holding`; languages are tags "
    "such as `nl`, `fy`, `ru`, `zh`, `id`, `pt-BR`."
)


def _close(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis = who.crisis  # the war room's
    if crisis is None:
        reply(ack, notices.note(NOT_IN_WAR_ROOM))
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
    open_view_or_explain(services, who, modal, again="Please try again.")


def _reopen(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis, reason = _named_crisis(services, who, text)
    if crisis is None:
        reply(
            ack,
            notices.note(
                "Say which crisis: `/crisis reopen [#war-room or number] reason` (in its war room the crisis is implied)."
            ),
        )
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
    first, _, rest = text.partition(" ")
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
        reply(ack, notices.note(NOT_IN_WAR_ROOM))
        return
    ack()
    services.defer(_share_post_mortem, services, who, crisis)


def _share_post_mortem(services: Services, who: Interaction, crisis: Crisis) -> None:
    try:
        export.share(services, crisis)
    except SlackError as error:
        tell(services, who, notices.note(error.could_not("post the post-mortem")))


def _digest(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    """Today's digest, just for the person asking (private crises only if they are in them)."""
    now = clock.now()
    snapshot = digest.gather(services, now=now, day=digest.today(services, now))
    reply(ack, digest.render(services, snapshot, viewer=who.user_id))


def _update(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis = who.crisis  # the war room's
    if crisis is None:
        reply(ack, notices.note(NOT_IN_WAR_ROOM))
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
        open_view_or_explain(services, who, updates.form(services, crisis, who.user_id), again="Please try again.")


def _follow(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    _choose(ack, services, who, text, on=True)


def _unfollow(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    _choose(ack, services, who, text, on=False)


def _choose(ack: Ack, services: Services, who: Interaction, text: str, *, on: bool) -> None:
    """`/crisis follow|unfollow [#war-room or number]`: answered in the ack (one row stored),
    unless whether they may takes asking Slack (a private crisis's war room): then it is stored
    as a request and answered after the ack, as a Follow click is (nothing slow before an ack)."""
    crisis, _ = _named_crisis(services, who, text)
    word = "follow" if on else "unfollow"
    if crisis is None:
        reply(
            ack,
            notices.note(f"Say which crisis: `/crisis {word} [#war-room or number]` (in its war room it is implied)."),
        )
        return
    if on and access.follow_needs_slack(services, crisis, who.user_id):
        accept(services, who, "follow", crisis=crisis.id, following=True)
        ack()
        return
    choice = following.follow if on else following.unfollow
    reply(ack, notices.note(choice(services, crisis, who.user_id)))


def _volume(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis = who.crisis  # the war room's
    if crisis is None:
        reply(ack, notices.note(NOT_IN_WAR_ROOM))
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
        tell(services, who, notices.note(error.could_not("post the volume chart")))


def _keywords(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    crisis = who.crisis  # the war room's
    if crisis is None:
        reply(ack, notices.note(NOT_IN_WAR_ROOM))
        return
    ack()
    services.defer_urgent(open_tracking_modal, services, who, crisis.id)


def open_tracking_modal(services: Services, who: Interaction, crisis_id: int) -> None:
    """The keywords-and-feeds form, for people in the war room of an open crisis."""

    def build() -> View | Message:
        crisis = services.crises.get(crisis_id)
        refusal = tracking.may_change(services, crisis, who.user_id)  # may ask Slack who is in the room
        if refusal or crisis is None:
            return notices.note(refusal or "That crisis no longer exists.")
        return volume_views.tracking_modal(crisis, services.feeds.of(crisis.id))

    open_when_ready(services, who, build)


def _help(ack: Ack, services: Services, who: Interaction, text: str) -> None:
    reply(ack, notices.help_message())


# Subcommands whose whole answer is the ack itself, computed from what is stored: a resent one is
# simply answered again, so nothing about it is written before the ack.
ANSWERED_IN_THE_ACK = frozenset({"status", "list", "lessons", "digest", "help"})


def answered_in_the_ack(body: dict) -> bool:
    """Whether a request is a slash command that only reads (or an unknown word, which gets help)."""
    if not body.get("command"):
        return False
    word = (body.get("text") or "").strip().partition(" ")[0].lower()
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
    "help": _help,
}
