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


class NotReady(Exception):
    """Where the post goes does not exist yet (a reopened crisis's war room is being brought
    back from the archive, or set up anew): the post stays pending and goes out once it does."""
