"""Who is in a list of people named by user id or by Slack user group in the configuration."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from bot.slack.gateway import SlackGateway

GROUP_CACHE_SECONDS = 60


class Directory:
    """Answers "is this person in this list?" for lists mixing user ids and user-group ids,
    asking Slack for a group's members at most once a minute."""

    def __init__(self, slack: SlackGateway) -> None:
        self.slack = slack
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def includes(self, people: Iterable[str], user: str) -> bool:
        """Whether `user` is in `people`, asking Slack for a group's members if need be (raises
        SlackError when Slack cannot say)."""
        people = set(people)
        if user in people:
            return True
        return any(user in self._members(group) for group in people if group.startswith("S"))

    def people(self, people: Iterable[str]) -> set[str]:
        """Everyone a list names: its user ids and the members of its user groups."""
        named = set(people)
        found = {p for p in named if not p.startswith("S")}
        for group in named - found:
            found |= self._members(group)
        return found

    def known(self, people: Iterable[str], user: str) -> bool | None:
        """`includes` without asking Slack: None when only Slack could tell (a group the bot has
        not looked up in the last minute), so a caller before an ack can leave it for later."""
        people = set(people)
        if user in people:
            return True
        groups = [self._cached(group) for group in people if group.startswith("S")]
        if any(user in members for members in groups if members is not None):
            return True
        return None if None in groups else False

    def _cached(self, group: str) -> frozenset[str] | None:
        with self._lock:
            cached = self._groups.get(group)
        if cached and time.monotonic() - cached[0] < GROUP_CACHE_SECONDS:
            return cached[1]
        return None

    def _members(self, group: str) -> frozenset[str]:
        cached = self._cached(group)
        if cached is not None:
            return cached
        members = frozenset(self.slack.usergroup_members(group))
        with self._lock:
            self._groups[group] = (time.monotonic(), members)
        return members
