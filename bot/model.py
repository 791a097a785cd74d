"""The crisis domain's vocabulary, distilled from the playbook (shared/PLAYBOOK.md).

Everything Slack shows as a choice (categories, severities, platforms, steps) is defined here
once: the value is what the database stores, the English label is marked for the catalogs and
`label` gives it in the reader's language when it is shown. Customer-facing wording lives in
templates/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from bot.words.i18n import N_, _


class Category(StrEnum):
    """The kinds of negativity; each calls for different wording in replies."""

    BUSINESS_ERROR = "business_error"
    MISCOMMUNICATION = "miscommunication"
    GENERAL_NEGATIVITY = "general_negativity"
    EMPLOYEE = "employee"
    VENTING = "venting"
    TROLLING = "trolling"
    TARGETED_ATTACK = "targeted_attack"
    INAPPROPRIATE_POST = "inappropriate_post"
    HACKED_ACCOUNT = "hacked_account"

    @property
    def label(self) -> str:
        return _(_CATEGORY_LABELS[self])

    @property
    def our_fault(self) -> bool:
        """Whether step 2 (own it and apologise) is expected rather than usually not applicable."""
        return self in (Category.BUSINESS_ERROR, Category.INAPPROPRIATE_POST, Category.HACKED_ACCOUNT)


# The kinds of negativity: options of the crisis form, also shown in the header and the digest.
_CATEGORY_LABELS = {
    # Translators: a kind of crisis (an option; at most 75 characters)
    Category.BUSINESS_ERROR: N_("Our mistake (business error)"),
    # Translators: a kind of crisis (an option; at most 75 characters)
    Category.MISCOMMUNICATION: N_("Miscommunication or misunderstanding"),
    # Translators: a kind of crisis (an option; at most 75 characters)
    Category.GENERAL_NEGATIVITY: N_("General negativity about the brand"),
    # Translators: a kind of crisis (an option; at most 75 characters)
    Category.EMPLOYEE: N_("Unhappy (former) employee"),
    # Translators: a kind of crisis (an option; at most 75 characters)
    Category.VENTING: N_("Impulsive venting"),
    # Translators: a kind of crisis (an option; at most 75 characters)
    Category.TROLLING: N_("Trolling"),
    # Translators: a kind of crisis (an option; at most 75 characters)
    Category.TARGETED_ATTACK: N_("Targeted attack or competitor campaign"),
    # Translators: a kind of crisis (an option; at most 75 characters)
    Category.INAPPROPRIATE_POST: N_("Inappropriate post from our own account"),
    # Translators: a kind of crisis (an option; at most 75 characters)
    Category.HACKED_ACCOUNT: N_("Hacked account"),
}


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def label(self) -> str:
        return _(_SEVERITY_LABELS[self])

    @property
    def rank(self) -> int:
        """0 is most severe; digests and lists sort by it."""
        return list(Severity).index(self)


# The digest shows the circle alone (the label's first word), so a translation keeps it first.
_SEVERITY_LABELS = {
    # Translators: a crisis's severity (an option; at most 75 characters); keep the circle first
    Severity.CRITICAL: N_("🔴 Critical"),
    # Translators: a crisis's severity (an option; at most 75 characters); keep the circle first
    Severity.HIGH: N_("🟠 High"),
    # Translators: a crisis's severity (an option; at most 75 characters); keep the circle first
    Severity.MEDIUM: N_("🟡 Medium"),
    # Translators: a crisis's severity (an option; at most 75 characters); keep the circle first
    Severity.LOW: N_("🟢 Low"),
}


class Platform(StrEnum):
    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    TIKTOK = "tiktok"
    LINKEDIN = "linkedin"
    YOUTUBE = "youtube"
    REDDIT = "reddit"
    REVIEWS = "reviews"
    NEWS = "news"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _(_PLATFORM_LABELS[self])


# Brand names stay as they are everywhere; only the generic kinds of place are translated.
_PLATFORM_LABELS = {
    Platform.X: N_("X (Twitter)"),
    Platform.FACEBOOK: "Facebook",
    Platform.INSTAGRAM: "Instagram",
    Platform.TIKTOK: "TikTok",
    Platform.LINKEDIN: "LinkedIn",
    Platform.YOUTUBE: "YouTube",
    Platform.REDDIT: "Reddit",
    # Translators: where a post is: a site of customer reviews (an option, at most 75 characters)
    Platform.REVIEWS: N_("Review site"),
    # Translators: where a post is: a news site or a blog (an option, at most 75 characters)
    Platform.NEWS: N_("News / blog"),
    # Translators: where a post is: any other platform (an option, at most 75 characters)
    Platform.OTHER: N_("Other"),
}


class Step(IntEnum):
    """The four steps, in the order the playbook gives them."""

    ACKNOWLEDGE = 1
    APOLOGISE = 2
    RESOLVE = 3
    OFFLINE = 4

    @property
    def label(self) -> str:
        return _(_STEP_TEXT[self][0])

    @property
    def done_means(self) -> str:
        return _(_STEP_TEXT[self][1])

    @property
    def skippable(self) -> bool:
        """Steps 2 and 4 may be marked not applicable, with a reason; 1 and 3 never."""
        return self in (Step.APOLOGISE, Step.OFFLINE)


# Each step's name and what "done" means for it. The names are short: they are shown in
# "Step 2 (Own it and apologise)" and on the checklist.
_STEP_TEXT = {
    Step.ACKNOWLEDGE: (
        # Translators: the name of the checklist's step 1 (keep it short)
        N_("Acknowledge"),
        N_("A public reply acknowledged the problem; nobody was ignored."),
    ),
    Step.APOLOGISE: (
        # Translators: the name of the checklist's step 2 (keep it short)
        N_("Own it and apologise"),
        N_("If it is our fault, we owned the mistake and apologised."),
    ),
    Step.RESOLVE: (
        # Translators: the name of the checklist's step 3 (keep it short)
        N_("Resolve quickly"),
        N_("A concrete resolution was found and communicated."),
    ),
    Step.OFFLINE: (
        # Translators: the name of the checklist's step 4 (keep it short)
        N_("Take it offline"),
        N_("The conversation moved to DM, e-mail or phone where needed."),
    ),
}


class StepState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    NOT_APPLICABLE = "na"


@dataclass(frozen=True)
class StepStatus:
    """One step of one crisis's checklist as stored: its state and who last changed it."""

    step: Step
    state: StepState
    version: int
    changed_by: str | None = None
    changed_at: int | None = None
    reason: str | None = None

    @property
    def settled(self) -> bool:
        """Done, or not applicable: nothing left to do for this step."""
        return self.state is not StepState.PENDING


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class SetupState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class NewCrisis:
    """A validated request to open a crisis, before anything exists in Slack."""

    title: str
    category: Category
    severity: Severity
    owner_id: str
    opener_id: str
    description: str = ""
    link: str = ""
    platform: Platform | None = None
    language: str | None = None
    customer_handle: str = ""
    responders: tuple[str, ...] = ()
    is_private: bool = False
    keywords: tuple[str, ...] = ()  # what to count in the listening channel, feeds and the webhook
    feeds: tuple[str, ...] = ()  # RSS/Atom addresses polled for this crisis


