"""Keeping the catalogs in step with the code: extract, update, and the checks a catalog must pass.

`python -m bot.words.catalogs update` (what `make messages` runs) extracts every marked string
with Babel into `locales/messages.pot`, merges it into each language's catalog (new strings
arrive empty, changed ones fuzzy, for a translator to finish) and creates a catalog for a
language that has none. `python -m bot.words.catalogs check` lists what a catalog still lacks;
the test suite runs the same check, so a string added without its ten translations fails CI.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import CommandLineInterface, parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.words import locales
from bot.words.i18n import LOCALES_DIR, SOURCE, catalog_name, catalog_path

ROOT = LOCALES_DIR.parent
TEMPLATE = LOCALES_DIR / "messages.pot"
KEYWORDS = ("_", "ngettext:1,2", "N_", "pgettext:1c,2", "pgettext_marker:1c,2")

_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sd]")
_MARKUP = "<>*`~"
_BROADCAST = re.compile(r"@(channel|here|everyone)\b|<!", re.IGNORECASE)


def source_messages() -> dict[tuple[str | None, str], tuple[str, ...]]:
    """Every string the code marks, straight from the code (not from a .pot that may be stale):
    (context, msgid) → its forms (two for a plural)."""
    found: dict[tuple[str | None, str], tuple[str, ...]] = {}
    with (ROOT / "babel.cfg").open() as mapping:  # what `pybabel extract` reads, with the same keywords
        method_map, options_map = parse_mapping_cfg(mapping)
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map=method_map, options_map=options_map, keywords=parse_keywords(list(KEYWORDS))
    ):
        forms = message if isinstance(message, tuple) else (message,)
        found[(context, forms[0])] = tuple(forms)
    return found


@dataclass(frozen=True)
class Problem:
    language: str
    msgid: str
    why: str

    def __str__(self) -> str:
        return f"{self.language}: {self.why}: {self.msgid[:70]!r}"


def problems(tags: Iterable[str] | None = None) -> list[Problem]:
    """What each catalog lacks or gets wrong: a missing catalog or message, a fuzzy or empty
    translation, placeholders that differ from the source's, markup the source does not have
    (a translation must not add a mention, a broadcast or formatting the escaping would pass)."""
    wanted = list(tags or (language.tag for language in locales.LANGUAGES))
    source = source_messages()
    found: list[Problem] = []
    for tag in wanted:
        path = catalog_path(tag)
        if not path.is_file():
            found.append(Problem(tag, str(path), "no catalog"))
            continue
        with path.open("rb") as f:
            catalog = read_po(f, locale=catalog_name(tag))
        for (context, msgid), forms in source.items():
            message = catalog.get(msgid, context=context)
            if message is None:
                found.append(Problem(tag, msgid, "missing"))
                continue
            found.extend(Problem(tag, msgid, why) for why in _faults(message, forms, catalog))
    return found


def _faults(message: Message, forms: tuple[str, ...], catalog: Catalog) -> list[str]:
    if message.fuzzy:
        return ["fuzzy"]
    translations = message.string if isinstance(message.string, tuple) else (message.string,)
    if len(forms) > 1 and len(translations) != catalog.num_plurals:
        return [f"{len(translations)} plural forms instead of {catalog.num_plurals}"]
    if not all(translations):
        return ["empty"]
    faults = []
    wanted = set(_PLACEHOLDER.findall(forms[-1])) | set(_PLACEHOLDER.findall(forms[0]))
    for index, text in enumerate(translations):
        got = set(_PLACEHOLDER.findall(text))
        # a plural's other forms may leave a placeholder out ("one post" for {n} == 1); its last,
        # general form, like any other translation, has exactly the source's placeholders
        exact = len(forms) == 1 or index == len(translations) - 1
        if (got != wanted) if exact else not got <= wanted:
            faults.append(f"placeholders {sorted(got)} instead of {sorted(wanted)}")
        if any(text.count(mark) > max(form.count(mark) for form in forms) for mark in _MARKUP):
            faults.append("markup the source does not have")
        if _BROADCAST.search(text) and not any(_BROADCAST.search(form) for form in forms):
            faults.append("a broadcast the source does not have")
    return faults


def update() -> None:
    """Extract the template and merge it into every catalog, creating missing ones."""
    LOCALES_DIR.mkdir(exist_ok=True)
    cli = CommandLineInterface()
    keywords = [arg for k in KEYWORDS for arg in ("-k", k)]
    cli.run(
        ["pybabel", "extract", "-F", str(ROOT / "babel.cfg"), "--no-default-keywords", *keywords, "--no-wrap",
         "--sort-by-file", "--project", "crisis-room", "-c", "Translators:", "-o", str(TEMPLATE), str(ROOT)]
    )  # fmt: skip
    for language in locales.LANGUAGES:
        name = catalog_name(language.tag)
        command = "update" if catalog_path(language.tag).is_file() else "init"
        cli.run(["pybabel", command, "--no-wrap", "-i", str(TEMPLATE), "-d", str(LOCALES_DIR), "-l", name])
    _fill_source()


def _fill_source() -> None:
    """English is the language of the code: its catalog repeats each string, so that wording can
    be changed in the catalog like any other language's."""
    from babel.messages.pofile import write_po

    path = catalog_path(SOURCE)
    with path.open("rb") as f:
        catalog = read_po(f, locale=SOURCE)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            strings = message.string if isinstance(message.string, tuple | list) else ()
            if not all(strings):
                message.string = tuple(message.id)
        elif not message.string or message.fuzzy:
            message.string = message.id
        message.flags.discard("fuzzy")
    with path.open("wb") as f:
        write_po(f, catalog, width=0, sort_by_file=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        return 0
    if argv[:1] == ["check"]:
        found = problems(argv[1:] or None)
        for problem in found:
            print(problem)
        print(f"{len(found)} problems")
        return 1 if found else 0
    print("usage: python -m bot.words.catalogs update | check [LANGUAGE …]")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
