"""Every Slack action_id, block_id and callback_id the bot uses, and the small typed JSON it
carries in button values and private_metadata.

One enum means one pattern-matched listener per kind instead of many near-copies, and context
travels with the interaction instead of being parsed back out of channel names or topics.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from bot.model import Platform, Step
from bot.templates import Kind
from bot.words.links import normalise_link

SEPARATOR = "#"
USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")  # Slack user ids; anything else is not a person


class Action(StrEnum):
    """action_ids of buttons; rendered as `<action>#<discriminator>` so each is unique per message."""

    STEP_DONE = "crisis.step.done"
    STEP_UNDO = "crisis.step.undo"
    STEP_SKIP = "crisis.step.skip"
    STEP_TEMPLATE = "crisis.step.template"
    RESUME_SETUP = "crisis.setup.resume"
    OPEN_ANYWAY = "crisis.open.anyway"
    TEMPLATE_LANGUAGE = "crisis.template.language"
    TEMPLATE_KIND = "crisis.template.kind"
    TEMPLATE_EDIT = "crisis.template.edit"
    TEMPLATE_DETAILS = "crisis.template.details"
    TEMPLATE_PREVIEW = "crisis.template.preview"
    DRAFT_APPROVE = "crisis.draft.approve"
    DRAFT_CHANGES = "crisis.draft.changes"
    DRAFT_REVISE = "crisis.draft.revise"
    CLOSE = "crisis.close"
    FORCE_CLOSE = "crisis.close.force"
    FOLLOWUP_DONE = "crisis.followup.done"
    POST_UPDATE = "crisis.update"
    FOLLOW = "crisis.follow"
    FOLLOW_PICK = "crisis.follow.pick"  # the digest's "Follow a crisis…" menu
    UNFOLLOW = "crisis.unfollow"
    VOLUME_CHART = "crisis.volume.chart"
    TRACKING = "crisis.volume.tracking"
    OPEN_FROM_SPIKE = "crisis.open.spike"

    def id(self, discriminator: object = "") -> str:
        return f"{self.value}{SEPARATOR}{discriminator}" if discriminator != "" else self.value

    @classmethod
    def parse(cls, action_id: str) -> Action:
        """The action of an action_id; ValueError for one the bot does not (or no longer) use."""
        return cls(action_id.split(SEPARATOR, 1)[0])

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        """Matches every action_id above (and only those)."""
        names = "|".join(re.escape(a.value) for a in cls)
        return re.compile(rf"^({names})({re.escape(SEPARATOR)}.*)?$")


class Callback(StrEnum):
    """callback_ids of modals."""

    OPEN_CRISIS = "crisis.open"
    SKIP_STEP = "crisis.step.skip"
    DRAFT_REPLY = "crisis.draft.reply"
    REPLY_DETAILS = "crisis.reply.details"
    REQUEST_CHANGES = "crisis.draft.changes"
    CLOSE_CRISIS = "crisis.close"
    POST_UPDATE = "crisis.update"
    TRACKING = "crisis.volume.tracking"


class Field(StrEnum):
    """block_ids of modal inputs; each input block holds one element whose action_id is the same."""

    TITLE = "title"
    DESCRIPTION = "description"
    LINK = "link"
    CUSTOMER = "customer_handle"
    PLATFORM = "platform"
    CATEGORY = "category"
    SEVERITY = "severity"
    LANGUAGE = "language"
    OWNER = "owner"
    RESPONDERS = "responders"
    PRIVATE = "private"
    KEYWORDS = "keywords"
    FEEDS = "feeds"
    REASON = "reason"
    DRAFT_TEXT = "draft_text"
    WHAT_HAPPENED = "what_happened"
    RESOLUTION = "resolution"
    CONTACT = "contact"
    SIGNER = "signer"
    CHANGES = "changes"
    FACTS_LINK = "facts_link"
    TAKEN_DOWN = "taken_down"
    NOTE = "note"
    LESSONS = "lessons"
    ROOT_CAUSE = "root_cause"
    GOODWILL = "goodwill"
    ARCHIVE = "archive"
    FORCE_REASON = "force_reason"
    FOLLOWUP = "followup"  # followup_1 … followup_3, with followup_owner_1 …
    UPDATE_STATUS = "update_status"
    KNOWN = "known"
    DOING = "doing"
    NEED = "need"
    NEXT_UPDATE = "next_update"
    EVERYONE = "notify_everyone"


class Unreadable(ValueError):
    """A button value or private_metadata the bot cannot have written: not its JSON, a key it
    does not use, a value of the wrong type or outside what it ever puts there. The bot wrote
    each of them, but a payload can carry anything, so nothing in one is trusted unchecked."""


_ID_MAX = 2**63 - 1  # SQLite's integers
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,4}")  # the shape of a language tag (a folder name)
_TS = re.compile(r"\d{1,12}\.\d{1,9}")  # a Slack message ts
_PLATFORMS = {"", *(p.value for p in Platform)}  # '' for none


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise Unreadable(what)


def _is_int(value: object) -> bool:
    """An integer as JSON has it: never a bool, a float such as 2.0, or a string."""
    return isinstance(value, int) and not isinstance(value, bool)


def _row_id(value: object, what: str) -> None:
    """A database id: a positive integer SQLite can hold."""
    _check(_is_int(value) and 0 < value <= _ID_MAX, f"{what} is not an id: {value!r}")  # type: ignore[operator]


@dataclass(frozen=True)
class StepRef:
    """What a checklist button (or the not-applicable modal) refers to."""

    crisis: int
    step: int

    def __post_init__(self) -> None:
        _row_id(self.crisis, "crisis")
        _check(_is_int(self.step) and self.step in {s.value for s in Step}, f"no step {self.step!r}")


@dataclass(frozen=True)
class CrisisRef:
    crisis: int

    def __post_init__(self) -> None:
        _row_id(self.crisis, "crisis")


@dataclass(frozen=True)
class TemplateRef:
    """A template shown for a crisis; `ts` is the message showing it in the war room, if any
    (never trusted on its own: the bot's record of what it showed says whether it is one)."""

    crisis: int
    kind: str
    language: str
    ts: str = ""

    def __post_init__(self) -> None:
        _row_id(self.crisis, "crisis")
        _check(isinstance(self.kind, str) and self.kind in {k.value for k in Kind}, f"no kind {self.kind!r}")
        _check(isinstance(self.language, str) and _TAG.fullmatch(self.language) is not None, "not a language tag")
        _check(isinstance(self.ts, str) and (self.ts == "" or _TS.fullmatch(self.ts) is not None), "not a ts")


@dataclass(frozen=True)
class DraftRef:
    draft: int

    def __post_init__(self) -> None:
        _row_id(self.draft, "draft")


@dataclass(frozen=True)
class CloseRef:
    """The crisis a close modal is for; `forced` when steps are still open."""

    crisis: int
    forced: bool = False

    def __post_init__(self) -> None:
        _row_id(self.crisis, "crisis")
        _check(isinstance(self.forced, bool), f"forced is not true or false: {self.forced!r}")


@dataclass(frozen=True)
class FollowUpRef:
    followup: int

    def __post_init__(self) -> None:
        _row_id(self.followup, "follow-up")


@dataclass(frozen=True)
class OpenContext:
    """What the open form starts with: a title typed after `/crisis open` (carried in the "Open
    a new crisis" button), or a spike's evidence (built by the bot from the spike it stored).
    Where to answer the opener is never carried along: the bot records it when the form opens
    (storage.shown)."""

    title: str = ""
    link: str = ""
    platform: str = ""
    keywords: str = ""

    def __post_init__(self) -> None:
        _check(isinstance(self.title, str), "the title is not text")
        _check(isinstance(self.link, str) and normalise_link(self.link) == self.link, "not a link")
        _check(isinstance(self.platform, str) and self.platform in _PLATFORMS, f"no platform {self.platform!r}")
        _check(isinstance(self.keywords, str), "the keywords are not text")


@dataclass(frozen=True)
class SpikeRef:
    """A spike alert of the brand watch (its "Open a crisis" button)."""

    spike: int

    def __post_init__(self) -> None:
        _row_id(self.spike, "spike")


# What each button (its value) and each modal (its private_metadata) refers to, so a request's
# subject is parsed in one place (handlers.plumbing.Subject) and never re-parsed by a listener.
# The open form carries nothing (None): the bot's record of the form says what it is for.
ACTION_REFS: dict[Action, type] = {
    Action.STEP_DONE: StepRef,
    Action.STEP_UNDO: StepRef,
    Action.STEP_SKIP: StepRef,
    Action.STEP_TEMPLATE: StepRef,
    Action.RESUME_SETUP: CrisisRef,
    Action.OPEN_ANYWAY: OpenContext,
    Action.TEMPLATE_LANGUAGE: TemplateRef,
    Action.TEMPLATE_KIND: TemplateRef,
    Action.TEMPLATE_EDIT: TemplateRef,
    Action.TEMPLATE_DETAILS: TemplateRef,
    Action.TEMPLATE_PREVIEW: TemplateRef,
    Action.DRAFT_APPROVE: DraftRef,
    Action.DRAFT_CHANGES: DraftRef,
    Action.DRAFT_REVISE: DraftRef,
    Action.CLOSE: CloseRef,
    Action.FORCE_CLOSE: CloseRef,
    Action.FOLLOWUP_DONE: FollowUpRef,
    Action.POST_UPDATE: CrisisRef,
    Action.FOLLOW: CrisisRef,
    Action.FOLLOW_PICK: CrisisRef,
    Action.UNFOLLOW: CrisisRef,
    Action.VOLUME_CHART: CrisisRef,
    Action.TRACKING: CrisisRef,
    Action.OPEN_FROM_SPIKE: SpikeRef,
}
CALLBACK_REFS: dict[Callback, type | None] = {
    Callback.OPEN_CRISIS: None,
    Callback.SKIP_STEP: StepRef,
    Callback.DRAFT_REPLY: TemplateRef,
    Callback.REPLY_DETAILS: TemplateRef,
    Callback.REQUEST_CHANGES: DraftRef,
    Callback.CLOSE_CRISIS: CloseRef,
    Callback.POST_UPDATE: CrisisRef,
    Callback.TRACKING: CrisisRef,
}


def dump(value: Any) -> str:
    """Compact JSON for a button value (≤2,000 chars) or private_metadata (≤3,000)."""
    return json.dumps(asdict(value), separators=(",", ":"), ensure_ascii=False)


def load(cls: type, raw: str | None) -> Any:
    """Parse what `dump` wrote. Anything else (unknown or missing keys, wrong types, values the
    bot never writes) is Unreadable, here, never a crash later."""
    try:
        data = json.loads(raw or "{}")
        if not isinstance(data, dict):
            raise Unreadable(f"not an object: {raw!r}")
        return cls(**data)
    except Unreadable:
        raise
    except (TypeError, ValueError) as error:
        raise Unreadable(f"unreadable {cls.__name__}: {raw!r}") from error
