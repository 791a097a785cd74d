"""Every catalog has every string of the code, translated, with the source's placeholders and
no markup of its own; command aliases are unambiguous."""

from __future__ import annotations

import pytest

from bot.words import commands, i18n, locales
from bot.words.catalogs import Problem, problems, source_messages
from tests import pseudo

TAGS = [language.tag for language in locales.LANGUAGES]


@pytest.mark.parametrize("tag", TAGS)
def test_the_catalog_has_every_message_translated(tag):
    found = problems([tag])
    assert found == [], "\n".join(str(p) for p in found[:40])


def test_the_check_finds_what_a_catalog_gets_wrong(tmp_path, monkeypatch):
    """The check itself can fail: a missing, fuzzy, empty or altered entry is each reported."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from bot.words import catalogs

    source = source_messages()
    singles = [msgid for (context, msgid), forms in source.items() if context is None and len(forms) == 1]
    with_placeholder = next(m for m in singles[4:] if "{" in m)
    catalog = Catalog(locale="nl")
    catalog.add(singles[0], "", flags=())  # empty
    catalog.add(singles[1], "Vertaald", flags=("fuzzy",))  # fuzzy
    catalog.add(with_placeholder, "Zonder plaatshouder")  # placeholders differ
    catalog.add(singles[2], "<!channel> kijk *hier*")  # markup and a broadcast of its own
    folder = tmp_path / "nl" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as f:
        write_po(f, catalog)
    monkeypatch.setattr(catalogs, "ROOT", i18n.LOCALES_DIR.parent)  # the code is read where it is
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)  # the catalogs from here
    why = {p.msgid: p.why for p in catalogs.problems(["nl"])}
    assert why[singles[0]] == "empty"
    assert why[singles[1]] == "fuzzy"
    assert why[with_placeholder].startswith("placeholders")
    assert why[singles[2]] in ("markup the source does not have", "a broadcast the source does not have")
    assert why[singles[3]] == "missing"
    assert isinstance(catalogs.problems(["xx"])[0], Problem)


def test_no_alias_means_two_commands():
    meaning: dict[str, str] = {}
    for tag in TAGS:
        for typed, word in commands.aliases_in(tag).items():
            assert typed not in commands.WORDS, f"{tag}: alias {typed!r} is another command's English word"
            assert meaning.setdefault(typed, word) == word, f"{typed!r} means {meaning[typed]} and {word}"
            assert commands.command_word(typed.upper()) == word


def test_the_pseudo_locale_covers_every_message():
    tag = pseudo.install()
    with i18n.speaking(tag):
        for (context, msgid), forms in source_messages().items():
            if context is None and len(forms) == 1:
                assert i18n._(msgid) != msgid or not any(c.isalpha() for c in msgid)
