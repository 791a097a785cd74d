"""`python -m bot.templates check`: every template, every language, rendered with values typed
the way response teams type them, and the mechanical faults a native reader would catch.

Each language folder has a `check.toml` with values in every shape a person types (a noun
phrase that starts with a preposition, one with an article, a bare noun, a clause; a
resolution with and without a capital or a full stop) and the words that mark a fault in
that language: prepositions and particles that must never stand right before a typed value
(they double when the value starts with one: "about about", "有关关于", "на тему «…»"),
promises of time, claims that a post came down or that something changed, and phrases that
announce facts. A template passes when no rendering shows any of them where no value put it.

`python -m bot.templates review --lang nl cases.json` renders the cases a reviewer typed,
every kind for each, so a native reader sees the replies as a team would produce them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from functools import cache, lru_cache
from pathlib import Path

from jinja2 import TemplateError

from bot.model import Category, Platform
from bot.templates import BUILT_IN, SUFFIX, Details, Kind, Rendered, TemplateMissing, Templates
from bot.words import locales

MAX_LENGTH = 2900  # what a Slack section shows, with room for the frame around it
SIGN_OFF_MAX = 100  # a sign-off paragraph longer than this has swallowed the message
SCRIPTS = {"ru": "CYRILLIC", "zh-Hans": "CJK"}  # every other language is written in Latin script
PLATFORMS = ("", Platform.X.value, Platform.FACEBOOK.value, Platform.INSTAGRAM.value, Platform.REVIEWS.value,
             Platform.LINKEDIN.value, Platform.NEWS.value)  # fmt: skip
TYPED = ("what_happened", "resolution", "changes")  # values placed inside the template's sentences
TEXTS = tuple(f.name for f in fields(Details) if f.type == "str" and f.name not in ("category", "platform"))
QUOTES = '«"„“‹「『'
URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Rules:
    """One language's typed values and fault markers, from its check.toml."""

    values: dict[str, list]
    prepositions: tuple[str, ...]
    time_promises: tuple[str, ...]
    removal_claims: tuple[str, ...]
    change_claims: tuple[str, ...]
    announcements: tuple[str, ...]


@cache
def rules(language: str, folder: Path = BUILT_IN) -> Rules:
    path = folder / language / "check.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    faults = data.get("faults", {})
    return Rules(
        values=data.get("values", {}),
        **{name: tuple(faults.get(name, ())) for name in
           ("prepositions", "time_promises", "removal_claims", "change_claims", "announcements")},
    )  # fmt: skip


@dataclass(frozen=True)
class Problem:
    language: str
    kind: str
    case: str
    text: str

    def __str__(self) -> str:
        return f"{self.language}/{self.kind}{SUFFIX} [{self.case}]: {self.text}"


def _cycle(values: dict[str, list], key: str, default: list) -> Iterator:
    return itertools.cycle(values.get(key) or default)


def sample_cases(language: str) -> Iterable[tuple[str, Details]]:
    """Every category on every kind of platform, with each typed shape of the language's values
    in turn, plus an empty case. Every one must fit X: the values are what a team types into a
    post, and a template that cannot hold them must leave a sentence out instead."""
    values = rules(language).values
    shapes = values.get("what_happened") or [""]
    cycles = {key: _cycle(values, key, [""]) for key in ("resolution", "changes", "facts_link", "contact")}
    people = _cycle(values, "customer", ["@jane_doe", "Jane", ""])
    signers = _cycle(values, "signer", ["Sam", ""])
    brands = _cycle(values, "brand", ["Acme"])
    flags = itertools.cycle(itertools.product((True, False), repeat=2))
    for category in Category:
        for platform in PLATFORMS:
            yield (
                f"{category.value}, {platform or 'no platform'}, empty",
                Details(category=category.value, platform=platform),
            )
            for index, what_happened in enumerate(shapes):
                taken_down, senior = next(flags)
                details = Details(
                    brand=next(brands),
                    customer=next(people),
                    what_happened=what_happened,
                    signer=next(signers),
                    category=category.value,
                    platform=platform,
                    taken_down=taken_down,
                    senior=senior,
                    **{key: next(cycle) for key, cycle in cycles.items()},
                )
                yield f"{category.value}, {platform or 'no platform'}, typed #{index + 1}", details


