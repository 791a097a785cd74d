"""The modal behind `/crisis open`: everything the war room needs, pre-filled where we can.

The form is built and validated through slack_sdk.models once per process; each request gets a
copy with its title, owner and context filled in, each checked against Slack's limits. (The
models re-validate every option on every serialisation: most of the CPU an open cost before.)
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
from bot.views.common import option_for, options, text_input
from bot.words.locales import LANGUAGES

TITLE_MAX = 150  # a header block holds 150 characters
DESCRIPTION_MAX = 3000
LINK_MAX = 2000
CUSTOMER_MAX = 100
MAX_RESPONDERS = 99  # plus the owner and the opener: one conversations.invite call


_PLACEHOLDER_USER = "U00000000"


def open_crisis_modal(*, opener_id: str, title: str) -> dict[str, Any]:
    """The validated form as a dict; `title` (what followed `/crisis open`) pre-fills the title
    and the opener is the default owner. The form carries nothing in private_metadata: where to
    answer the opener is the bot's own record (bot.flows.opening.form_opened)."""
    view = copy.deepcopy(_form())
    blocks = {block["block_id"]: block for block in view["blocks"]}
    if title[:TITLE_MAX]:
        blocks[Field.TITLE.value]["element"]["initial_value"] = title[:TITLE_MAX]
    if not ids.USER_ID.fullmatch(opener_id):
        raise BlockKitError(f"not a user id: {opener_id!r}")
    blocks[Field.OWNER.value]["element"]["initial_user"] = opener_id
    return view


@functools.cache
def _form() -> dict[str, Any]:
    return modal(
        View(
            type="modal",
            callback_id=Callback.OPEN_CRISIS.value,
            title="Open a crisis",
            submit="Open war room",
            close="Cancel",
            blocks=[
                text_input(
                    Field.TITLE.value,
                    "Title",
                    TITLE_MAX,
                    required=True,
                    placeholder="What is happening, in a few words (any language)",
                ),
                text_input(
                    Field.DESCRIPTION.value,
                    "What happened",
                    DESCRIPTION_MAX,
                    multiline=True,
                    placeholder="Who posted what, where, and how far it has spread",
                ),
                InputBlock(
                    block_id=Field.LINK.value,
                    label="Link to the post",
                    optional=True,
                    element=UrlInputElement(action_id=Field.LINK.value, placeholder="https://…"),
                ),
                _select(Field.PLATFORM, "Platform", options(Platform), optional=True),
                text_input(
                    Field.CUSTOMER.value,
                    "Customer or account",
                    CUSTOMER_MAX,
                    placeholder="@handle or name, used in reply templates",
                ),
                _select(Field.CATEGORY, "Kind of negativity", options(Category)),
                _select(Field.SEVERITY, "Severity", options(Severity), initial=option_for(Severity.MEDIUM)),
                _select(
                    Field.LANGUAGE,
                    "Response language",
                    options(LANGUAGES),
                    optional=True,
                    hint="The customer's language for reply templates. Empty: each responder's Slack language.",
                ),
                InputBlock(
                    block_id=Field.OWNER.value,
                    label="Owner (one responsible person)",
                    element=UserSelectElement(action_id=Field.OWNER.value, initial_user=_PLACEHOLDER_USER),
                ),
                InputBlock(
                    block_id=Field.RESPONDERS.value,
                    label="Responders",
                    optional=True,
                    element=UserMultiSelectElement(action_id=Field.RESPONDERS.value, max_selected_items=MAX_RESPONDERS),
                ),
                InputBlock(
                    block_id=Field.PRIVATE.value,
                    label="Visibility",
                    optional=True,
                    element=CheckboxesElement(
                        action_id=Field.PRIVATE.value,
                        options=[
                            Option(value="private", text=PlainTextObject(text="Private war room (invited people only)"))
                        ],
                    ),
                ),
            ],
        )
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
            action_id=field.value, options=choices, initial_option=initial, placeholder="Choose…"
        ),
    )
