"""Messages and modals as slack_sdk models, checked against the limits slack_sdk does not check.

slack_sdk.models validates most field lengths when a block is serialised. Slack also rejects
(with `invalid_blocks`) what the models let through: more than 50 blocks in a message, empty
texts, more than 10 section fields or fields over 2,000 characters, duplicate block or action
ids, a `plain_text_input` whose lengths make no sense, a modal with inputs but no submit
button. Every message and view the bot sends passes through here, so such a message is a
failing test instead of an error in someone's worst hour.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import Block, SectionBlock
from slack_sdk.models.views import View

from bot.words.text import cut

MESSAGE_MAX_BLOCKS = 50
MODAL_MAX_BLOCKS = 100
FALLBACK_TEXT_LIMIT = 3900  # Slack truncates past 40,000 and advises staying under 4,000
SECTION_TEXT_LIMIT = 3000
SECTION_FIELDS_MAX = 10
SECTION_FIELD_LIMIT = 2000
INPUT_LENGTH_MAX = 3000
ID_LIMIT = 255


class BlockKitError(ValueError):
    """A message or view that Slack would reject; always a bug in the bot."""


@dataclass(frozen=True)
class Message:
    """What the bot posts: blocks plus the `text` fallback notifications and screen readers use."""

    text: str
    blocks: Sequence[Block] = field(default_factory=tuple)

    def to_kwargs(self) -> dict[str, Any]:
        """Validated Web API arguments for chat.postMessage / chat.update / responses."""
        blocks = [block.to_dict() for block in self.blocks]  # slack_sdk validates here
        text = cut(self.text.strip(), FALLBACK_TEXT_LIMIT)
        if not text:
            raise BlockKitError("a message needs a non-empty text fallback")
        if len(blocks) > MESSAGE_MAX_BLOCKS:
            raise BlockKitError(f"{len(blocks)} blocks in a message; Slack allows {MESSAGE_MAX_BLOCKS}")
        check_blocks(blocks)
        return {"text": text, "blocks": blocks} if blocks else {"text": text}

    @classmethod
    def section(cls, text: str) -> Message:
        """One section of mrkdwn whose text is also the fallback: most notices and answers.
        User text in it must be escaped by the caller (bot.text.mrkdwn)."""
        return cls(text=text, blocks=[SectionBlock(text=text)])


def modal(view: View) -> dict[str, Any]:
    """A validated modal view as a dict for views.open / views.update / views.push."""
    data = view.to_dict()  # slack_sdk checks title, submit, close, metadata and block counts
    blocks = data.get("blocks", [])
    if len(blocks) > MODAL_MAX_BLOCKS:
        raise BlockKitError(f"{len(blocks)} blocks in a modal; Slack allows {MODAL_MAX_BLOCKS}")
    if any(b.get("type") == "input" for b in blocks) and "submit" not in data:
        raise BlockKitError("a modal with input blocks needs a submit button")
    if len(data.get("callback_id", "")) > ID_LIMIT:
        raise BlockKitError("callback_id over 255 characters")
    check_blocks(blocks)
    return data


def check_blocks(blocks: list[dict[str, Any]]) -> None:
    """Raise BlockKitError for what slack_sdk lets through but Slack rejects."""
    block_ids: set[str] = set()
    action_ids: set[str] = set()
    for block in blocks:
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in block_ids:
                raise BlockKitError(f"duplicate block_id {block_id!r}")
            block_ids.add(block_id)
        if block.get("type") == "section":
            _check_section(block)
        for element in _elements(block):
            action_id = element.get("action_id")
            if action_id is not None:
                if action_id in action_ids:
                    raise BlockKitError(f"duplicate action_id {action_id!r}")
                if len(action_id) > ID_LIMIT:
                    raise BlockKitError(f"action_id over {ID_LIMIT} characters")
                action_ids.add(action_id)
            if element.get("type") == "plain_text_input":
                _check_text_input(element)
        for text in _text_objects(block):
            if not str(text.get("text", "")).strip():
                raise BlockKitError(f"empty text in a {block.get('type')} block")


def _check_section(block: dict[str, Any]) -> None:
    text = block.get("text")
    fields = block.get("fields") or []
    if text is None and not fields:
        raise BlockKitError("a section needs text or fields")
    if text is not None and len(text.get("text", "")) > SECTION_TEXT_LIMIT:
        raise BlockKitError("section text over 3,000 characters")
    if len(fields) > SECTION_FIELDS_MAX:
        raise BlockKitError(f"{len(fields)} section fields; Slack allows {SECTION_FIELDS_MAX}")
    for f in fields:
        if len(f.get("text", "")) > SECTION_FIELD_LIMIT:
            raise BlockKitError("a section field over 2,000 characters")


def _check_text_input(element: dict[str, Any]) -> None:
    low = element.get("min_length", 0)
    high = element.get("max_length", INPUT_LENGTH_MAX)
    if not (0 <= low <= high and 1 <= high <= INPUT_LENGTH_MAX):
        raise BlockKitError(f"plain_text_input lengths {low}..{high} are out of range")
    if len(element.get("initial_value") or "") > high:
        raise BlockKitError("plain_text_input initial_value is longer than its max_length")


def _elements(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Interactive elements of a block: accessory, input element, actions/context elements."""
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            yield block[key]
    if block.get("type") == "actions":
        yield from block.get("elements", [])


def _text_objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every text object anywhere inside a block."""
    if isinstance(value, dict):
        if value.get("type") in ("plain_text", "mrkdwn") and "text" in value:
            yield value
        else:
            for child in value.values():
                yield from _text_objects(child)
    elif isinstance(value, list):
        for child in value:
            yield from _text_objects(child)
