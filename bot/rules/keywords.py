"""Which scopes (the brand watch, each open crisis) a mention's text belongs to, by keyword.

A keyword or phrase matches as whole words, ignoring case and width (`ＡＣＭＥ` is `acme`), so
`acme` does not match `acmeville`; a keyword in a script written without spaces (Chinese,
Japanese, Thai) matches anywhere in the text. `#tag` and `@handle` keywords work as typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

KEYWORD_MAX = 100
KEYWORDS_MAX = 20
_NO_SPACES = re.compile(
    r"[\u0e00-\u0eff\u1000-\u109f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)


def normal(text: str) -> str:
    """Text as keywords are compared: NFKC, case-folded, white space folded."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def parse(text: str | None) -> tuple[str, ...]:
    """Keywords typed one per line or separated by commas, each kept as typed (trimmed), no
    duplicates; too long ones are cut."""
    parts = re.split(r"[,\n;]", text or "")
    seen: dict[str, str] = {}
    for part in parts:
        keyword = " ".join(part.split())[:KEYWORD_MAX]
        if keyword and normal(keyword) not in seen:
            seen[normal(keyword)] = keyword
    return tuple(seen.values())


def _pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    alternatives = []
    for keyword in sorted({normal(k) for k in keywords if normal(k)}, key=len, reverse=True):
        escaped = re.escape(keyword).replace(r"\ ", r"\s+")
        alternatives.append(escaped if _NO_SPACES.search(keyword) else rf"(?<!\w){escaped}(?!\w)")
    return re.compile("|".join(alternatives)) if alternatives else None


class Matcher:
    """Matches texts against the keywords of several scopes at once (compiled once)."""

    def __init__(self, keywords: Mapping[int, tuple[str, ...]]) -> None:
        compiled = ((scope, _pattern(words)) for scope, words in keywords.items())
        self._patterns = [(scope, pattern) for scope, pattern in compiled if pattern is not None]

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def scopes(self, text: str) -> set[int]:
        """The scopes whose keywords occur in `text`."""
        folded = normal(text)
        return {scope for scope, pattern in self._patterns if pattern.search(folded)}
