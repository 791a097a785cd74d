"""The Block Kit guard rejects what Slack would reject and slack_sdk lets through."""

from __future__ import annotations

import pytest
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, InputBlock, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View

from bot.slack.blockkit import BlockKitError, Message, check_blocks, modal


def test_more_than_50_blocks_is_refused():
    with pytest.raises(BlockKitError, match="51 blocks"):
        Message(text="x", blocks=[SectionBlock(text=f"{i}") for i in range(51)]).to_kwargs()


def test_a_message_needs_a_fallback_text():
    with pytest.raises(BlockKitError, match="fallback"):
        Message(text="  ", blocks=[SectionBlock(text="x")]).to_kwargs()


def test_long_fallback_text_is_cut_not_rejected():
    assert len(Message(text="x" * 50_000).to_kwargs()["text"]) <= 3900


@pytest.mark.parametrize(
    ("blocks", "problem"),
    [
        ([{"type": "section", "block_id": "a", "text": {"type": "mrkdwn", "text": "x"}}] * 2, "duplicate block_id"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": " "}}], "empty text"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "x"}] * 11}], "11 section fields"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}], "over 2,000"),
        ([{"type": "section"}], "needs text or fields"),
        (
            [
                {
                    "type": "input",
                    "label": {"type": "plain_text", "text": "l"},
                    "element": {"type": "plain_text_input", "action_id": "a", "min_length": 10, "max_length": 5},
                }
            ],
            "lengths",
        ),
        (
            [
                {
                    "type": "actions",
                    "elements": [{"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "b"}}] * 2,
                }
            ],
            "duplicate action_id",
        ),
    ],
)
def test_gaps_in_slack_sdk_are_covered(blocks, problem):
    with pytest.raises(BlockKitError, match=problem):
        check_blocks(blocks)


def test_slack_sdk_limits_still_apply():
    from slack_sdk.errors import SlackObjectFormationError

    with pytest.raises(SlackObjectFormationError):
        Message(text="x", blocks=[ActionsBlock(elements=[ButtonElement(text="b" * 76, action_id="a")])]).to_kwargs()


def test_a_modal_with_inputs_needs_submit():
    view = View(type="modal", title="T", blocks=[InputBlock(label="L", element=PlainTextInputElement(action_id="a"))])
    with pytest.raises(BlockKitError, match="submit"):
        modal(view)
