"""Customer-facing reply templates: one Jinja file per language and kind, filled from the crisis.

Layout: `templates/<language>/<kind>.txt.j2`, e.g. `templates/nl/apology.txt.j2`. An
organisation's own TEMPLATES_DIR, with the same layout, is consulted first. Templates are
rendered in a sandboxed environment with StrictUndefined: a misspelt variable is an error,
and everything people typed reaches a template only as a variable's value, never as source.

Every template sees exactly these variables (strings empty when unknown, never None):
    brand, customer, what_happened, resolution, changes, facts_link, contact, signer,
    category, platform
the flags taken_down (the post, or the intruder's posts, were taken down) and senior (the
signer is a senior person signing for the brand), and `short`, true when the reply must fit
one post on a platform with a length limit (X). Two filters let a template place typed text
whatever its shape: `sentence` makes a value a sentence of its own, `name` drops a leading @.

`python -m bot.templates check` (bot.templates.check) renders every template in every
language with many typed values and reports what is missing, undefined or mechanically wrong.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from bot.model import Category, Platform, Step
from bot.words import locales
from bot.words.i18n import N_, _

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

BUILT_IN = Path(__file__).resolve().parents[2] / "templates"  # the repository's templates/ folder
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
        """What the team calls this kind of reply, in the reader's language (on pickers and drafts)."""
        return _(_KIND_LABELS[self])

    @property
    def step(self) -> Step | None:
        """The checklist step this kind of reply completes (a holding statement completes none)."""
        return _KIND_STEPS.get(self)

    @classmethod
    def for_step(cls, step: Step) -> Kind:
        return next(kind for kind, s in _KIND_STEPS.items() if s is step)


# The kinds of reply as the team sees them (options of a select: at most 75 characters); the
# templates themselves are the customer's words, not the catalogs'.
_KIND_LABELS = {
    # Translators: a kind of reply to a customer, shown on a picker; at most 75 characters
    Kind.ACKNOWLEDGEMENT: N_("Acknowledgement (step 1)"),
    # Translators: a kind of reply to a customer, shown on a picker; at most 75 characters
    Kind.APOLOGY: N_("Apology (step 2)"),
    # Translators: a kind of reply to a customer, shown on a picker; at most 75 characters
    Kind.RESOLUTION: N_("Resolution (step 3)"),
    # Translators: a kind of reply to a customer (move the conversation to a private channel), shown on a
    # picker; at most 75 characters
    Kind.OFFLINE: N_("Take it offline (step 4)"),
    # Translators: a kind of reply to a customer (a first public statement while facts are gathered), shown
    # on a picker; at most 75 characters
    Kind.HOLDING: N_("Holding statement"),
}
_KIND_STEPS = {
    Kind.ACKNOWLEDGEMENT: Step.ACKNOWLEDGE,
    Kind.APOLOGY: Step.APOLOGISE,
    Kind.RESOLUTION: Step.RESOLVE,
    Kind.OFFLINE: Step.OFFLINE,
}


@dataclass(frozen=True)
class Details:
    """The values a template is filled with. Empty strings where nothing is known: a template
    leaves out the sentence a missing value would carry, it never invents one."""

    brand: str = ""
    customer: str = ""
    what_happened: str = ""  # what the crisis is about, as typed: a noun phrase or a clause
    resolution: str = ""  # what we did or do for the customer, one or two sentences
    changes: str = ""  # what we changed so it does not happen again
    facts_link: str = ""  # a URL: our statement, report or FAQ with the facts
    contact: str = ""
    signer: str = ""
    category: str = Category.GENERAL_NEGATIVITY.value
    platform: str = ""
    taken_down: bool = False  # the team says the post (or the intruder's posts) came down
    senior: bool = False  # the signer is a senior person answering for a grave mistake


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

    @functools.cached_property
    def env(self) -> SandboxedEnvironment:
        """Jinja's sandbox, built on the first render. Jinja is imported then, not at start-up:
        it is about 1.8 MiB in every bot process (the gunicorn master and each worker), and a
        worker that never drafts a reply never needs it. The first draft in a process waits for
        the import (about 30 ms)."""
        from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
        from jinja2.sandbox import SandboxedEnvironment

        env = SandboxedEnvironment(
            loader=ChoiceLoader([FileSystemLoader(str(folder)) for folder in self.folders]),
            undefined=StrictUndefined,
            autoescape=False,  # plain text; Slack escaping happens where it is shown
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,  # read once per process: no stat of every file on every render
        )
        env.filters.update(sentence=sentence, name=name)
        return env

    def languages(self) -> set[str]:
        """Languages with at least one template, as their folders are named."""
        return {p.name for folder in self.folders if folder.is_dir() for p in folder.iterdir() if p.is_dir()}

    def language_for(self, *requested: str | None, default: str = locales.LAST_RESORT) -> str:
        """The language to write in: the first requested one we have, through the fallback chain."""
        return locales.resolve(*requested, available=self.languages(), default=default)

    def render(self, kind: Kind, language: str, details: Details) -> Rendered:
        """Fill one template. Raises TemplateMissing, or jinja2's errors for a broken template."""
        limit = SHORT_LIMITS.get(details.platform)
        env = self.env  # imports jinja2 the first time
        from jinja2 import TemplateNotFound

        try:
            template = env.get_template(f"{language}/{kind.value}{SUFFIX}")
        except TemplateNotFound as error:
            raise TemplateMissing(f"no {kind.value} template in {language}") from error
        text = template.render(**_values(details), short=limit is not None)
        return Rendered(kind, language, tidy(text), limit)


_FIELDS = tuple(f.name for f in fields(Details))


def _values(details: Details) -> dict[str, object]:
    """The template's variables (dataclasses.asdict, without its deep copy of plain strings)."""
    return {name: getattr(details, name) for name in _FIELDS}


TERMINAL = ".!?…。！？"


def sentence(value: str, end: str = ".", capital: bool = True) -> str:
    """A typed value as a sentence of its own: a capital first letter and a closing mark, so a
    template never has to guess its shape ("we've refunded it" → "We've refunded it.").
    Chinese templates pass `end="。"`; after a colon, `capital=False` keeps the letter typed."""
    value = value.strip()
    if not value:
        return value
    if capital and value[0].islower():
        value = value[0].upper() + value[1:]
    closed = value.rstrip("\"'”»)）") or value
    return value if closed[-1] in TERMINAL else value + end


def name(customer: str) -> str:
    """How people are greeted where they are tagged by name (Facebook, LinkedIn, reviews): a
    typed @handle without its @."""
    return customer.strip().removeprefix("@")


def tidy(text: str) -> str:
    """Normalise what a template produced: no trailing spaces, runs of spaces or blank lines."""
    lines = [re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
