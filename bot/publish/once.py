"""Posting a scheduled message exactly once, whatever happens to the processes posting it.

A post is claimed in the shared database before it is sent and marked sent after. Two running
copies of the bot cannot both claim it. If a process dies between posting and marking, its
claim goes stale; the next claimant then looks for the post in the channel's history (every
such post carries its key in Slack's message metadata) before posting, so a crash after
posting never posts twice and a crash before posting never loses the message.
"""

from __future__ import annotations

import logging

from bot import clock
from bot.services import Services
from bot.slack.blockkit import Message
from bot.slack.gateway import SlackError
from storage.outbox import Claim

log = logging.getLogger(__name__)

METADATA_TYPE = "crisis_bot_post"
STALE_AFTER_SECONDS = 300  # far longer than a post takes, even with rate-limit retries


def post_once(
    services: Services,
    key: str,
    channel: str,
    message: Message,
    *,
    thread_ts: str | None = None,
    broadcast: bool = False,
) -> str | None:
    """Post `message` to `channel` (in the thread of `thread_ts`, also shown in the channel with
    `broadcast`) unless the post for `key` exists or is being made. Returns the new message's ts
    when this call posted it."""
    claimed = services.outbox.claim(key, channel, now=clock.now(), stale_after=STALE_AFTER_SECONDS)
    if claimed.claim in (Claim.BUSY, Claim.DONE):
        return None
    if claimed.claim is Claim.STALE:
        try:
            ts = services.slack.find_posted(
                channel, METADATA_TYPE, key, since=(claimed.previous_claim_at or 0) - 5, thread_ts=thread_ts
            )
        except SlackError as error:
            services.outbox.release(key)
            log.warning("could not check whether %s was posted: %s", key, error)
            return None
        if ts is not None:
            services.outbox.sent(key, ts=ts, now=clock.now())
            return None
    try:
        ts = services.slack.post(
            channel,
            message,
            thread_ts=thread_ts,
            broadcast=broadcast,
            metadata={"event_type": METADATA_TYPE, "event_payload": {"key": key}},
        )
    except SlackError as error:
        if error.transient:
            services.outbox.release(key)  # try again on the next tick
        else:
            services.outbox.failed(key, error=error.code, now=clock.now())
        log.warning("could not post %s to %s: %s", key, channel, error)
        return None
    services.outbox.sent(key, ts=ts, now=clock.now())
    return ts