def check(
    templates: Templates,
    languages: Iterable[str] | None = None,
    *,
    cases: Callable[[str], Iterable[tuple[str, Details]]] = sample_cases,
) -> list[Problem]:
    """Everything wrong with the templates, rendered every way they can be (every one of a
    language's `cases`: all of them unless a caller that needs fewer says so)."""
    wanted = sorted(languages or templates.languages() | {lang.tag for lang in locales.LANGUAGES})
    problems: list[Problem] = []
    for language in wanted:
        language_rules = rules(language)
        for kind in Kind:
            by_case: dict[tuple[str, str], dict[str, str]] = {}
            for case, details in cases(language):
                try:
                    rendered = templates.render(kind, language, details)
                except TemplateMissing:
                    problems.append(Problem(language, kind, "file", "missing"))
                    break
                except TemplateError as error:
                    problems.append(Problem(language, kind, case, f"{type(error).__name__}: {error}"))
                    continue
                found = text_problems(rendered, details, language_rules)
                problems.extend(Problem(language, kind, case, p) for p in found)
                by_case.setdefault((details.platform, case.rsplit(", ", 1)[1]), {})[details.category] = rendered.text
            problems.extend(Problem(language, kind, f"{p or 'no platform'}, {c}", text)
                            for (p, c), texts in by_case.items() for text in _alike(texts))  # fmt: skip
    return problems


def _alike(texts: dict[str, str]) -> list[str]:
    """Categories the playbook answers differently must not get the same reply."""
    seen: dict[str, str] = {}
    found = []
    for category, text in texts.items():
        if text in seen:
            found.append(f"the same text for {seen[text]} and {category}, which are answered differently")
        else:
            seen[text] = category
    return found


def text_problems(rendered: Rendered, details: Details, language: Rules) -> list[str]:
    """What is wrong with one rendered text."""
    text = rendered.text
    found = []
    if not text:
        return ["renders nothing"]
    if "{{" in text or "{%" in text or "}}" in text or "%}" in text:
        found.append("a leftover {{ or {% in the text")
    if re.search(r"\bNone\b|\bundefined\b|\bTrue\b|\bFalse\b", text):
        found.append("'None', 'True' or 'undefined' in the text")
    # A space before , or . (never right, in any of our languages), doubled commas or empty
    # brackets and quotes: the marks of a value that was empty. (A space before ! ? : ; is
    # correct French, so those are not checked.)
    if re.search(r" [,.](?!\.)|,,|\(\s*\)|«\s*»|“\s*”|„\s*“|\"\s*\"", text):
        found.append(f"an empty value left a gap: {text!r}")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if rendered.limit is not None and "\n" in text:
        found.append("a short post must be one line")
    if rendered.limit is None and details.brand and (len(paragraphs) < 2 or len(paragraphs[-1]) > SIGN_OFF_MAX):
        found.append(f"the sign-off must be its own short paragraph, after a blank line: {text!r}")
    if rendered.limit is None and details.signer in text and details.signer and details.signer not in paragraphs[-1]:
        found.append(f"the signer appears outside the sign-off: {text!r}")
    if rendered.too_long:
        found.append(f"{rendered.length} weighted characters; a post on {details.platform} allows {rendered.limit}")
    if len(text) > MAX_LENGTH:
        found.append(f"{len(text)} characters; keep replies under {MAX_LENGTH}")
    found.extend(filter(None, [wrong_script(rendered.language, text, details)]))
    found.extend(grammar_problems(text, details, language))
    return found


def _words(text: str, phrases: tuple[str, ...]) -> list[str]:
    """The phrases that occur in text as whole words (anywhere, for scripts without spaces)."""
    spaced, unspaced = _matcher(phrases)
    lowered = text.lower()
    found = [p for p in unspaced if p in lowered]
    if spaced is not None:
        found += spaced.findall(lowered)
    return found


@cache
def _matcher(phrases: tuple[str, ...]) -> tuple[re.Pattern[str] | None, tuple[str, ...]]:
    """One pattern for a list's phrases written with spaces, longest first; the rest as they are."""
    unspaced = tuple(p.lower() for p in phrases if _unspaced(p))
    spaced = sorted((p.lower() for p in phrases if not _unspaced(p)), key=len, reverse=True)
    pattern = re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, spaced))})(?!\w)") if spaced else None
    return pattern, unspaced


def _occurrences(value: str, text: str) -> Iterator[int]:
    """Where `value` starts in `text`, left to right, not overlapping (as re.finditer finds it)."""
    start = text.find(value)
    while start != -1:
        yield start
        start = text.find(value, start + max(len(value), 1))


@cache
def _unspaced(phrase: str) -> bool:
    return any(unicodedata.name(c, "").startswith("CJK") for c in phrase)


def shapes(value: str) -> set[str]:
    """A typed value as a template may show it: as typed, or with its first letter raised (a
    sentence of its own) or lowered (after a colon)."""
    return {value, value[:1].upper() + value[1:], value[:1].lower() + value[1:]}


def without_values(text: str, details: Details) -> str:
    """The template's own words: every typed value and URL cut out."""
    text = URL.sub(" ¶ ", text)  # links first: a brand's name inside one is part of the link
    for variant in _typed_shapes(details):
        text = text.replace(variant, " ¶ ")
    return text


