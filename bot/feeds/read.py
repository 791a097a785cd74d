"""A feed's entries as plain facts, read with feedparser: RSS 0.9x–2.0 and Atom, any encoding
the document or its server declares, and the dates real feeds write (RFC 822 with odd zones,
ISO 8601, two-digit years). Texts are stripped of markup: they are shown as escaped text.

feedparser is imported when a feed is first read, not at start-up: a bot without feeds never
loads it (with its XML and date modules it costs each process about 1.5 MiB)."""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

_BREAKS = re.compile(r"<(?:br|/?p|/?div|/?li|/?h\d)\b[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


class NotAFeed(Exception):
    """The document is not a feed feedparser can read (an HTML page, XML cut short)."""


@dataclass(frozen=True)
class Entry:
    key: str  # the entry's id (guid), else its link, else a digest of its text
    link: str
    author: str
    text: str
    published: int | None  # Unix seconds, or None when the feed gives no readable date


def entries(body: bytes, headers: dict[str, str]) -> list[Entry]:
    """The entries of a fetched feed; NotAFeed when it is none."""
    import feedparser

    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise NotAFeed(f"it is not an RSS or Atom feed ({problem})" if problem else "it is not an RSS or Atom feed")
    return [_entry(e) for e in parsed.entries]


def _entry(entry: dict) -> Entry:
    link = _target(str(entry.get("link") or "").strip())
    title = _plain(entry.get("title"))
    summary = _plain(entry.get("summary"))
    text = summary if title and summary.startswith(title) else " — ".join(p for p in (title, summary) if p)
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    published = calendar.timegm(when) if when else None
    ident = str(entry.get("id") or "").strip()
    key = ident or link or hashlib.sha256(f"{text}\n{published}".encode()).hexdigest()
    return Entry(key=key, link=link, author=_plain(entry.get("author")), text=text, published=published)


def _plain(value: object) -> str:
    """Markup as the words a reader sees: paragraphs and breaks become spaces, inline tags
    (`<b>Acme</b>`, `#<span>tag</span>`) vanish without splitting the word."""
    return " ".join(html.unescape(_TAGS.sub("", _BREAKS.sub(" ", str(value or "")))).split())


def _target(link: str) -> str:
    """The article itself rather than a Google Alerts redirect to it; only web links are kept."""
    if not link.lower().startswith(("https://", "http://")):
        return ""
    parts = urlsplit(link)
    if parts.hostname in ("www.google.com", "google.com") and parts.path == "/url":
        target = parse_qs(parts.query).get("url", [""])[0]
        if target.startswith(("https://", "http://")):
            return target
    return link
