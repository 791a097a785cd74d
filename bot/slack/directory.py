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

    def _members(self, group: str) -> frozenset[str]:
        with self._lock:
            cached = self._groups.get(group)
            if cached and time.monotonic() - cached[0] < GROUP_CACHE_SECONDS:
                return cached[1]
        members = frozenset(self.slack.usergroup_members(group))
        with self._lock:
            self._groups[group] = (time.monotonic(), members)
        return members
