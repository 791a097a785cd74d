"""What a stored change shows in Slack, and the one way it gets there.

A flow stores a change and, in the same transaction, enqueues the posts the change calls for
(`for_step_change`, `for_closure`, … give storage that list; every key is made in `keys`).
Right after, it calls `deliver` for each; whatever a crash leaves pending, the scheduler's
`sweep_posts` delivers the same way, and `post_once` makes sure Slack sees each post once.
War-room messages that show state (the header, the checklist) are never patched: `renders`
draws them again from the stored state, and `sweep_renders` catches any left stale. A
stakeholder update's cards are edited the same way (`updates`, swept by `sweep_updates`).

    flow → storage (change + outbox rows, one transaction) → publish.deliver → posts (build
    the message from the stored state) → once (claim, post with the key in metadata, mark sent)
"""

from bot.publish.once import STALE_AFTER_SECONDS, post_once
from bot.publish.posts import (
    Enqueued,
    answer,
    deliver,
    deliver_reporting,
    for_approval,
    for_closure,
    for_handover,
    for_move,
    for_reopen,
    for_step_change,
    share_file,
    show,
)
from bot.publish.posts import sweep as sweep_posts
from bot.publish.renders import checklist_key, header_key, refresh_checklist, refresh_header, sweep_volume
from bot.publish.renders import sweep as sweep_renders
from bot.publish.updates import for_update, settle_card, unreachable
from bot.publish.updates import sweep as sweep_updates
from bot.slack.gateway import METADATA_TYPE

__all__ = [
    "Enqueued",
    "METADATA_TYPE",
    "STALE_AFTER_SECONDS",
    "answer",
    "checklist_key",
    "deliver",
    "deliver_reporting",
    "for_approval",
    "for_closure",
    "for_handover",
    "for_move",
    "for_reopen",
    "for_step_change",
    "for_update",
    "header_key",
    "post_once",
    "refresh_checklist",
    "refresh_header",
    "settle_card",
    "share_file",
    "show",
    "sweep_posts",
    "sweep_renders",
    "sweep_updates",
    "sweep_volume",
    "unreachable",
]
