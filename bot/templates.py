"""Customer-facing reply templates: one Jinja file per language and kind, filled from the crisis.

Layout: `templates/<language>/<kind>.txt.j2`, e.g. `templates/nl/apology.txt.j2`. An
organisation's own TEMPLATES_DIR, with the same layout, is consulted first. Templates are
rendered in a sandboxed environment with StrictUndefined: a misspelt variable is an error,
and everything people typed reaches a template only as a variable's value, never as source.

Every template sees exactly these variables (strings, empty when unknown, never None):
    brand, customer, what_happened, resolution, contact, signer, category, platform
and `short`, true when the reply must fit one post on a platform with a length limit (X).

`python -m bot.templates check` renders every template in every language with sample data and
reports what is missing, undefined, left unrendered, in the wrong script or too long.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

from bot import locales
from bot.model import Category, Platform, Step

BUILT_IN = Path(__file__).resolve().parent.parent / "templates"
SUFFIX = ".txt.j2"
SHORT_LIMITS = {Platform.X.value: 280}  # one public post, as the platform counts it
# X counts most of Latin, Greek, Cyrillic and general punctuation as 1 and everything else
# (CJK, emoji, …) as 2 (twitter-text's "weighted length", configuration v3).
_X_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))


def post_length(text: str) -> int:
    """How long a post is as X counts it."""
    return sum(1 if any(low <= ord(c) <= high for low, high in _X_LIGHT) else 2 for c in text)


MAX_LENGTH = 2900  # what a Slack section shows, with room for the frame around it
SIGN_OFF_MAX = 100  # a sign-off paragraph longer than this has swallowed the message


class Kind(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    APOLOGY = "apology"
    RESOLUTION = "resolution"
    OFFLINE = "offline"
    HOLDING = "holding"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def step(self) -> Step | None:
        """The checklist step this kind of reply completes (a holding statement completes none)."""
        return _KIND_STEPS.get(self)

    @classmethod
    def for_step(cls, step: Step) -> Kind:
        return next(kind for kind, s in _KIND_STEPS.items() if s is step)


_KIND_LABELS = {
    Kind.ACKNOWLEDGEMENT: "Acknowledgement (step 1)",
    Kind.APOLOGY: "Apology (step 2)",
    Kind.RESOLUTION: "Resolution (step 3)",
    Kind.OFFLINE: "Take it offline (step 4)",
    Kind.HOLDING: "Holding statement",
}
_KIND_STEPS = {
    Kind.ACKNOWLEDGEMENT: Step.ACKNOWLEDGE,
    Kind.APOLOGY: Step.APOLOGISE,
    Kind.RESOLUTION: Step.RESOLVE,
    Kind.OFFLINE: Step.OFFLINE,
}


@dataclass(frozen=True)
class Details:
    """The values a template is filled with. Empty strings where nothing is known."""

    brand: str = ""
    customer: str = ""
    what_happened: str = ""
    resolution: str = ""
    contact: str = ""
    signer: str = ""
    category: str = Category.GENERAL_NEGATIVITY.value
    platform: str = ""


@dataclass(frozen=True)
class Rendered:
    kind: Kind
    language: str
    text: str
    limit: int | None  # characters allowed on the crisis's platform, if it has a limit

    @property
    def length(self) -> int:
        """The text's length as its platform counts it (characters where there is no limit)."""
        return post_length(self.text) if self.limit is not None else len(self.text)

    @property
    def too_long(self) -> bool:
        return self.limit is not None and self.length > self.limit


class TemplateMissing(LookupError):
    """No template of this kind exists in this language (nor in any fallback)."""


class Templates:
    """The built-in templates, overridden per file by an organisation's own folder."""

    def __init__(self, override: Path | None = None, built_in: Path = BUILT_IN) -> None:
        self.folders = [p for p in (override, built_in) if p is not None]
        self.env = SandboxedEnvironment(
            loader=ChoiceLoader([FileSystemLoader(str(folder)) for folder in self.folders]),
            undefined=StrictUndefined,
            autoescape=False,  # plain text; Slack escaping happens where it is shown
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )

    def languages(self) -> set[str]:
        """Languages with at least one template, as their folders are named."""
        return {p.name for folder in self.folders if folder.is_dir() for p in folder.iterdir() if p.is_dir()}

    def language_for(self, *requested: str | None, default: str = locales.LAST_RESORT) -> str:
        """The language to write in: the first requested one we have, through the fallback chain."""
        return locales.resolve(*requested, available=self.languages(), default=default)

    def render(self, kind: Kind, language: str, details: Details) -> Rendered:
        """Fill one template. Raises TemplateMissing, or jinja2's errors for a broken template."""
        limit = SHORT_LIMITS.get(details.platform)
        try:
            template = self.env.get_template(f"{language}/{kind.value}{SUFFIX}")
        except TemplateNotFound as error:
            raise TemplateMissing(f"no {kind.value} template in {language}") from error
        text = template.render(**asdict(details), short=limit is not None)
        return Rendered(kind, language, tidy(text), limit)


