"""Links people type (a post, a feed, the facts), checked and normalised in one place."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.words.text import clean

LINK_MAX = 2000


def normalise_link(raw: str | None) -> str | None:
    """'' for no link, the cleaned URL for a valid one, None for something that is not a link.

    A bare `example.com/post` gets https:// in front; only http(s) links with a host pass."""
    text = clean(raw)
    if not text:
        return ""
    if len(text) > LINK_MAX or any(c.isspace() for c in text):
        return None
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or not ("." in host or host == "localhost"):
        return None
    return text
