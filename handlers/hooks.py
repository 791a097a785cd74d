"""`POST /hooks/mentions` over HTTP: size limit, body, headers in; the flow's answer out as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from bot import clock
from bot.flows import hook
from bot.rules.hooks import BODY_LIMIT
from bot.services import Services

PATH = "/hooks/mentions"
DRAIN_LIMIT = 4 * BODY_LIMIT  # an oversized body is read (and dropped) up to this, so the client hears the 413


def application(services: Services) -> Callable[[dict, Callable], Iterable[bytes]]:
    """The webhook as a WSGI app: refuses what is not a POST with a length in the limit before
    reading it, then hands headers and body to bot.flows.hook."""

    def serve(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _send(start_response, hook.Answer(405, {"ok": False, "error": "POST JSON to this address"}))
        length = environ.get("CONTENT_LENGTH") or ""
        if not length.isdigit():
            return _send(start_response, hook.Answer(411, {"ok": False, "error": "send a Content-Length"}))
        if int(length) > BODY_LIMIT:
            _drain(environ["wsgi.input"], min(int(length), DRAIN_LIMIT))
            error = f"the body is over {BODY_LIMIT // 1024} KiB: send fewer items per request"
            return _send(start_response, hook.Answer(413, {"ok": False, "error": error}))
        body = environ["wsgi.input"].read(int(length))
        answer = hook.receive(
            services,
            timestamp=environ.get("HTTP_X_CRISIS_REQUEST_TIMESTAMP"),
            signature=environ.get("HTTP_X_CRISIS_SIGNATURE"),
            body=body,
            now=clock.now(),
        )
        return _send(start_response, answer)

    return serve


def _drain(stream: Any, length: int) -> None:
    while length > 0:
        chunk = stream.read(min(length, 65536))
        if not chunk:
            return
        length -= len(chunk)


def _send(start_response: Callable, answer: hook.Answer) -> Iterable[bytes]:
    body = json.dumps(answer.body, ensure_ascii=False).encode()
    status = f"{answer.status} {HTTPStatus(answer.status).phrase}"
    start_response(status, [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]
