"""The listening channel: alerts that listening tools (Brandwatch, Talkwalker, Meltwater,
Sprout…) post through their own Slack integrations, and e-mail alerts forwarded to the
channel, each counted as a mention of whatever it matches.

Most such alerts are bot messages (`subtype: bot_message`, or a `bot_id`) whose substance is
in attachments or blocks rather than in `text`, so all three are read. Edits, deletions and
joins are not mentions; the bot's own messages never reach here (Bolt drops them).
"""

from __future__ import annotations

import re
from typing import Any

from bot.flows.mentions import Incoming, ingest
from bot.model import Source
from bot.rules.platforms import platform_of
from bot.services import Services
from bot.words.text import clean, one_line

COUNTED_SUBTYPES = {None, "bot_message", "file_share", "thread_broadcast"}
_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_URL = re.compile(r"https?://[^\s<>|\"']+")
TEXT_MAX = 4000


def count_message(services: Services, event: dict[str, Any]) -> int:
    """Count a message event of the listening channel; returns how many scopes counted it
    (0 for a message elsewhere, or one that is not a mention)."""
    channel = event.get("channel")
    if not channel or channel != services.config.listening_channel:
        return 0
    if event.get("subtype") not in COUNTED_SUBTYPES or not event.get("ts"):
        return 0
    item = read(event)
    return ingest(services, [item]) if item.text or item.link else 0


def read(event: dict[str, Any]) -> Incoming:
    """A Slack message as a mention: its words from text, attachments and blocks, its first
    link, the author the alert names, the platform that link is on."""
    attachments = [a for a in event.get("attachments") or [] if isinstance(a, dict)]
    parts = [event.get("text") or ""]
    links: list[str] = []
    for attachment in attachments:
        parts += [str(attachment.get(k) or "") for k in ("pretext", "title", "text")]
        parts += [str(f.get("value") or "") for f in attachment.get("fields") or [] if isinstance(f, dict)]
        links += [str(attachment[k]) for k in ("title_link", "from_url", "original_url") if attachment.get(k)]
    parts += _block_texts(event.get("blocks") or [])
    raw = "\n".join(p for p in parts if p)
    links = [m.group(1) for m in _SLACK_LINK.finditer(raw)] + links + _URL.findall(raw)
    link = next((u for u in links if u.startswith(("https://", "http://"))), "")
    first = attachments[0] if attachments else {}
    author = one_line(first.get("author_name") or first.get("author_subname") or event.get("username") or "")
    return Incoming(
        key=f"slack:{event['channel']}:{event['ts']}",
        at=int(float(event["ts"])),
        source=Source.LISTENING,
        platform=platform_of(link, first.get("service_name")),
        author=author[:200],
        text=clean(_SLACK_LINK.sub(lambda m: m.group(2) or m.group(1), raw))[:TEXT_MAX],
        link=link[:2000],
    )


def _block_texts(value: Any) -> list[str]:
    """Every text and link URL anywhere inside Block Kit blocks (sections, rich text)."""
    found: list[str] = []
    if isinstance(value, dict):
        if isinstance(value.get("text"), str):
            found.append(value["text"])
        if value.get("type") == "link" and isinstance(value.get("url"), str):
            found.append(value["url"])
        for key, child in value.items():
            if key != "text" or not isinstance(child, str):
                found += _block_texts(child)
    elif isinstance(value, list):
        for child in value:
            found += _block_texts(child)
    return found
