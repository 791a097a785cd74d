"""The names of posts that must go out exactly once: every outbox key is made here. Keys of
posts a change calls for are enqueued with it (bot.publish.posts builds them from the stored
state); nudges and digests are claimed by key when they fall due."""

from __future__ import annotations

from datetime import date

STEP_NOTE = "note"  # note:<event id>: the one-line record of a step change, in the checklist's thread
SETTLED = "settled"  # settled:<event id>: "all four steps are settled", in the war room
SUMMARY = "summary"  # summary:<closure id>: the closing summary, in the war room
MANAGEMENT = "closure"  # closure:<closure id>: the short closure note, in the management channel
FOLLOWUP = "followup"  # followup:<follow-up id>: the DM to a follow-up's owner
HANDOVER = "handover"  # handover:<event id>: who owns the crisis now, in the war room
HANDOVER_DM = "owner"  # owner:<event id>: the DM telling the new owner
REOPENED = "reopened"  # reopened:<event id>: why the crisis was reopened, in its war room once that is back
REOPENING = "reopening"  # reopening:<event id>: the short reopening note, in the management channel
CONTINUED = "continued"  # continued:<event id>: the story so far, in a new war room continuing an archived one
TICK_OFFER = "approved"  # approved:<draft id>: "mark the step done?" once a reply is approved
UPDATE_CARD = "card"  # card:<card id>: a channel's "latest update" card, edited in place by later updates
UPDATE_POST = "update"  # update:<update post id>: an update in its card's thread, or in a follower's DM
UPDATE_REMINDER = "due"  # due:<update id>: the owner's DM shortly before the promised update is due
UPDATE_LATE = "late"  # late:<update id>: the war room's mention of the owner once it is overdue
UNREACHABLE = "unreachable"  # unreachable:<card id>: the owner told, once, that a channel cannot be reached
SPIKE = "spike"  # spike:<spike id>: the brand watch's spike alert, in the listening channel


def key(kind: str, ref: int) -> str:
    return f"{kind}:{ref}"


def parse(text: str) -> tuple[str, int] | None:
    kind, _, ref = text.partition(":")
    return (kind, int(ref)) if ref.isdigit() else None


DIGEST_PREFIX = "digest:"  # digest:<yyyy-mm-dd>: the daily digest, in the management channel


def digest(day: date) -> str:
    return f"{DIGEST_PREFIX}{day.isoformat()}"


def digest_chart(day: date) -> str:
    """The day's chart in the thread of that day's digest (its key sorts apart from digests')."""
    return f"chart:{day.isoformat()}"


def ack_nudge(crisis_id: int) -> str:
    """The one reminder that step 1 is overdue."""
    return f"nudge:{crisis_id}:ack"


def stall_nudge(crisis_id: int, quiet_since: int) -> str:
    """One reminder per quiet spell: a new change starts a new spell, with a new key."""
    return f"nudge:{crisis_id}:stall:{quiet_since}"


def feed_broken(feed_id: int, failing_since: int) -> str:
    """One notice per failing spell of a feed: once it works again, a new failure is news."""
    return f"feed:{feed_id}:broken:{failing_since}"


def calm(crisis_id: int, last_hot_hour: int) -> str:
    """One calm-down notice per calm spell: a new rise and fall is a new spell, with a new key."""
    return f"calm:{crisis_id}:{last_hot_hour}"


def setup(crisis_id: int, task: str) -> str:
    """The message a war-room set-up task posts (header, checklist, owner's DM, past lessons),
    looked for by this key when an earlier try may have posted it."""
    return f"setup:{crisis_id}:{task}"
