"""Small pieces every view uses: mentions, dates each reader sees in their own zone, options."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from slack_sdk.models.blocks import (
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
)

from bot.words.text import cut

MODAL_TEXT_MAX = 24  # a modal's title and its submit and close buttons


def options(choices: Iterable[Enum], label: str = "label") -> list[Option]:
    """Select options from an enum whose members have a `label`."""
    return [Option(value=c.value, text=PlainTextObject(text=cut(getattr(c, label), 75))) for c in choices]


def option_for(choice: Enum | None, label: str = "label") -> Option | None:
    if choice is None:
        return None
    return options([choice], label)[0]


def modal_text(text: str) -> str:
    """A modal's title or button in the reader's language: a translation longer than Slack takes
    is cut, so the modal still opens (slack_sdk refuses a view with a title over 24 characters)."""
    return cut(text, MODAL_TEXT_MAX)


def text_input(
    block_id: str,
    label: str,
    max_length: int,
    *,
    required: bool = False,
    multiline: bool = False,
    initial: str = "",
    placeholder: str = "",
    hint: str | None = None,
) -> InputBlock:
    """A text input whose element's action_id is its block_id (bot.views.forms reads them by
    block). `required` also sets min_length, so Slack's client asks for it before submitting."""
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=not required,
        hint=hint,
        element=PlainTextInputElement(
            action_id=block_id,
            multiline=multiline,
            min_length=1 if required else None,
            max_length=max_length,
            initial_value=cut(initial, max_length) or None,
            placeholder=cut(placeholder, 150) or None,
        ),
    )


def context(*parts: str, block_id: str | None = None) -> ContextBlock:
    """A grey line of small mrkdwn text (at most 10 parts, as Slack allows)."""
    return ContextBlock(block_id=block_id, elements=[MarkdownTextObject(text=p) for p in parts if p][:10])