@lru_cache(maxsize=8192)  # each case's values are cut out of all six kinds and their paragraphs
def _typed_shapes(details: Details) -> tuple[str, ...]:
    """Every shape of every typed value, a value's longest first (a brand inside a contact goes with it)."""
    typed = [getattr(details, key) for key in TEXTS]
    typed.append(details.customer.removeprefix("@"))  # greeted by name where people are tagged so
    return tuple(variant for value in sorted(filter(None, typed), key=len, reverse=True) for variant in shapes(value))


def grammar_problems(text: str, details: Details, language: Rules) -> list[str]:
    """Frames that glue typed text into fixed grammar, and promises nobody typed."""
    found = []
    for key in TYPED:
        value = getattr(details, key)
        if not value:
            continue
        for variant in shapes(value):
            for start in _occurrences(variant, text):
                before = text[:start].rstrip()
                if before and before[-1] in QUOTES:
                    found.append(f"{key} is put in quotes after fixed grammar: …{before[-25:]}{variant[:20]}…")
                hits = [p for p in language.prepositions
                        if before.lower().endswith(p.lower())
                        and (_unspaced(p) or not before[: len(before) - len(p)][-1:].isalpha())]  # fmt: skip
                if hits:
                    found.append(f"{key} follows '{hits[0]}', which doubles when the value starts with one: "
                                 f"…{before[-25:]} {variant[:25]}…")  # fmt: skip
    own = without_values(text, details)
    for phrase in _words(own, language.time_promises):
        found.append(f"promises a time ('{phrase}') that no typed value supplied")
    if not details.taken_down:
        for phrase in _words(own, language.removal_claims):
            found.append(f"says something was taken down ('{phrase}') though nobody said so")
    if not details.changes:
        for phrase in _words(own, language.change_claims):
            found.append(f"claims a change ('{phrase}') that nobody typed")
    for paragraph in text.split("\n\n"):
        if re.search(r"[:：]\s*$", paragraph.strip()):
            found.append(f"a sentence announces something with nothing after it: …{paragraph[-40:]!r}")
            continue
        own_paragraph = without_values(paragraph, details)
        for phrase in _words(own_paragraph, language.announcements):
            after = own_paragraph.lower().split(phrase.lower(), 1)[1]
            if "¶" not in after:
                found.append(f"'{phrase}' announces facts, but no link or typed fact follows")
    return found


def wrong_script(language: str, text: str, details: Details) -> str | None:
    """Whether the template's own words are in the language's script (typed values removed)."""
    letters = [c for c in without_values(text, details) if c.isalpha()]
    if not letters:
        return None
    expected = SCRIPTS.get(language, "LATIN")
    share = sum(1 for c in letters if unicodedata.name(c, "").startswith(expected)) / len(letters)
    if share < 0.9:
        return f"only {share:.0%} of its letters are {expected.title()}; is it written in {language}?"
    return None


def review(templates: Templates, language: str, cases: list[dict]) -> Iterator[str]:
    """Every kind of reply for each case a reviewer typed, numbered for their scores."""
    known = {f.name for f in fields(Details)}
    for number, case in enumerate(cases, 1):
        details = Details(**{key: value for key, value in case.items() if key in known})
        for kind in Kind:
            rendered = templates.render(kind, language, details)
            limit = f", {rendered.length}/{rendered.limit} as X counts" if rendered.limit else ""
            yield (f"=== {number}-{kind.value} · {details.category} · "
                   f"{details.platform or 'no platform'}{limit}\n{rendered.text}\n")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.templates", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check_parser = commands.add_parser("check", help="render every template with typed values and report faults")
    check_parser.add_argument("--lang", action="append", help="only this language (repeatable)")
    check_parser.add_argument(
        "--dir", type=Path, help="an organisation's TEMPLATES_DIR, checked over the built-in ones"
    )
    check_parser.add_argument("--show", metavar="KIND", help="also print every rendering of this kind")
    review_parser = commands.add_parser("review", help="render every kind for the cases in a JSON file")
    review_parser.add_argument("--lang", required=True)
    review_parser.add_argument("--dir", type=Path)
    review_parser.add_argument("cases", type=Path, help="a JSON list of objects with Details' fields")
    args = parser.parse_args(argv)
    templates = Templates(args.dir)
    if args.command == "review":
        for block in review(templates, args.lang, json.loads(args.cases.read_text(encoding="utf-8"))):
            print(block)
        return 0
    if args.show:
        for language in args.lang or sorted(templates.languages()):
            for case, details in sample_cases(language):
                rendered = templates.render(Kind(args.show), language, details)
                print(f"--- {language}/{args.show} [{case}] ({len(rendered.text)} chars)\n{rendered.text}\n")
    problems = check(templates, args.lang)
    for problem in problems:
        print(problem)
    languages = args.lang or sorted(templates.languages())
    print(f"{len(problems)} problem(s) in {len(languages)} language(s): {', '.join(languages)}")
    return 1 if problems else 0
