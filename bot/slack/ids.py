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

    def id(self, discriminator: object = "") -> str:
        return f"{self.value}{SEPARATOR}{discriminator}" if discriminator != "" else self.value

    @classmethod
    def parse(cls, action_id: str) -> Action:
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


@dataclass(frozen=True)
class StepRef:
    """What a checklist button (or the not-applicable modal) refers to."""

    crisis: int
    step: int


@dataclass(frozen=True)
class CrisisRef:
    crisis: int


@dataclass(frozen=True)
class TemplateRef:
    """A template shown for a crisis; `channel`/`ts` locate the message showing it, if any."""

    crisis: int
    kind: str
    language: str
    channel: str = ""
    ts: str = ""


@dataclass(frozen=True)
class DraftRef:
    draft: int


@dataclass(frozen=True)
class CloseRef:
    """The crisis a close modal is for; `forced` when steps are still open."""

    crisis: int
    forced: bool = False


@dataclass(frozen=True)
class FollowUpRef:
    followup: int


@dataclass(frozen=True)
class OpenContext:
    """Where `/crisis open` was run, so the bot can answer the opener there."""

    origin_channel: str | None = None
    response_url: str | None = None
    title: str = ""


# What each button (its value) and each modal (its private_metadata) refers to, so a request's
# subject is parsed in one place (handlers.plumbing.Subject) and never re-parsed by a listener.
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
}
CALLBACK_REFS: dict[Callback, type] = {
    Callback.OPEN_CRISIS: OpenContext,
    Callback.SKIP_STEP: StepRef,
    Callback.DRAFT_REPLY: TemplateRef,
    Callback.REPLY_DETAILS: TemplateRef,
    Callback.REQUEST_CHANGES: DraftRef,
    Callback.CLOSE_CRISIS: CloseRef,
    Callback.POST_UPDATE: CrisisRef,
}


def dump(value: Any) -> str:
    """Compact JSON for a button value (≤2,000 chars) or private_metadata (≤3,000)."""
    return json.dumps(asdict(value), separators=(",", ":"), ensure_ascii=False)


def load(cls: type, raw: str | None) -> Any:
    """Parse what `dump` wrote; unknown or missing keys are a ValueError, never a crash later."""
    try:
        data = json.loads(raw or "{}")
        return cls(**data)
    except (TypeError, ValueError) as error:
        raise ValueError(f"unreadable {cls.__name__}: {raw!r}") from error
