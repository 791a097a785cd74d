"""The HTTP surface: Slack's signatures, and the real `python app.py` process."""

from __future__ import annotations

import socket
import time
import urllib.request
from urllib.parse import urlencode

import pytest

from tests.conftest import ANA
from tests.fakeslack import TOKEN
from tests.processes import clean_env, run_app, start_app
from tests.slackclient import SlackSender


def _command_body(fake, text="open Signed?"):
    return urlencode(
        {
            "command": "/crisis",
            "text": text,
            "user_id": ANA,
            "channel_id": fake.general.id,
            "team_id": "T0000001",
            "trigger_id": "1.2.3",
            "response_url": fake.response_url(),
        }
    ).encode()


@pytest.mark.parametrize(
    "case",
    ["wrong signature", "no signature", "no timestamp", "stale timestamp", "wrong secret"],
)
def test_unsigned_or_stale_requests_are_rejected_and_do_nothing(bot, fake, case):
    body = _command_body(fake)
    calls_before = len(fake.calls)
    if case == "wrong signature":
        reply = bot.send.post(body, signature="v0=" + "0" * 64)
    elif case == "no signature":
        reply = bot.send.post(body, signature="")
    elif case == "no timestamp":
        reply = bot.send.post(body, headers={"X-Slack-Request-Timestamp": ""})
    elif case == "stale timestamp":
        reply = bot.send.post(body, timestamp=int(time.time()) - 301)
    else:
        reply = SlackSender(bot.send.bot_url, fake, secret="0123456789abcdef0123456789abcdef").post(body)
    assert reply.status == 401
    bot.settle()
    assert len(fake.calls) == calls_before and not fake.views


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("variables", "names"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        (
            {"SLACK_BOT_TOKEN": "not-a-token", "SLACK_SIGNING_SECRET": "abcdef0123456789"},
            "SLACK_BOT_TOKEN looks malformed",
        ),
        ({"SLACK_BOT_TOKEN": "xoxb-1-2"}, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_SIGNING_SECRET": "not hex!"}, "SLACK_SIGNING_SECRET looks malformed"),
        ({"SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_APP_TOKEN": "xoxp-wrong"}, "SLACK_APP_TOKEN looks malformed"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_SIGNING_SECRET": "abcdef0123456789", "PORT": "http"},
            "PORT must be a whole number",
        ),
    ],
)
def test_start_up_without_valid_settings_says_what_to_set(tmp_path, variables, names):
    result = run_app(clean_env(**variables), tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and names in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_start_up_with_a_token_slack_rejects(fake, tmp_path):
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-revoked",
        SLACK_SIGNING_SECRET="abcdef0123456789",
        SLACK_API_URL=fake.url,
        CRISIS_DB_PATH=str(tmp_path / "c.db"),
    )
    result = run_app(env, tmp_path)
    assert (
        result.returncode == 2 and "Slack refused SLACK_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr
    )


def test_http_mode_serves_slack_requests(fake, tmp_path):
    """`python app.py` with a token and secret: HTTP mode on PORT, POST /slack/events."""
    port = _free_port()
    (tmp_path / ".env").write_text(f"SLACK_SIGNING_SECRET=8f742231b10e8888abcd99aaabbb85a5\nPORT={port}\n")
    env = clean_env(SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=fake.url, CRISIS_DB_PATH=str(tmp_path / "crisis.db"))
    process = start_app(env, tmp_path)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    assert response.read() == b"ok\n"
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the bot did not start listening"
                time.sleep(0.1)
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", fake)
        first = sender.command("help", user=ANA, channel=fake.general.id)  # Ana's language is learnt after it
        assert first.status == 200 and "/crisis open" in fake.wait_for(lambda: fake.responses)[-1]["text"]
        reply = sender.command("help", user=ANA, channel=fake.general.id)
        assert reply.status == 200 and "/crisis open" in reply.json["text"]  # then answered in the ack itself
        reply = sender.command("open From the real process", user=ANA, channel=fake.general.id)
        assert reply.status == 200
        fake.wait_for(lambda: fake.views)
        assert (tmp_path / "crisis.db").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)
