"""Sends the bot what Slack sends: signed HTTP requests in Slack's real payload shapes.

Slash commands are form fields; interactivity is a form with one `payload` field of JSON.
Clicks and submissions are built from what the bot really posted or opened (taken from the
fake Slack API), so a test clicks the button the bot rendered, not one it imagines.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import itertools
import json
import re
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.fakeslack import BOT_USER, TEAM, FakeSlack

SIGNING_SECRET = "8f742231b10e8888abcd99aaabbb85a5"


@dataclass
class Reply:
    status: int
    body: str
    elapsed: float

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}


def sign(body: bytes, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackSender:
    def __init__(self, bot_url: str, fake: FakeSlack, secret: str = SIGNING_SECRET) -> None:
        self.bot_url = bot_url
        self.fake = fake
        self.secret = secret
        self._ids = itertools.count(1)

    def trigger(self) -> str:
        """A trigger id never used before, by this sender or any other (Slack refuses a reused one)."""
        return f"{next(self._ids)}.{int(time.time())}.{uuid.uuid4().hex}"

    def post(
        self,
        body: bytes,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Reply:
        """POST a body to /slack/events, signed unless `signature` overrides it."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": sign(body, timestamp, self.secret) if signature is None else signature,
            **(headers or {}),
        }
        request = urllib.request.Request(
            self.bot_url, data=body, headers={k: v for k, v in all_headers.items() if v != ""}, method="POST"
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, response.read().decode(), time.perf_counter() - started)
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(), time.perf_counter() - started)

    def command(
        self,
        text: str,
        *,
        user: str,
        channel: str,
        command: str = "/crisis",
        headers: dict[str, str] | None = None,
        trigger_id: str | None = None,
    ) -> Reply:
        fields = {
            "token": "verification-token-unused",
            "team_id": TEAM,
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": self.fake.channels[channel].name if channel in self.fake.channels else "directmessage",
            "user_id": user,
            "user_name": self.fake.users.get(user, {}).get("name", user.lower()),
            "command": command,
            "text": slack_escaped(text),
            "api_app_id": "A0000001",
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(),
            "trigger_id": trigger_id or self.trigger(),
        }
        return self.post(urlencode(fields).encode(), headers=headers)

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        """An Events API delivery as Slack sends it: a JSON `event_callback` envelope."""
        envelope = {
            "token": "verification-token-unused",
            "team_id": TEAM,
            "context_team_id": TEAM,
            "api_app_id": "A0000001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": TEAM,
                    "user_id": BOT_USER,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }
        return self.post(json.dumps(envelope).encode(), content_type="application/json", headers=headers)

    def interaction(self, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
        return self.post(urlencode({"payload": json.dumps(payload)}).encode(), headers=headers)

    def _base(self, kind: str, user: str) -> dict[str, Any]:
        return {
            "type": kind,
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            "api_app_id": "A0000001",
            "token": "verification-token-unused",
            "trigger_id": self.trigger(),
            "team": {"id": TEAM, "domain": "acme"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def click(
        self,
        message: dict[str, Any],
        action_prefix: str,
        *,
        user: str,
        channel: str | None = None,
        headers: dict[str, str] | None = None,
        ephemeral: bool = False,
        payload_overrides: dict[str, Any] | None = None,
    ) -> Reply:
        """Click the first button in `message` whose action_id starts with `action_prefix`."""
        block, element = find_element(message["blocks"], action_prefix)
        channel_id = channel or message.get("channel")
        payload = self._base("block_actions", user)
        payload.update(
            container={
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel_id,
                "is_ephemeral": ephemeral,
            },
            channel={
                "id": channel_id,
                "name": self.fake.channels[channel_id].name if channel_id in self.fake.channels else "unknown",
            },
            message={
                "type": "message",
                "user": message.get("user"),
                "ts": message["ts"],
                "text": message.get("text"),
                "blocks": message["blocks"],
            },
            state={"values": {}},
            response_url=self.fake.response_url(),
            actions=[
                {
                    "type": element["type"],
                    "action_id": element["action_id"],
                    "block_id": block["block_id"] if "block_id" in block else "auto",
                    "text": element.get("text"),
                    "value": element.get("value"),
                    "style": element.get("style"),
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        )
        payload.update(payload_overrides or {})
        return self.interaction(payload, headers)

    def click_in_view(self, view: dict[str, Any], action_prefix: str, values: dict[str, Any], *, user: str) -> Reply:
        """Click a button inside an open modal, with `values` typed into its inputs so far (as
        Slack sends it: the view and its state, no channel, no response_url)."""
        block, element = find_element(view["blocks"], action_prefix)
        payload = self._base("block_actions", user)
        payload.update(
            container={"type": "view", "view_id": view["id"]},
            view={**view, "state": {"values": state_values(view, values)}},
            actions=[
                {
                    "type": element["type"],
                    "action_id": element["action_id"],
                    "block_id": block["block_id"],
                    "text": element.get("text"),
                    "value": element.get("value"),
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        )
        return self.interaction(payload)

    def submit(
        self, view: dict[str, Any], values: dict[str, Any], *, user: str, headers: dict[str, str] | None = None
    ) -> Reply:
        """Submit a modal the bot opened, filling inputs by block_id with Python values."""
        payload = self._base("view_submission", user)
        payload.update(view={**view, "state": {"values": state_values(view, values)}}, response_urls=[])
        return self.interaction(payload, headers)


def announce_body(url: str, length: int, *, signed: bool) -> int:
    """Send only the headers of a form POST whose body would be `length` bytes, and return the
    status the bot answers with before any of the body is sent."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    now = int(time.time())
    try:
        connection.putrequest("POST", parts.path)
        connection.putheader("Content-Type", "application/x-www-form-urlencoded")
        connection.putheader("Content-Length", str(length))
        connection.putheader("X-Slack-Request-Timestamp", str(now))
        connection.putheader("X-Slack-Signature", sign(b"x" * length, now) if signed else "v0=0")
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


# What Slack leaves as it is in a command's text: mentions, channels, broadcasts and links it
# recognised (`<@U…|name>`, `<#C…|name>`, `<!here>`, `<https://…|label>`).
_SLACK_MARKUP = re.compile(r"(<(?:[@#!]|https?://|mailto:)[^<>]*>)")


def slack_escaped(text: str) -> str:
    """A command's text as Slack sends it: `&`, `<` and `>` that the person typed arrive as
    `&amp;`, `&lt;` and `&gt;`, around the markup Slack itself made of mentions and links."""
    parts = _SLACK_MARKUP.split(text)
    return "".join(
        part if i % 2 else part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for i, part in enumerate(parts)
    )


def find_element(blocks: list[dict[str, Any]], action_prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for block in blocks:
        elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory")]
        for element in elements:
            if element and element.get("action_id", "").startswith(action_prefix):
                return block, element
    raise AssertionError(f"no element {action_prefix!r} in {json.dumps(blocks)[:2000]}")


def state_values(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """`view.state.values` as Slack sends it, for each input block (unset ones included)."""
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        value = values.get(block["block_id"], _initial(element))
        state[block["block_id"]] = {element["action_id"]: _element_state(element, value)}
    return state


def _initial(element: dict[str, Any]) -> Any:
    kind = element["type"]
    if kind == "users_select":
        return element.get("initial_user")
    if kind == "static_select":
        return (element.get("initial_option") or {}).get("value")
    if kind == "checkboxes":
        return [o["value"] for o in element.get("initial_options") or []]
    return element.get("initial_value")


def _element_state(element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind == "static_select":
        options = {o["value"]: o for o in element.get("options", [])}
        return {
            "type": kind,
            "selected_option": options.get(value, {"text": {"type": "plain_text", "text": str(value)}, "value": value})
            if value
            else None,
        }
    if kind == "users_select":
        return {"type": kind, "selected_user": value}
    if kind == "multi_users_select":
        return {"type": kind, "selected_users": list(value or [])}
    if kind == "checkboxes":
        options = {o["value"]: o for o in element.get("options", [])}
        return {"type": kind, "selected_options": [options[v] for v in value or []]}
    if kind == "url_text_input":  # Slack's client accepts only a web address; a forged payload anything
        return {"type": kind, "value": value or None}
    return {"type": kind, "value": value}
