"""What `POST /hooks/mentions` accepts: its signature and the shape of its body.

Signed the way Slack signs its requests (v0): `X-Crisis-Signature` is `v0=` and the hex
HMAC-SHA256, keyed with MENTIONS_WEBHOOK_SECRET, of `v0:<X-Crisis-Request-Timestamp>:<body>`.
A timestamp more than five minutes away is refused, and so is a signature seen before (the
flow remembers them), so a captured request cannot be replayed. The body carries either
items (link, author, text, platform, published time) or one count for a time window; any
other shape is refused with the field at fault named.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.words.text import clean, one_line

VERSION = "v0"
REPLAY_WINDOW_SECONDS = 300
BODY_LIMIT = 1024 * 1024
MAX_ITEMS = 1000
TEXT_MAX = 4000
AUTHOR_MAX = 200
LINK_MAX = 2000
ID_MAX = 500
COUNT_MAX = 10_000_000
WINDOW_MAX_SECONDS = 24 * 3600


class ShapeError(ValueError):
    """The body is not what the webhook takes; `field` names the part at fault."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


@dataclass(frozen=True)
class HookItem:
    key: str
    link: str
    author: str
    text: str
    platform: str | None
    published: int


@dataclass(frozen=True)
class HookCount:
    key: str
    count: int
    since: int
    until: int
    platform: str | None


@dataclass(frozen=True)
class HookPayload:
    crisis: int | None
    items: tuple[HookItem, ...] = ()
    count: HookCount | None = None


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = f"{VERSION}:{timestamp}:".encode() + body
    return f"{VERSION}=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signature_problem(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, *, now: int
) -> str | None:
    """Why the request's signature does not hold (None when it does)."""
    if not timestamp or not signature:
        return "missing X-Crisis-Request-Timestamp or X-Crisis-Signature"
    if not timestamp.isdigit():
        return "X-Crisis-Request-Timestamp must be Unix seconds"
    if abs(now - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return "stale timestamp: sign each request when it is sent"
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        return "bad signature"
    return None


def parse(body: bytes, *, now: int) -> HookPayload:
    """The payload, or ShapeError naming the field at fault."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ShapeError("body", "not valid JSON") from None
    if not isinstance(data, dict):
        raise ShapeError("body", "must be a JSON object")
    crisis = data.get("crisis")
    if crisis is not None and (isinstance(crisis, bool) or not isinstance(crisis, int) or crisis < 1):
        raise ShapeError("crisis", "must be a crisis number")
    unknown = sorted(set(data) - {"crisis", "items", "count", "from", "to", "platform", "source"})
    if unknown:
        raise ShapeError(unknown[0], "unknown field")
    if ("items" in data) == ("count" in data):
        raise ShapeError("items", "send either items or a count")
    if "items" in data:
        items = data["items"]
        if not isinstance(items, list) or not items:
            raise ShapeError("items", "must be a non-empty list")
        if len(items) > MAX_ITEMS:
            raise ShapeError("items", f"at most {MAX_ITEMS} per request")
        return HookPayload(crisis, items=tuple(_item(f"items[{i}]", item, now) for i, item in enumerate(items)))
    return HookPayload(crisis, count=_count(data, now))


def _item(where: str, item: Any, now: int) -> HookItem:
    if not isinstance(item, dict):
        raise ShapeError(where, "must be an object")
    link = _text(item, "link", where, LINK_MAX)
    if link and not link.lower().startswith(("https://", "http://")):
        raise ShapeError(f"{where}.link", "must be an http(s) address")
    text = clean(_text(item, "text", where, None))[:TEXT_MAX]
    if not link and not text:
        raise ShapeError(f"{where}.link", "an item needs a link or a text")
    ident = _text(item, "id", where, ID_MAX)
    published = _time(item.get("published"), f"{where}.published", now) if "published" in item else now
    author = one_line(_text(item, "author", where, None))[:AUTHOR_MAX]
    platform = _text(item, "platform", where, 50) or None
    digest = hashlib.sha256(f"{author}\n{text}\n{published}".encode()).hexdigest()
    return HookItem(f"hook:{ident or link or digest}", link, author, text, platform, min(published, now))


def _count(data: dict, now: int) -> HookCount:
    count = data["count"]
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= COUNT_MAX:
        raise ShapeError("count", f"must be a whole number from 0 to {COUNT_MAX:,}")
    for name in ("from", "to"):
        if name not in data:
            raise ShapeError(name, "a count needs the window it covers: from and to")
    since, until = _time(data["from"], "from", now), _time(data["to"], "to", now)
    if not since < until <= now + REPLAY_WINDOW_SECONDS:
        raise ShapeError("to", "must be after from, and not in the future")
    if until - since > WINDOW_MAX_SECONDS:
        raise ShapeError("from", "a window is at most 24 hours")
    platform = _text(data, "platform", "", 50) or None
    source = _text(data, "source", "", 100) or "webhook"
    return HookCount(f"count:{source}:{platform or ''}:{since}:{until}", count, since, until, platform)


def _text(item: dict, name: str, where: str, limit: int | None) -> str:
    value = item.get(name)
    field = f"{where}.{name}" if where else name
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ShapeError(field, "must be a string")
    if limit is not None and len(value) > limit:
        raise ShapeError(field, f"at most {limit} characters")
    return value.strip()


def _time(value: Any, field: str, now: int) -> int:
    """Unix seconds, or an ISO 8601 time with its zone (2026-11-23T14:05:00Z)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0:
        return int(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return int(parsed.timestamp())
    raise ShapeError(field, "must be Unix seconds or an ISO 8601 time with its zone, like 2026-11-23T14:05:00Z")
