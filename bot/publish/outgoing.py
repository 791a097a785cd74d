"""What one outbox key posts, as its builder (bot.publish.posts) made it from the stored state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.slack.blockkit import Message


@dataclass(frozen=True)
class Post:
    channel: str
    message: Message
    thread_ts: str | None = None
    broadcast: bool = False  # a thread reply also shown in the channel (an update that notifies everyone)


class Later:
    """A builder's answer when its post cannot be made yet (a reply whose thread's first
    message is still being posted): it stays pending, for the next attempt."""


LATER: Final = Later()
