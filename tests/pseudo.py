"""A pseudo-locale built from the code's own strings: every letter accented and each text 40 %
longer, placeholders and markup kept. Rendered in it, any English word left in the bot's output
escaped the catalogs, and any layout that breaks when a translation is long breaks here first."""

from __future__ import annotations

import io
import re

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations

from bot.words import i18n
from bot.words.catalogs import source_messages

TAG = "eo"  # a language Babel knows that the bot has no catalog for: only the tests speak it
_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "åƀçđéƒĝĥîĵķłɱñöþǫŕšţûṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶŁṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
# What must come through untouched: placeholders, mrkdwn entities and links, emoji codes.
_KEEP = re.compile(r"\{[^{}]*\}|<[^<>]*>|&[a-z]+;|:[a-z0-9_+-]+:")
_PAD = "ĺőŕéḿ ïƥšüḿ đőĺőŕ šïţ åḿéţ "


def pseudo(text: str) -> str:
    """`text` accented and 40 % longer (marks such as `*` and `` ` `` stay where they are)."""
    parts, last = [], 0
    for match in _KEEP.finditer(text):
        parts.append(text[last : match.start()].translate(_ACCENTED))
        parts.append(match.group())
        last = match.end()
    parts.append(text[last:].translate(_ACCENTED))
    accented = "".join(parts)
    extra = max(1, round(len(text) * 0.4))
    padding = (_PAD * (extra // len(_PAD) + 1))[:extra].strip()
    if "\n" in accented or not padding:
        return accented + (" " + padding if padding else "")
    return f"{accented} {padding}"


def install() -> str:
    """Make the pseudo-locale readable by the bot (in this process) and return its tag."""
    catalog = Catalog(locale="en")
    for (context, msgid), forms in source_messages().items():
        if context == "command":  # command words stay English: they must still be typed
            catalog.add(msgid, msgid, context=context)
        elif len(forms) > 1:
            catalog.add(forms, tuple(pseudo(form) for form in forms), context=context)
        else:
            catalog.add(msgid, pseudo(msgid), context=context)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    i18n.add_catalog(TAG, Translations(compiled, domain=i18n.DOMAIN))
    return TAG
