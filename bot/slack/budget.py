"""How many Web API calls the bot may make right now, from Slack's own rate tiers.

A burst of crises must go out at once when Slack would accept it, and a storm must not hammer a
method Slack has already rate-limited. A thread count bounds neither: it makes twenty war rooms
queue behind each other although Slack takes twenty channels a minute, and it lets eight threads
retry one 429 together. So every call takes a token from its method's bucket (a workspace-wide
tier, and for `chat.postMessage` also the channel's own one-a-second budget); buckets start full,
which lets a burst through, refill at the tier's rate, and a 429's `Retry-After` empties the
bucket until then, so every thread waits for Slack's time instead of trying again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# Calls per minute for each tier (api.slack.com/apis/rate-limits), and the methods the bot uses.
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIERS = {
    "conversations.create": 2,
    "conversations.archive": 2,
    "conversations.unarchive": 2,
    "conversations.setTopic": 2,
    "conversations.setPurpose": 2,
    "pins.add": 2,
    "usergroups.users.list": 2,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
    "chat.update": 3,
    "conversations.invite": 3,
    "conversations.history": 3,
    "conversations.replies": 3,
    "conversations.info": 3,
    "conversations.open": 3,
    "conversations.join": 3,
    "users.conversations": 3,
    "conversations.members": 4,
    "chat.postEphemeral": 4,
    "views.open": 4,
    "views.update": 4,
    "views.push": 4,
    "users.info": 4,
    "auth.test": 4,
}
DEFAULT_TIER = 3
# chat.postMessage is "special": about one message a second per channel, with short bursts
# allowed, and several hundred a minute for the workspace.
POSTS_PER_CHANNEL_BURST = 5
POSTS_PER_CHANNEL_PER_SECOND = 1.0
POSTS_PER_WORKSPACE_MINUTE = 600
PER_CHANNEL = frozenset({"chat.postMessage"})


@dataclass
class _Bucket:
    capacity: float
    per_second: float
    tokens: float
    updated: float
    paused_until: float = 0.0

    def wait(self, now: float) -> float:
        """Seconds until a token is available (0 when one is there now)."""
        if now < self.paused_until:
            return self.paused_until - now
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_second


class RateBudget:
    """Token buckets per method (and per channel for posts), shared by every thread of a process."""

    def __init__(
        self,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        refill_speed: float = 1.0,
    ) -> None:
        """`refill_speed` above 1 refills every bucket that many times faster than Slack's tiers:
        only for a fake Slack (the test harness), where waiting Slack's real seconds between
        posts proves nothing more. Bursts, Retry-After and deadlines stay as Slack has them."""
        self._monotonic = monotonic
        self._sleep = sleep
        self._speed = refill_speed
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def take(self, method: str, channel: str | None = None, *, deadline: float | None = None) -> bool:
        """Wait for a token for `method` (and `channel`'s own budget for posts) and take it.
        False, without waiting, when the token would come after `deadline` (a monotonic time),
        so a call bound to a 3-second trigger is refused at once instead of failing late."""
        keys = [(method, "")]
        if method in PER_CHANNEL and channel:
            keys.append((method, channel))
        while True:
            with self._lock:
                now = self._monotonic()
                buckets = [self._bucket(key, now) for key in keys]
                delay = max(b.wait(now) for b in buckets)
                if delay == 0:
                    for bucket in buckets:
                        bucket.tokens -= 1
                    return True
            if deadline is not None and now + delay > deadline:
                return False
            self._sleep(delay)

    def rate_limited(self, method: str, retry_after: float, channel: str | None = None) -> None:
        """Slack answered 429: nobody calls `method` (in `channel`, for posts) before Retry-After."""
        with self._lock:
            now = self._monotonic()
            key = (method, channel or "") if method in PER_CHANNEL and channel else (method, "")
            bucket = self._bucket(key, now)
            bucket.paused_until = max(bucket.paused_until, now + retry_after)
            bucket.tokens = 0

    def _bucket(self, key: tuple[str, str], now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            method, channel = key
            if channel:
                capacity, per_second = POSTS_PER_CHANNEL_BURST, POSTS_PER_CHANNEL_PER_SECOND
            elif method in PER_CHANNEL:
                capacity, per_second = POSTS_PER_WORKSPACE_MINUTE, POSTS_PER_WORKSPACE_MINUTE / 60
            else:
                per_minute = TIER_PER_MINUTE[METHOD_TIERS.get(method, DEFAULT_TIER)]
                capacity, per_second = per_minute, per_minute / 60
            bucket = self._buckets[key] = _Bucket(capacity, per_second * self._speed, capacity, now)
        return bucket