def tidy(text: str) -> str:
    """Normalise what a template produced: no trailing spaces, runs of spaces or blank lines."""
    lines = [re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- The check: every template, every language, with sample data --------------------------

SAMPLE = Details(
    brand="Acme",
    customer="@jane_doe",
    what_happened="the delayed delivery of order 12345",
    resolution="a replacement ships today by express",
    contact="support@acme.example",
    signer="Sam",
)
EMPTY = Details(category=Category.GENERAL_NEGATIVITY.value)
# Values as each language's team would type them (from the examples of the writers of each
# language), so renderings are read and checked with real grammar around the values too.
NATIVE_SAMPLES = {
    "nl": ("de vertraagde levering van uw bestelling", "er gaat vandaag per express een vervangend pakket naar u toe"),
    "fy": ("de fertrage levering fan jo bestelling", "wy stjoere jo hjoed in nij pakket"),
    "ru": ("задержка доставки заказа 12345", "сегодня мы отправим Вам замену экспресс-доставкой"),
    "zh-Hans": ("订单12345延迟发货", "今天已通过加急为您补发新品，明天即可送达"),
    "id": ("keterlambatan pengiriman pesanan 12345", "pesanan pengganti kami kirim hari ini dengan layanan ekspres"),
    "es": (
        "el retraso en la entrega del pedido 12345",
        "hoy mismo le enviamos un pedido de reemplazo por envío urgente",
    ),
    "pt-BR": ("o atraso na entrega do pedido 12345", "um novo pedido será enviado hoje por entrega expressa"),
    "de": ("die Gerüchte über unsere Filiale in Köln", "wir schicken Ihnen heute per Express einen Ersatz"),
    "fr": ("le retard de livraison de la commande 12345", "un colis de remplacement part aujourd’hui en express"),
}
SCRIPTS = {"ru": "CYRILLIC", "zh-Hans": "CJK"}  # every other language is written in Latin script


@dataclass(frozen=True)
class Problem:
    language: str
    kind: str
    case: str
    text: str

    def __str__(self) -> str:
        return f"{self.language}/{self.kind}{SUFFIX} [{self.case}]: {self.text}"


def sample_cases(language: str = "en") -> Iterable[tuple[str, Details]]:
    """Every category with full, native and empty details, on a platform with and without a limit."""
    bases = [("full", SAMPLE), ("empty", EMPTY)]
    if language in NATIVE_SAMPLES:
        what_happened, resolution = NATIVE_SAMPLES[language]
        bases.insert(1, ("native", replace(SAMPLE, what_happened=what_happened, resolution=resolution)))
    for category in Category:
        for platform in ("", Platform.X.value):
            for name, base in bases:
                yield (
                    f"{category.value}, {platform or 'no platform'}, {name}",
                    replace(base, category=category.value, platform=platform),
                )


def check(templates: Templates, languages: Iterable[str] | None = None) -> list[Problem]:
    """Everything wrong with the templates, rendered every way they can be."""
    wanted = sorted(languages or templates.languages() | {lang.tag for lang in locales.LANGUAGES})
    problems: list[Problem] = []
    for language in wanted:
        for kind in Kind:
            for case, details in sample_cases(language):
                try:
                    rendered = templates.render(kind, language, details)
                except TemplateMissing:
                    problems.append(Problem(language, kind, "file", "missing"))
                    break
                except TemplateError as error:
                    problems.append(Problem(language, kind, case, f"{type(error).__name__}: {error}"))
                    continue
                problems.extend(Problem(language, kind, case, p) for p in text_problems(rendered, details))
    return problems


def text_problems(rendered: Rendered, details: Details) -> list[str]:
    """What is wrong with one rendered text."""
    text = rendered.text
    found = []
    if not text:
        found.append("renders nothing")
    if "{{" in text or "{%" in text or "}}" in text or "%}" in text:
        found.append("a leftover {{ or {% in the text")
    if re.search(r"\bNone\b|\bundefined\b", text):
        found.append("'None' or 'undefined' in the text")
    # A space before , or . (never right, in any of our languages), doubled commas or empty
    # brackets and quotes: the marks of a value that was empty. (A space before ! ? : ; is
    # correct French, so those are not checked.)
    if re.search(r" [,.](?!\.)|,,|\(\s*\)|«\s*»|“\s*”|„\s*“|\"\s*\"", text):
        found.append(f"an empty value left a gap: {text!r}")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if rendered.limit is not None and "\n" in text:
        found.append("a short post must be one line")
    if (
        rendered.limit is None
        and details.signer
        and (details.signer not in paragraphs[-1] or len(paragraphs[-1]) > SIGN_OFF_MAX)
    ):
        found.append(f"the sign-off must be its own paragraph, after a blank line: {text!r}")
    if rendered.too_long:
        found.append(f"{rendered.length} weighted characters; a post on {details.platform} allows {rendered.limit}")
    if len(text) > MAX_LENGTH:
        found.append(f"{len(text)} characters; keep replies under {MAX_LENGTH}")
    script = wrong_script(rendered.language, text, details)
    if script:
        found.append(script)
    return found


def wrong_script(language: str, text: str, details: Details) -> str | None:
    """Whether the template's own words are in the language's script (sample values removed)."""
    for value in asdict(details).values():
        if value:
            text = text.replace(value, " ")
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    expected = SCRIPTS.get(language, "LATIN")
    share = sum(1 for c in letters if unicodedata.name(c, "").startswith(expected)) / len(letters)
    if share < 0.9:
        return f"only {share:.0%} of its letters are {expected.title()}; is it written in {language}?"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.templates", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check_parser = commands.add_parser("check", help="render every template with sample data and report problems")
    check_parser.add_argument("--lang", action="append", help="only this language (repeatable)")
    check_parser.add_argument(
        "--dir", type=Path, help="an organisation's TEMPLATES_DIR to check on top of the built-in ones"
    )
    check_parser.add_argument("--show", metavar="KIND", help="also print every rendering of this kind")
    args = parser.parse_args(argv)
    templates = Templates(args.dir)
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


if __name__ == "__main__":
    sys.exit(main())