@dataclass(frozen=True)
class Crisis:
    """A stored crisis, as read back from the database."""

    id: int
    title: str
    category: Category
    severity: Severity
    owner_id: str
    opener_id: str
    status: Status
    opened_at: int
    description: str = ""
    link: str = ""
    platform: Platform | None = None
    language: str | None = None
    customer_handle: str = ""
    is_private: bool = False
    channel_id: str | None = None
    channel_name: str | None = None
    header_ts: str | None = None
    checklist_ts: str | None = None
    origin_channel_id: str | None = None
    response_url: str | None = None
    closed_at: int | None = None
    setup_state: SetupState = SetupState.PENDING
    setup_error: str | None = None
    keywords: tuple[str, ...] = ()
    setup_failures: int = 0  # passing Slack failures in a row, for the retry back-off
    reply: ReplyDetails = field(default_factory=lambda: ReplyDetails())
    archived_room: str | None = None  # its war room, while closing has it archived
    previous_channel_id: str | None = None  # the archived war room the current one continues
    previous_channel_name: str | None = None
    reopened_by: str | None = None
    team_locale: str | None = None  # the war room's language when the crisis sets its own (else TEAM_LOCALE)

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN


@dataclass(frozen=True)
class ReplyDetails:
    """What the team wants customer-facing replies to say, in the customer's language."""

    what_happened: str = ""  # customer-facing, any shape: "the double charge at checkout"
    resolution: str = ""  # what we do about it, as sentences: "We've refunded the second charge."
    contact: str = ""  # where to continue privately; empty means the configured default
    signer: str = ""  # who signs; empty means the person drafting (or SENIOR_SIGNER, see drafting)
    changes: str = ""  # what we changed so it does not happen again
    facts_link: str = ""  # a URL with the facts: our statement, report or FAQ
    taken_down: bool = False  # the post (ours, or the intruder's) was taken down


class DraftState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"


@dataclass(frozen=True)
class Draft:
    """A reply drafted from a template, waiting for (or given) approval to publish."""

    id: int
    crisis_id: int
    kind: str
    language: str
    text: str
    author_id: str
    state: DraftState
    created_at: int
    decided_by: str | None = None
    decided_at: int | None = None
    note: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None


class Role(StrEnum):
    OPENER = "opener"
    RESPONDER = "responder"
    OWNER = "owner"  # everyone who has owned it, so a former owner stays a participant
    # Joined the war room by themselves (recorded when first seen acting there, or found in it
    # when it was archived), or reopened the crisis.
    MEMBER = "member"


@dataclass(frozen=True)
class Closure:
    """One closing of a crisis: what was learnt, and how it was closed."""

    id: int
    crisis_id: int
    closed_by: str
    closed_at: int
    lessons: str
    root_cause: str = ""
    goodwill: str = ""
    force_reason: str = ""
    archive: bool = False
    archived_at: int | None = None


class FollowUpState(StrEnum):
    OPEN = "open"
    DONE = "done"


