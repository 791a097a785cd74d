"""Posting a scheduled message exactly once, whatever happens to the processes posting it.

A post is claimed in the shared database before it is sent and marked sent after. Two running
copies of the bot cannot both claim it. If a process dies between posting and marking, its
claim goes stale; if an attempt fails for now, it is put back. Either way the next claimant
has the gateway look for the post in the channel's history first (every post carries its key
in Slack's message metadata), so a crash or a lost answer after posting never posts twice and
a crash before posting never loses the message.
"""

from __future__ import annotations

import logging

from bot import clock
from bot.services import Services
from bot.slack.blockkit import Message
from bot.slack.gateway import SlackError
from storage.outbox import Claim

log = logging.getLogger(__name__)

STALE_AFTER_SECONDS = 300  # far longer than a post takes, even with rate-limit retries


def post_once(
    services: Services,
    key: str,
    channel: str,
    message: Message,
    *,
    thread_ts: str | None = None,
    broadcast: bool = False,
    keep_trying: bool = False,
) -> str | None:
    """Post `message` to `channel` (in the thread of `thread_ts`, also shown in the channel with
    `broadcast`) unless the post for `key` exists or is being made. Returns the message's ts
    when this call posted it, or found that an earlier attempt had. A post Slack refuses for
    good is given up on, unless `keep_trying` (the daily digest: the bot may yet be invited into
    its channel); only what Slack has is ever settled as sent."""
    claimed = services.outbox.claim(key, channel, now=clock.now(), stale_after=STALE_AFTER_SECONDS)
    if claimed.claim in (Claim.BUSY, Claim.DONE):
        return None
    earlier = claimed.previous_claim_at if claimed.claim is Claim.STALE else None
    try:
        ts = services.slack.post(
            channel, message, thread_ts=thread_ts, broadcast=broadcast, key=key, posted_since=earlier
        )
    except SlackError as error:
        if error.transient or keep_trying:
            services.outbox.release(key, error=error.code)  # try again on the next tick
        else:
            services.outbox.failed(key, error=error.code, now=clock.now())
        log.warning("could not post %s to %s: %s", key, channel, error)
        return None
    services.outbox.sent(key, ts=ts, now=clock.now())
    return ts


def upload_once(
    services: Services,
    key: str,
    channel: str,
    *,
    filename: str,
    title: str,
    content: bytes,
    comment: str,
    thread_ts: str,
) -> bool:
    """Upload a file for `key` at most once: claimed like a post, but a file carries no message
    metadata to look for after a crash, so a stale claim is given up rather than repeated (a
    missing picture beats a doubled one). Returns whether this call uploaded it."""
    claimed = services.outbox.claim(key, channel, now=clock.now(), stale_after=STALE_AFTER_SECONDS)
    if claimed.claim is not Claim.NEW:
        if claimed.claim is Claim.STALE:
            services.outbox.failed(key, error="interrupted; maybe uploaded", now=clock.now())
        return False
    try:
        services.slack.upload(
            channel, filename=filename, title=title, content=content, comment=comment, thread_ts=thread_ts
        )
    except SlackError as error:
        services.outbox.failed(key, error=error.code, now=clock.now())
        log.warning("could not upload %s to %s: %s", key, channel, error)
        return False
    services.outbox.sent(key, ts=thread_ts, now=clock.now())
    return True
