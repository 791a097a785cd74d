"""The bot's own words in the reader's language: gettext catalogs compiled by Babel, and the
locale of whoever is reading right now.

Catalogs live in `locales/<locale>/LC_MESSAGES/messages.po` (one per language of
bot.words.locales.LANGUAGES; `make messages` extracts and updates them with pybabel). They are
compiled in memory by Babel when first used, so a fresh clone needs no compile step and a
catalog edit shows on the next start.

Whose language a text is in is decided by the caller, once: a person's Slack locale for what
only they see, the crisis's team language for what a channel sees, DIGEST_LOCALE for management
(see `speaking`). The choice lives in a context variable, so it is per thread and per request:
handlers.language sets it first thing for every request, deferred work runs in a copy of
the context that asked for it (bot.services), and nothing set for one request is seen by another.

User text never goes through the catalogs: only literal strings of the source are looked up.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from bot.words import locales

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"
SOURCE = "en"  # the language the strings in the code are written in

_reading: ContextVar[str] = ContextVar("reading", default=SOURCE)
_extra: dict[str, NullTranslations] = {}  # catalogs added at run time (the tests' pseudo-locale)
_catalogs: dict[str, NullTranslations] = {}  # compiled, by tag: read without a lock once there
_compiling = threading.Lock()


def catalog_name(tag: str) -> str:
    """The folder a language's catalog is in: gettext's spelling of the tag (pt-BR → pt_BR)."""
    return tag.replace("-", "_")


def catalog_path(tag: str) -> Path:
    """Where a language's catalog is: locales/<locale>/LC_MESSAGES/messages.po."""
    return LOCALES_DIR / catalog_name(tag) / "LC_MESSAGES" / f"{DOMAIN}.po"


def _compiled(tag: str) -> NullTranslations:
    """A language's catalog, compiled by Babel in memory (fuzzy entries are left out, as
    `pybabel compile` leaves them out); a missing catalog gives the source text."""
    path = catalog_path(tag)
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=catalog_name(tag))
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def load(*tags: str) -> None:
    """Compile these languages' catalogs now, at start-up: the team's. Left to first use, the
    first war room after a start waited about 0.3 s for it. The other languages compile when
    someone first reads them (all ten, with their Babel locale data, held at start would cost
    each worker about 24 MiB)."""
    for tag in dict.fromkeys(ui_language(tag) for tag in tags):
        translations(tag)


def translations(tag: str) -> NullTranslations:
    found = _extra.get(tag) or _catalogs.get(tag)
    if found is None:
        with _compiling:  # a set-up's threads all ask at once: the catalog is compiled once
            found = _catalogs.get(tag) or _catalogs.setdefault(tag, _compiled(tag))
    return found


def add_catalog(tag: str, catalog: NullTranslations) -> None:
    """Make a catalog built at run time readable under `tag` (a pseudo-locale for layout tests)."""
    _extra[tag] = catalog
    ui_language.cache_clear()


@functools.lru_cache(maxsize=1024)  # asked on every request, with few distinct Slack locales
def ui_language(*requested: str | None, default: str = SOURCE) -> str:
    """The language to show the bot's own words in: the first requested tag (a Slack locale
    such as `nl-NL` or `zh-CN`, a crisis's team language) we have a catalog for, through the
    fallback chain of bot.words.locales, else `default`, else English."""
    for tag in (*requested, default):
        if tag and tag in _extra:
            return tag
        if tag and any(locales.language(candidate) for candidate in locales.candidates(tag)):
            return locales.resolve(tag)
    return locales.resolve(default)


def current() -> str:
    """The language of whoever is reading right now."""
    return _reading.get()


def use(tag: str) -> None:
    """Set the reader's language for the rest of this request (handlers.language calls it
    first thing for every request, so no value survives from one request to the next)."""
    _reading.set(tag)


@contextmanager
def speaking(tag: str) -> Iterator[None]:
    """Write in `tag` for the length of a block (a channel's post, a digest, one person's
    answer inside work for many), then go back to the language that was in use."""
    token = _reading.set(tag)
    try:
        yield
    finally:
        _reading.reset(token)


def _(message: str) -> str:
    """The reader's translation of a literal source string (never of user text)."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The reader's form for `n` (Russian has three, Chinese one), chosen by the catalog's rule."""
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A translation of a string that means something particular in `context` (a command word)."""
    return translations(current()).pgettext(context, message)


def N_(message: str) -> str:  # noqa: N802 (gettext's own name for the marker)
    """Mark a string for the catalogs where it is defined (an enum's label, a constant); it is
    translated with `_` where it is shown, in the reader's language at that moment."""
    return message


def pgettext_marker(context: str, message: str) -> str:
    """Mark a string with a context for the catalogs where it is defined; `pgettext` translates it."""
    return message


def babel_locale() -> Locale:
    """The reader's language as a Babel locale, for dates, durations and numbers: the language
    the words are really in, so a language whose catalog is missing stays English throughout."""
    tag = current()
    if tag in _extra or type(translations(tag)) is NullTranslations:
        tag = SOURCE
    return Locale.parse(catalog_name(tag))


def duration(seconds: float, *, threshold: float = 2, granularity: str = "second", add_direction: bool = False) -> str:
    """A length of time in the reader's words: "2 hours", "20 min", with `add_direction`
    "in 2 hours" / "2 hours ago" (a negative number is in the past). Counted in minutes, less
    than one is said so, not "0 minutes" (which some languages' rules would make singular)."""
    if granularity == "minute" and abs(seconds) < 60 and not add_direction:
        # Translators: a duration shorter than a minute (how long a crisis lasted, say)
        return _("less than a minute")
    return format_timedelta(
        timedelta(seconds=seconds),
        threshold=threshold,
        granularity=granularity,  # type: ignore[arg-type]
        add_direction=add_direction,
        locale=babel_locale(),
    )


def short_duration(seconds: float) -> str:
    """A compact length of time for tight places ("20 min", "3 h")."""
    return format_timedelta(
        timedelta(seconds=max(seconds, 0)), threshold=1.5, granularity="minute", format="short", locale=babel_locale()
    )


def day(value: date | datetime, pattern: str = "full") -> str:
    """A date in the reader's words ("Tuesday, 1 December 2026", "1 december 2026")."""
    return format_date(value, pattern, locale=babel_locale())


def number(value: float) -> str:
    """A number with the reader's grouping and decimal marks (1,234.5 / 1.234,5)."""
    return format_decimal(value, locale=babel_locale())
