"""What reaches POST /slack/events that Slack never sends: unsigned, malformed or oversized
bodies get a clear status (401, 400, 413), never a 500, and the bot calls Slack for none of them."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from bot.views.open_form import LINK_MAX
from tests.conftest import ANA
from tests.slackclient import announce_body, sign

FORM = "application/x-www-form-urlencoded"


def _payload(value: str) -> bytes:
    return urlencode({"payload": value}).encode()


MALFORMED = {
    "payload that is not JSON": (_payload("{not json"), FORM),
    "payload=null": (_payload("null"), FORM),
    "payload=[]": (_payload("[]"), FORM),
    "payload of a string": (_payload('"block_actions"'), FORM),
    "invalid UTF-8": (b"command=%2Fcrisis&text=\xff\xfe", FORM),
    "invalid JSON": (b'{"type": "event_callback", ', "application/json"),
    "JSON that is a list": (b"[1, 2]", "application/json"),
    "actions: []": (_payload(json.dumps({"type": "block_actions", "user": {"id": ANA}, "actions": []})), FORM),
    "an action that is not an object": (
        _payload(json.dumps({"type": "block_actions", "user": {"id": ANA}, "actions": ["crisis.step.done"]})),
        FORM,
    ),
    "a submission without its view": (_payload(json.dumps({"type": "view_submission", "user": {"id": ANA}})), FORM),
    "a user that is not an object": (
        _payload(json.dumps({"type": "view_submission", "user": ANA, "view": {"id": "V1", "callback_id": "x"}})),
        FORM,
    ),
    "a command sent as JSON": (
        json.dumps({"command": "/crisis", "text": "help", "user_id": ANA, "channel_id": "C1"}).encode(),
        "application/json",
    ),
    "neither a command nor a payload": (b"hello=world", FORM),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_bodies_unsigned_get_401_and_signed_get_400(bot, fake, case):
    body, content_type = MALFORMED[case]
    calls_before = len(fake.calls)
    unsigned = bot.send.post(body, content_type=content_type, signature="v0=" + "0" * 64)
    assert unsigned.status == 401, unsigned
    signed = bot.send.post(body, content_type=content_type)
    assert signed.status == 400, signed
    assert "Traceback" not in signed.body
    bot.settle()
    assert len(fake.calls) == calls_before


@pytest.mark.parametrize("timestamp", ["soon", "1e9", "-5", "", "12345678901234567890123"])
def test_a_timestamp_that_is_not_a_time_is_unsigned(bot, fake, timestamp):
    body = urlencode({"command": "/crisis", "text": "help", "user_id": ANA, "channel_id": fake.general.id}).encode()
    reply = bot.send.post(body, headers={"X-Slack-Request-Timestamp": timestamp}, signature=sign(body, 0))
    assert reply.status == 401


def test_a_signed_help_still_works_next_to_all_that(bot, fake):
    reply = bot.ask("help", user=ANA, channel=fake.general.id)
    assert reply.status == 200 and "/crisis open" in reply.json["text"]


def test_a_command_whose_text_says_payload_is_still_a_command(bot, fake):
    """Bolt reads any form body containing the word "payload" as an interaction."""
    reply = bot.ask("lessons payload", user=ANA, channel=fake.general.id)
    assert reply.status == 200 and "No lessons" in reply.json["text"]


def test_a_body_larger_than_slack_ever_sends_is_refused_unread(bot, fake):
    calls_before = len(fake.calls)
    for signed in (True, False):  # too large either way: it is never read to check
        assert announce_body(bot.send.bot_url, 10 << 20, signed=signed) == 413
    assert len(fake.calls) == calls_before


def test_the_largest_form_slack_can_send_fits(bot, fake):
    """Every text input of the open form filled to its limit in Chinese, JSON-escaped and
    form-encoded as Slack sends it, is well under the cap."""
    bot.send.command("open", user=ANA, channel=fake.general.id)
    bot.settle()
    modal = bot.last_view()
    full = {
        block["block_id"]: "危" * block["element"]["max_length"]
        for block in modal["blocks"]
        if block["type"] == "input" and block["element"]["type"] == "plain_text_input"
    }
    link = "https://example.com/"
    full["link"] = link + "危" * (LINK_MAX - len(link))  # a url_text_input: a web address, as long as one may be
    reply = bot.send.submit(modal, {**full, "category": "trolling"}, user=ANA)
    assert reply.status == 200 and set(reply.json.get("errors", {})) <= {"feeds"}, reply  # read whole, and judged


def test_stale_but_well_formed_requests_are_still_401(bot, fake):
    body = urlencode({"command": "/crisis", "text": "help"}).encode()
    assert bot.send.post(body, timestamp=int(time.time()) - 3600).status == 401
