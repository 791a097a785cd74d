"""User text is data, never markup: cleaning, escaping and cutting it to Slack's limits.

Everything a person typed (titles, descriptions, reasons, lessons) goes through here before it
is shown. Escaping `&`, `<` and `>` defuses `<!channel>`, `<@U…>` and spoofed links; cutting
happens after escaping so an entity is never split and Slack never rejects the message.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

from bot.words.i18n import _

ELLIPSIS = "…"
_MARKS = str.maketrans({"*": "∗", "`": "ˋ", "~": "∼"})
_BROADCASTS = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")  # keeps \t and \n


def clean(text: str | None) -> str:
    """Normalise what a person typed: NFC, no control or bidi-override characters, trimmed.

    Right-to-left text itself is kept; only the invisible override characters that can make
    a title render backwards are dropped."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def one_line(text: str | None) -> str:
    """Clean text and fold all white space, for titles and names."""
    return " ".join(clean(text).split())


def cut(text: str, limit: int) -> str:
    """Shorten plain text to `limit` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def escape(text: str) -> str:
    """Escape user text for mrkdwn: `&`, `<` and `>` (so no mention, broadcast or link can be
    injected), `@channel`-style words broken so no client links them, and the formatting marks
    `*`, `` ` `` and `~` turned into look-alikes (∗ ˋ ∼), so a lone one cannot pair with the bot's
    own formatting and bold, code or strike the rest of a message."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").translate(_MARKS)
    return _BROADCASTS.sub(lambda m: "@\u2060" + m.group(1), text)


_SLACK_ENTITIES = re.compile("&(amp|lt|gt);")


def unescape(text: str) -> str:
    """Undo, once, Slack's escaping of what a person typed in a command: it arrives with `&`,
    `<` and `>` as `&amp;`, `&lt;` and `&gt;`, and `escape` escapes it again wherever it is
    shown, so without this "Q&A" would show as "Q&amp;A" and slug to "q-amp-a"."""
    return _SLACK_ENTITIES.sub(lambda m: {"amp": "&", "lt": "<", "gt": ">"}[m.group(1)], text)


def mrkdwn(text: str | None, limit: int = 3000) -> str:
    """User text ready for a mrkdwn field of at most `limit` characters."""
    escaped = escape(clean(text))
    if len(escaped) <= limit:
        return escaped
    head = escaped[: max(limit - 1, 0)]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]  # never leave half an entity such as "&am"
    return head.rstrip() + ELLIPSIS


def bold(text: str | None, limit: int = 3000) -> str:
    """User text in bold (its own marks are neutral, so it cannot end our bold early)."""
    return f"*{mrkdwn(text, limit)}*"


def code(text: str | None, limit: int = 3000) -> str:
    """User text in a `code` span (its backticks are neutral, so it cannot end the span)."""
    return f"`{mrkdwn(text, limit)}`"


def plain(text: str | None, limit: int) -> str:
    """User text for a plain_text field: cleaned and cut, no escaping needed."""
    return cut(clean(text), limit)


def link(url: str, label: str) -> str:
    """A mrkdwn link to a URL someone typed: characters that would end the link are
    percent-encoded and the label is escaped, so neither can break out of `<url|label>`."""
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C").replace(" ", "%20")
    return f"<{safe_url}|{escape(label)}>"


def user(user_id: str | None) -> str:
    """A mention of a Slack user id (ids come from Slack, never from free text)."""
    # Translators: stands where a person would be named, when nobody is (e.g. "owner: nobody")
    return f"<@{user_id}>" if user_id else _("nobody")


def channel(channel_id: str | None, fallback: str | None = None) -> str:
    # Translators: stands where the war room's channel would be linked, before it exists
    return f"<#{channel_id}>" if channel_id else (fallback or _("the war room"))


def when(at: int, style: str | None = None) -> str:
    """A time Slack shows in each reader's own time zone and language, with a UTC fallback; the
    words around Slack's tokens are ours, in the reader's language."""
    # Translators: Slack's date format: keep {date_short_pretty} and {time} as they are (Slack fills them in)
    style = style or _("{date_short_pretty} at {time}")
    fallback = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(at)}^{style}|{fallback}>"