@dataclass(frozen=True)
class FollowUp:
    """A change to the plan or process decided at closure, with the one person who owns it."""

    id: int
    crisis_id: int
    closure_id: int
    text: str
    owner_id: str
    state: FollowUpState
    created_at: int
    done_by: str | None = None
    done_at: int | None = None


class NextUpdate(StrEnum):
    """When the owner promises the next stakeholder update: the rhythm the company can expect."""

    MINUTES_30 = "30m"
    HOUR_1 = "1h"
    HOURS_2 = "2h"
    HOURS_4 = "4h"
    TOMORROW = "morning"  # tomorrow at 09:00 in DIGEST_TZ, the company's clock
    NONE = "none"

    @property
    def label(self) -> str:
        return _(_NEXT_LABELS[self])

    @property
    def seconds(self) -> int | None:
        """How far ahead the promise is, for the choices that are a fixed span."""
        return {"30m": 1800, "1h": 3600, "2h": 7200, "4h": 14400}.get(self.value)


# Options of the update form; "09:00" is on the company's clock (DIGEST_TZ).
_NEXT_LABELS = {
    # Translators: when the next stakeholder update comes (an option; at most 75 characters)
    NextUpdate.MINUTES_30: N_("In 30 minutes"),
    # Translators: when the next stakeholder update comes (an option; at most 75 characters)
    NextUpdate.HOUR_1: N_("In 1 hour"),
    # Translators: when the next stakeholder update comes (an option; at most 75 characters)
    NextUpdate.HOURS_2: N_("In 2 hours"),
    # Translators: when the next stakeholder update comes (an option; at most 75 characters)
    NextUpdate.HOURS_4: N_("In 4 hours"),
    # Translators: when the next stakeholder update comes (an option; at most 75 characters)
    NextUpdate.TOMORROW: N_("Tomorrow morning (09:00)"),
    # Translators: when the next stakeholder update comes (an option; at most 75 characters)
    NextUpdate.NONE: N_("No further updates"),
}


@dataclass(frozen=True)
class NewUpdate:
    """A validated stakeholder update, before it is stored. The texts are what the owner typed."""

    status: str
    known: str
    doing: str
    need: str
    next: NextUpdate
    next_due: int | None
    notify_everyone: bool = False


@dataclass(frozen=True)
class Update:
    """A stored stakeholder update: the owner's report to the rest of the company. The final
    one is written by the bot when the crisis closes, from its closing summary."""

    id: int
    crisis_id: int
    number: int  # 1, 2, … within its crisis
    author_id: str
    at: int
    status: str
    known: str
    doing: str
    need: str
    next: NextUpdate
    next_due: int | None
    notify_everyone: bool = False
    closure_id: int | None = None  # set on the final update of a closing

    @property
    def final(self) -> bool:
        return self.closure_id is not None


@dataclass(frozen=True)
class UpdateCard:
    """The one message per crisis and channel that shows its latest update (edited in place),
    with the updates themselves in its thread. `room` is the war room's pinned card."""

    id: int
    crisis_id: int
    channel_id: str
    room: bool
    ts: str | None = None  # once posted
    shown_update: int | None = None  # the update the message was last rendered with
    pinned: bool = False
    error: str | None = None  # Slack's reason it could not be posted; the channel is not tried again
    reported: bool = False  # the owner was told about `error`


WATCH = 0  # the scope of the brand watch (WATCH_KEYWORDS, WATCH_FEEDS); any other scope is a crisis id


class Source(StrEnum):
    """Where a mention came from."""

    LISTENING = "listening"  # a message in LISTENING_CHANNEL (a listening tool's alert, a forwarded e-mail)
    FEED = "feed"  # an RSS or Atom feed entry
    WEBHOOK = "webhook"  # POST /hooks/mentions

    @property
    def label(self) -> str:
        return _(_SOURCE_LABELS[self])


# The legend of the volume chart.
_SOURCE_LABELS = {
    # Translators: where mentions were counted, in the volume chart's legend (keep it short)
    Source.LISTENING: N_("Listening channel"),
    # Translators: where mentions were counted, in the volume chart's legend (keep it short)
    Source.FEED: N_("Feeds"),
    # Translators: where mentions were counted, in the volume chart's legend (keep it short)
    Source.WEBHOOK: N_("Webhook"),
}


@dataclass(frozen=True)
class Mention:
    """One mention of the brand (or, with `weight` N, a count a tool reported for a window),
    counted for one scope. `key` identifies it at its source, so it is never counted twice."""

    scope: int
    key: str
    at: int
    source: Source
    platform: Platform
    author: str = ""
    text: str = ""
    link: str = ""
    weight: int = 1


@dataclass(frozen=True)
class Feed:
    """An RSS or Atom feed polled for a crisis (or, `crisis_id` None, for the brand watch)."""

    id: int
    crisis_id: int | None
    url: str
    etag: str | None = None
    last_modified: str | None = None
    next_poll_at: int = 0
    failures: int = 0
    failing_since: int | None = None
    last_error: str | None = None
    last_ok_at: int | None = None
