"""`python app.py` with SLACK_APP_TOKEN runs in Socket Mode: no HTTP server, envelopes in, acks out."""

from __future__ import annotations

import pytest

from tests.conftest import ANA
from tests.fakeslack import APP_TOKEN, TOKEN
from tests.fakesocket import FakeSocketMode
from tests.processes import clean_env, start_app


@pytest.fixture
def socket_mode(fake):
    endpoint = FakeSocketMode()
    fake.socket_mode_url = endpoint.url
    yield endpoint
    endpoint.stop()


def test_socket_mode_acks_commands_and_opens_the_modal(fake, socket_mode, tmp_path):
    env = clean_env(
        SLACK_BOT_TOKEN=TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=fake.url, CRISIS_DB_PATH=str(tmp_path / "c.db")
    )
    process = start_app(env, tmp_path)
    try:
        socket_mode.wait_connected()
        command = {
            "command": "/crisis",
            "user_id": ANA,
            "channel_id": fake.general.id,
            "team_id": "T0000001",
            "response_url": fake.response_url(),
        }
        socket_mode.send("slash_commands", {**command, "text": "help", "trigger_id": "1.1.first"})
        assert "/crisis open" in fake.wait_for(lambda: fake.responses)[-1]["text"]  # Ana's language learnt first
        ack = socket_mode.send("slash_commands", {**command, "text": "help", "trigger_id": "1.1.help"})
        assert "/crisis open" in ack["payload"]["text"]  # then the help is answered in the ack itself
        socket_mode.send("slash_commands", {**command, "text": "open Over the socket", "trigger_id": "1.1.open"})
        fake.wait_for(lambda: fake.views)
        view = next(iter(fake.views.values()))
        assert (
            next(b for b in view["blocks"] if b["block_id"] == "title")["element"]["initial_value"] == "Over the socket"
        )
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "Traceback" not in output, output


def test_socket_mode_serves_the_mentions_webhook_on_port(fake, socket_mode, tmp_path):
    import json
    import socket
    import time
    import urllib.request

    from bot.rules.hooks import sign

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    secret = "socket-mode-hook-secret-1"
    env = clean_env(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=fake.url,
        CRISIS_DB_PATH=str(tmp_path / "c.db"),
        MENTIONS_WEBHOOK_SECRET=secret,
        WATCH_KEYWORDS="Acme",
        PORT=str(port),
    )
    process = start_app(env, tmp_path)
    try:
        socket_mode.wait_connected()
        body = json.dumps({"items": [{"link": "https://x.com/a/1", "text": "Acme"}]}).encode()
        stamp = str(int(time.time()))
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/hooks/mentions",
            data=body,
            headers={"X-Crisis-Request-Timestamp": stamp, "X-Crisis-Signature": sign(secret, stamp, body)},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert (response.status, json.loads(response.read())) == (200, {"ok": True, "received": 1, "new": 1})
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "Traceback" not in output, output
