"""Channel names for war rooms: `crisis-<yyyymmdd>-<slug>`, from a title in any script.

Slack accepts lowercase ASCII letters, digits, `-` and `_`, at most 80 characters. anyascii
transliterates Chinese, Cyrillic, Arabic and the rest; wide (CJK) characters are separated so
`数据泄露` becomes `shu-ju-xie-lu` rather than one unreadable run.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from anyascii import anyascii

MAX_LENGTH = 80
PREFIX = "crisis"
FALLBACK_SLUG = "untitled"


def slugify(title: str) -> str:
    """Lowercase ASCII words joined by `-`; empty when nothing transliterates."""
    parts = []
    for char in title:
        ascii_text = anyascii(char)
        if unicodedata.east_asian_width(char) in ("W", "F") and ascii_text.isalnum():
            ascii_text = f" {ascii_text} "
        parts.append(ascii_text)
    return re.sub(r"[^a-z0-9]+", "-", "".join(parts).lower()).strip("-")


def channel_name(title: str, opened_on: date, attempt: int = 1) -> str:
    """The channel name for a crisis; attempt 2, 3, ... add `-2`, `-3` after a `name_taken`."""
    head = f"{PREFIX}-{opened_on:%Y%m%d}-"
    suffix = f"-{attempt}" if attempt > 1 else ""
    room = MAX_LENGTH - len(head) - len(suffix)
    slug = slugify(title)[:room].rstrip("-") or FALLBACK_SLUG
    return f"{head}{slug}{suffix}"
