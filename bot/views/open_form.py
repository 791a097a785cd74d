"""The modal behind `/crisis open`: everything the war room needs, pre-filled where we can.

The form is built and validated through slack_sdk.models once per process and language; each
request gets a copy (in the reader's language) with its title, owner and context filled in, each
checked against Slack's limits. (The models re-validate every option on every serialisation:
most of the CPU an open cost before.)
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextObject,
    StaticSelectElement,
    UrlInputElement,
    UserMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.model import Category, Platform, Severity
from bot.slack import ids
from bot.slack.blockkit import BlockKitError, modal
from bot.slack.ids import Callback, Field
from bot.views.common import modal_text, option_for, options, text_input
from bot.words import i18n
from bot.words.i18n import _
from bot.words.links import LINK_MAX
from bot.words.locales import LANGUAGES

TITLE_MAX = 150  # a header block holds 150 characters
DESCRIPTION_MAX = 3000
CUSTOMER_MAX = 100
MAX_RESPONDERS = 99  # plus the owner and the opener: one conversations.invite call
KEYWORDS_MAX = 1000
FEEDS_MAX = 3000


_PLACEHOLDER_USER = "U00000000"


def open_crisis_modal(*, opener_id: str, prefill: ids.OpenContext) -> dict[str, Any]:
    """The validated form as a dict, starting with what `prefill` says (a title typed after
    `/crisis open`, or a spike's evidence: title, link, platform, keywords); the opener is the
    default owner. The form carries nothing in private_metadata: where to answer the opener is
    the bot's own record (bot.flows.opening.form_opened)."""
    view = copy.deepcopy(_form(i18n.current()))
    blocks = {block["block_id"]: block for block in view["blocks"]}
    title = prefill.title[:TITLE_MAX]
    if title:
        blocks[Field.TITLE.value]["element"]["initial_value"] = title
    keywords = (prefill.keywords or title)[:KEYWORDS_MAX]
    if keywords:
        blocks[Field.KEYWORDS.value]["element"]["initial_value"] = keywords
    if prefill.link:
        blocks[Field.LINK.value]["element"]["initial_value"] = prefill.link[:LINK_MAX]
    platform = next((o for o in options(Platform) if o.value == prefill.platform), None)
    if platform is not None:
        blocks[Field.PLATFORM.value]["element"]["initial_option"] = platform.to_dict()
    if not ids.USER_ID.fullmatch(opener_id):
        raise BlockKitError(f"not a user id: {opener_id!r}")
    blocks[Field.OWNER.value]["element"]["initial_user"] = opener_id
    return view


@functools.cache
def _form(language: str) -> dict[str, Any]:
    """The empty form in one language (the reader's, current when it is built: the cache key)."""
    with i18n.speaking(language):
        return modal(
            View(
                type="modal",
                callback_id=Callback.OPEN_CRISIS.value,
                # Translators: the title of the crisis form (a modal; at most 24 characters)
                title=modal_text(_("Open a crisis")),
                # Translators: the submit button of the crisis form (at most 24 characters)
                submit=modal_text(_("Open war room")),
                # Translators: a modal's close button (at most 24 characters)
                close=modal_text(_("Cancel")),
                blocks=[
                    text_input(
                        Field.TITLE.value,
                        # Translators: a field of the crisis form: the crisis's title
                        _("Title"),
                        TITLE_MAX,
                        required=True,
                        # Translators: the placeholder of the title field (at most 150 characters)
                        placeholder=_("What is happening, in a few words (any language)"),
                    ),
                    text_input(
                        Field.DESCRIPTION.value,
                        # Translators: a field of the crisis form: what happened, in the team's words
                        _("What happened"),
                        DESCRIPTION_MAX,
                        multiline=True,
                        # Translators: the placeholder of that field (at most 150 characters)
                        placeholder=_("Who posted what, where, and how far it has spread"),
                    ),
                    InputBlock(
                        block_id=Field.LINK.value,
                        # Translators: a field of the crisis form: the address of the post it is about
                        label=_("Link to the post"),
                        optional=True,
                        element=UrlInputElement(action_id=Field.LINK.value, placeholder="https://…"),
                    ),
                    # Translators: a field of the crisis form: where the post is (X, Facebook, a review site…)
                    _select(Field.PLATFORM, _("Platform"), options(Platform), optional=True),
                    keywords_input(),
                    feeds_input(),
                    text_input(
                        Field.CUSTOMER.value,
                        # Translators: a field of the crisis form: who complained, their handle or name
                        _("Customer or account"),
                        CUSTOMER_MAX,
                        # Translators: the placeholder of that field (at most 150 characters)
                        placeholder=_("@handle or name, used in reply templates"),
                    ),
                    # Translators: a field of the crisis form: which kind of negativity it is
                    _select(Field.CATEGORY, _("Kind of negativity"), options(Category)),
                    _select(
                        Field.SEVERITY,
                        # Translators: a field of the crisis form: how severe it is
                        _("Severity"),
                        options(Severity),
                        initial=option_for(Severity.MEDIUM),
                    ),
                    _select(
                        Field.LANGUAGE,
                        # Translators: a field of the crisis form: the language of the replies to the customer
                        _("Response language"),
                        options(LANGUAGES),
                        optional=True,
                        hint=_("The customer's language for reply templates. Empty: each responder's Slack language."),
                    ),
                    InputBlock(
                        block_id=Field.OWNER.value,
                        # Translators: a field of the crisis form: the one person who answers for it
                        label=_("Owner (one responsible person)"),
                        element=UserSelectElement(action_id=Field.OWNER.value, initial_user=_PLACEHOLDER_USER),
                    ),
                    InputBlock(
                        block_id=Field.RESPONDERS.value,
                        # Translators: a field of the crisis form: the people who work on it with the owner
                        label=_("Responders"),
                        optional=True,
                        element=UserMultiSelectElement(
                            action_id=Field.RESPONDERS.value, max_selected_items=MAX_RESPONDERS
                        ),
                    ),
                    InputBlock(
                        block_id=Field.PRIVATE.value,
                        # Translators: a field of the crisis form: who can see the war room
                        label=_("Visibility"),
                        optional=True,
                        element=CheckboxesElement(
                            action_id=Field.PRIVATE.value,
                            options=[
                                Option(
                                    value="private",
                                    # Translators: a checkbox of the crisis form (an option; at most 75 characters)
                                    text=PlainTextObject(text=_("Private war room (invited people only)")),
                                )
                            ],
                        ),
                    ),
                ],
            )
        )


def keywords_input(initial: str = "") -> InputBlock:
    """What to count in the listening channel, the feeds and the webhook."""
    return text_input(
        Field.KEYWORDS.value,
        # Translators: a field of the crisis and tracking forms: the words whose mentions are counted
        _("Keywords to track"),
        KEYWORDS_MAX,
        multiline=True,
        initial=initial,
        # Translators: the placeholder of that field (at most 150 characters)
        placeholder=_("One per line, or separated by commas"),
        hint=_("Mentions that contain one of them are counted for this crisis. Empty: the title."),
    )


def feeds_input(initial: str = "") -> InputBlock:
    return text_input(
        Field.FEEDS.value,
        # Translators: a field of the crisis and tracking forms: the addresses of news feeds to poll
        _("Feeds to watch (RSS or Atom)"),
        FEEDS_MAX,
        multiline=True,
        initial=initial,
        # Translators: the placeholder of that field (at most 150 characters); keep "https://…" as it is
        placeholder=_("https://…, one address per line"),
        hint=_("A news alert, a Mastodon tag or a forum search feed: every new item counts for this crisis."),
    )


def _select(
    field: Field,
    label: str,
    choices: list[Option],
    *,
    optional: bool = False,
    initial: Option | None = None,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=field.value,
        label=label,
        optional=optional,
        hint=hint,
        element=StaticSelectElement(
            action_id=field.value,
            options=choices,
            initial_option=initial,
            # Translators: the placeholder of a menu with nothing chosen yet (at most 150 characters)
            placeholder=_("Choose…"),
        ),
    )
