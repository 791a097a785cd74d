"""The languages the bot writes to customers in, and how a requested language falls back.

A request such as `fy-NL`, `pt-PT` or `zh-CN` is parsed by Babel (which adds the likely script,
so `zh-CN` is `zh-Hans-CN`) and then walks one chain, stated once here:

    the tag itself → language-script → language-region → language
    → ALIASES (a bare language to the variant we write: pt → pt-BR, zh → zh-Hans)
    → FALLBACKS (a related language readers understand: fy → nl)
    → the configured default → en
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale, UnknownLocaleError


@dataclass(frozen=True)
class Language:
    tag: str  # BCP-47, as the templates/ folder is named
    native: str
    english: str

    @property
    def label(self) -> str:
        """The language as the reader knows it: its own name, and what the reader calls it
        ("Русский (Russian)" for an English reader, "Русский (russe)" for a French one)."""
        from bot.words import i18n  # i18n reads LANGUAGES: imported when a label is shown

        reader = i18n.babel_locale()
        called = self.english if reader.language == "en" else reader.languages.get(self.tag.split("-")[0], self.english)
        return self.native if called.lower() in self.native.lower() else f"{self.native} ({called})"

    @property
    def value(self) -> str:
        return self.tag


LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", "English"),
    Language("nl", "Nederlands", "Dutch"),
    Language("fy", "Frysk", "West Frisian"),
    Language("ru", "Русский", "Russian"),
    Language("zh-Hans", "简体中文", "Simplified Chinese"),
    Language("id", "Bahasa Indonesia", "Indonesian"),
    Language("es", "Español", "Spanish"),
    Language("pt-BR", "Português do Brasil", "Brazilian Portuguese"),
    Language("de", "Deutsch", "German"),
    Language("fr", "Français", "French"),
)
BY_TAG = {language.tag.lower(): language for language in LANGUAGES}

ALIASES = {"pt": "pt-BR", "zh": "zh-Hans"}
FALLBACKS = {"fy": "nl"}
LAST_RESORT = "en"


def candidates(tag: str | None) -> list[str]:
    """The tags to try for a requested language, most specific first (not yet filtered)."""
    if not tag:
        return []
    try:
        locale = Locale.parse(tag.replace("_", "-"), sep="-")
    except (ValueError, UnknownLocaleError):
        return []
    language, script, region = locale.language, locale.script, locale.territory
    tags = [
        "-".join(p for p in (language, script, region) if p),
        "-".join(p for p in (language, script) if p),
        "-".join(p for p in (language, region) if p),
        language,
    ]
    if language in ALIASES:
        tags.append(ALIASES[language])
    if language in FALLBACKS:
        tags.extend(candidates(FALLBACKS[language]))
    return list(dict.fromkeys(tags))


def resolve(*requested: str | None, available: set[str] | None = None, default: str = LAST_RESORT) -> str:
    """The first language we can write in, trying each requested tag's chain in turn, then the
    default, then English. `available` limits the choice (e.g. to the template folders found)."""
    have = {t.lower(): t for t in (available if available is not None else (known.tag for known in LANGUAGES))}
    for tag in (*requested, default, LAST_RESORT):
        for candidate in candidates(tag):
            if candidate.lower() in have:
                return have[candidate.lower()]
    raise LookupError(f"none of {requested!r}, {default!r} or {LAST_RESORT!r} is available")


def language(tag: str | None) -> Language | None:
    """The supported language with exactly this tag (case-insensitive), if any."""
    return BY_TAG.get((tag or "").lower())
