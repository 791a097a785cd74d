"""The words people type after `/crisis`: the English ones always work, and each language's
catalog may add the word a native speaker would type (`/crisis sluiten`, `/crisis 状态`).

The alias of a command is its translation in the catalog under the context "command"; an
alias that is the same as the English word (or left untranslated) adds nothing. Every language's
aliases are understood whoever types them, since a Dutch colleague may work in an English war
room; the catalog test fails if one alias would mean two commands.
"""

from __future__ import annotations

import functools

from bot.words import i18n, locales

CONTEXT = "command"

# Every command word, marked for the catalogs (pgettext is how a translator gives its alias).
WORDS: tuple[str, ...] = (
    i18n.pgettext_marker("command", "open"),
    i18n.pgettext_marker("command", "status"),
    i18n.pgettext_marker("command", "list"),
    i18n.pgettext_marker("command", "owner"),
    i18n.pgettext_marker("command", "template"),
    i18n.pgettext_marker("command", "close"),
    i18n.pgettext_marker("command", "reopen"),
    i18n.pgettext_marker("command", "lessons"),
    i18n.pgettext_marker("command", "export"),
    i18n.pgettext_marker("command", "digest"),
    i18n.pgettext_marker("command", "update"),
    i18n.pgettext_marker("command", "follow"),
    i18n.pgettext_marker("command", "unfollow"),
    i18n.pgettext_marker("command", "volume"),
    i18n.pgettext_marker("command", "keywords"),
    i18n.pgettext_marker("command", "language"),
    i18n.pgettext_marker("command", "help"),
)


def alias(word: str) -> str:
    """The word the reader would type for a command: their language's alias, else English."""
    typed = i18n.pgettext(CONTEXT, word).strip().lower()
    return typed if typed and " " not in typed else word


def aliases_in(tag: str) -> dict[str, str]:
    """A language's aliases: typed word → English command word (only those that differ)."""
    with i18n.speaking(tag):
        return {alias(word): word for word in WORDS if alias(word) != word}


@functools.cache
def _all_aliases() -> dict[str, str]:
    known: dict[str, str] = {}
    for language in locales.LANGUAGES:
        for typed, word in aliases_in(language.tag).items():
            known.setdefault(typed, word)
    return known


def command_word(typed: str) -> str:
    """The English command word for what someone typed after `/crisis` (lowercased), or the
    word itself when it is neither a command nor an alias (help answers it)."""
    typed = typed.lower()
    return typed if typed in WORDS else _all_aliases().get(typed, typed)
