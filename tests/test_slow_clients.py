"""Slow clients against the real `python app.py`: a connection gets a thread only once its
request has arrived, so clients that send half a request and stop cannot hold up Slack's acks,
and each of them is cut off after a few seconds; nor can clients that take their time to hang
up after their answer."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from tests.conftest import ANA
from tests.fakeslack import TOKEN
from tests.processes import clean_env, serve
from tests.slackclient import SIGNING_SECRET, SlackSender, announce_body
from web.worker import LINGER_SECONDS

THREADS = 2


@pytest.fixture
def served(fake, tmp_path):
    """One worker process with two threads: a handful of slow clients would be enough to hold
    every thread of a worker that gave them one."""
    env = clean_env(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.url,
        CRISIS_DB_PATH=str(tmp_path / "crisis.db"),
        WEB_CONCURRENCY="1",
        HTTP_THREADS=str(THREADS),
    )
    process, url = serve(env, tmp_path)
    yield url
    process.terminate()
    output = process.communicate(timeout=30)[0]
    assert "Traceback" not in output, output


def half_a_request(url: str, *, stop_in: str) -> socket.socket:
    """A connection that sends part of a request and then nothing: its headers cut off, or all
    its headers and the first bytes of a body."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=20)
    head = (
        b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 500\r\n"
    )
    sock.sendall(head[:40] if stop_in == "headers" else head + b"\r\ncommand=%2Fcri")
    return sock


def test_clients_that_stop_half_way_do_not_hold_up_slacks_requests(served, fake):
    slow = [half_a_request(served, stop_in=part) for part in ("headers", "body") for _ in range(THREADS * 4)]
    try:
        sender = SlackSender(f"{served}/slack/events", fake)
        sender.command("help", user=ANA, channel=fake.general.id)  # Ana's language is learnt after this one
        fake.wait_for(lambda: fake.responses)
        for _ in range(3):
            reply = sender.command("help", user=ANA, channel=fake.general.id)
            assert reply.status == 200 and "/crisis open" in reply.json["text"]
    finally:
        for sock in slow:
            sock.close()


def answered_but_open(url: str) -> socket.socket:
    """A connection that asks for /healthz, reads the answer and does not hang up. Its answer
    must come before the connection before it could have been given up on (LINGER_SECONDS): a
    worker that waited for that client to hang up would read nothing else meanwhile."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=LINGER_SECONDS)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n\r\n")
    assert sock.recv(1024).startswith(b"HTTP/1.1 200"), "no answer while an earlier client had not hung up"
    return sock


def test_clients_that_do_not_hang_up_after_their_answer_do_not_hold_up_others(served, fake):
    lingering = [answered_but_open(served) for _ in range(THREADS * 2)]
    try:
        reply = SlackSender(f"{served}/slack/events", fake).command("help", user=ANA, channel=fake.general.id)
        answer = reply.json if reply.body else fake.wait_for(lambda: fake.responses)[-1]  # Ana's language learnt first
        assert reply.status == 200 and "/crisis open" in answer["text"]
    finally:
        for sock in lingering:
            sock.close()


def test_requests_that_never_finish_arriving_are_cut_off(served):
    slow = [half_a_request(served, stop_in=part) for part in ("headers", "body")]
    for sock in slow:
        with sock:
            answer = sock.recv(1024)  # the worker answers and closes within seconds (recv times out at 20)
        assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer


def test_a_body_larger_than_slack_ever_sends_is_refused_before_it_is_sent(served, fake):
    assert announce_body(f"{served}/slack/events", 10 << 20, signed=True) == 413
    assert fake.calls_to("chat.postMessage") == []
