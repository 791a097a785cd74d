"""The checks every request to POST /slack/events passes before Bolt sees it.

Bolt parses a body before it verifies the signature, so anyone could make it fail on a body that
is not JSON, not UTF-8 or not an object, or on a timestamp that is not a number (HTTP 500 and a
traceback in the log). Here the order is the safe one: the size first (413, nothing read beyond
the cap), then the signature over the raw bytes (401), then the shape Slack's wire format has
(400). Bolt then gets the body as parsed here, so it never parses it its own way: it takes any
form body containing the word "payload" for an interaction, and `/crisis open payload outage`
would reach no listener.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request.internals import build_context

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable], Iterable[bytes]]

# The largest request Slack sends this bot is a modal's submission (or a click in a modal): it
# carries the view, which Slack caps at 250 KB, and what was typed, which the bot's inputs cap at
# a few thousand characters. Form-encoded, JSON-escaped text grows at most threefold, and CJK text
# (\uXXXX escapes) eightfold: well under 1 MiB. Messages with buttons are smaller still.
MAX_BODY_BYTES = 1 << 20
MAX_CLOCK_SKEW_SECONDS = 300  # Slack's rule for replayed requests
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
EVENT_TYPES = frozenset({"url_verification", "event_callback", "app_rate_limited"})
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class Malformed(ValueError):
    """The body is signed but is not something Slack sends; the message says what is wrong."""


def guard(app: App, signing_secret: str, path: str = "/slack/events") -> WsgiApp:
    """A WSGI app serving Bolt at `path`, behind the size, signature and shape checks."""
    secret = signing_secret.encode()

    def application(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != path or environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, 404, "Not Found")
        body = read_body(environ)
        if body is None:
            return _answer(start_response, 413, f"Slack never sends more than {MAX_BODY_BYTES} bytes.")
        if not is_signed(secret, body, environ, now=time.time()):
            return _answer(start_response, 401, "This request is not signed by Slack.")
        content_type = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        try:
            parsed = parse(body, content_type)
        except Malformed as problem:
            log.info("refused a signed but malformed request: %s", problem)
            return _answer(start_response, 400, f"Malformed request: {problem}.")
        response = app.dispatch(_bolt_request(environ, body, parsed))
        wsgi = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
        start_response(wsgi.status, wsgi.get_headers())
        return wsgi.get_body()

    return application


def read_body(environ: dict[str, Any]) -> bytes | None:
    """The whole body, or None when it is larger than Slack ever sends (then it is not read)."""
    declared = environ.get("CONTENT_LENGTH") or ""
    if not declared:  # chunked: read one byte past the cap to tell
        body = environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
        return None if len(body) > MAX_BODY_BYTES else body  # type: ignore[no-any-return]
    length = int(declared) if declared.isdigit() else 0  # servers refuse a bad Content-Length themselves
    return None if length > MAX_BODY_BYTES else environ["wsgi.input"].read(length)  # type: ignore[no-any-return]


def is_signed(secret: bytes, body: bytes, environ: dict[str, Any], *, now: float) -> bool:
    """Slack's v0 signature over the raw bytes, with a recent timestamp. Computed here on bytes,
    because slack_sdk's verifier decodes the body and reads the timestamp as an int first, and
    both fail (an exception, not False) on what an attacker sends."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not _TIMESTAMP.fullmatch(timestamp) or abs(now - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("latin-1"))  # WSGI headers are latin-1


def parse(body: bytes, content_type: str) -> dict[str, Any]:
    """The request as Slack's wire format has it (SLACK.md): interactivity is a form with one
    `payload` field of JSON, a slash command is form fields, an Events API request is JSON."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("the body is not UTF-8") from None
    if content_type == JSON:
        envelope = _json_object(text, "the body")
        if envelope.get("type") not in EVENT_TYPES:
            raise Malformed("a JSON body must be an Events API request")
        return envelope
    if content_type != FORM:
        raise Malformed(f"Slack sends {FORM} or {JSON}")
    if text.startswith("{"):  # Bolt would read it as JSON
        raise Malformed("a form body starts with a field name")
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in fields:
        payload = _json_object(fields["payload"], "payload")
        _check_interaction(payload)
        return payload
    if not fields.get("command", "").startswith("/") or not fields.get("user_id"):
        raise Malformed("a form must be a slash command or carry an interaction payload")
    return fields


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise Malformed(f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise Malformed(f"{what} is not a JSON object")
    return value


# What Bolt and the listeners read of an interaction before they can check anything themselves.
_OBJECTS = ("user", "team", "channel", "container", "message", "view", "enterprise", "state")


def _check_interaction(payload: dict[str, Any]) -> None:
    kind = payload.get("type")
    if not isinstance(kind, str):
        raise Malformed("an interaction payload has a type")
    wrong = [key for key in _OBJECTS if payload.get(key) is not None and not isinstance(payload[key], dict)]
    if wrong:
        raise Malformed(f"{wrong[0]} is not an object")
    if not isinstance((payload.get("user") or {}).get("id"), str):
        raise Malformed("an interaction names its user")
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions:
            raise Malformed("block_actions has at least one action")
        if not all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions):
            raise Malformed("every action is an object with an action_id")
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view") or {}
        if not (isinstance(view.get("id"), str) and isinstance(view.get("callback_id"), str)):
            raise Malformed(f"{kind} carries its view, with an id and a callback_id")


def _bolt_request(environ: dict[str, Any], body: bytes, parsed: dict[str, Any]) -> BoltRequest:
    """Bolt's request for the raw body, with the body and context taken from the parse above:
    Bolt is not given the body to parse again (decoding a modal's 15 KB submission was half of
    what its ack cost), nor checks the signature again (app.py turns its check off)."""
    http = WsgiHttpRequest(environ)
    request = BoltRequest(body="", query=http.query_string, headers=http.get_headers())
    request.raw_body = body.decode("utf-8")
    request.body = parsed
    request.context = build_context(BoltContext(), parsed)
    return request


def _answer(start_response: Callable, status: int, text: str) -> Iterable[bytes]:
    response = WsgiHttpResponse(status=status, headers={"content-type": ["text/plain; charset=utf-8"]}, body=text)
    start_response(response.status, response.get_headers())
    return response.get_body()
