"""Read-only aggregates for the daily digest: a handful of queries, whatever the number of crises."""

from __future__ import annotations

from dataclasses import dataclass

from bot.model import Category, Severity, Status, StepState
from storage.crises import RESPONSE_TIMES
from storage.database import Store


@dataclass(frozen=True)
class OpenCrisis:
    id: int
    title: str
    severity: Severity
    category: Category
    owner_id: str
    channel_id: str | None
    is_private: bool
    opened_at: int
    settled_steps: int
    first_step: StepState
    last_change: int | None


@dataclass(frozen=True)
class ClosedCrisis:
    id: int
    title: str
    severity: Severity
    owner_id: str
    channel_id: str | None
    is_private: bool
    closed_at: int
    closed_by: str
    lessons: str


@dataclass(frozen=True)
class OpenFollowUp:
    text: str
    owner_id: str
    crisis_id: int
    is_private: bool


class Reports:
    def __init__(self, store: Store) -> None:
        self.store = store

    def open_crises(self) -> list[OpenCrisis]:
        """Every open crisis with its checklist progress, most severe first, then oldest."""
        rows = self.store.db.execute(
            """select c.id, c.title, c.severity, c.category, c.owner_id, c.channel_id, c.is_private, c.opened_at,
                      sum(s.state != ?), max(case when s.step = 1 then s.state end), max(s.changed_at)
               from crises c join steps s on s.crisis_id = c.id
               where c.status = ? group by c.id""",
            [StepState.PENDING.value, Status.OPEN.value],
        )
        crises = [
            OpenCrisis(
                r[0], r[1], Severity(r[2]), Category(r[3]), r[4], r[5], bool(r[6]), r[7], r[8], StepState(r[9]), r[10]
            )
            for r in rows
        ]
        return sorted(crises, key=lambda c: (c.severity.rank, c.opened_at, c.id))

    def opened_between(self, start: int, end: int) -> int:
        return self.store.db.execute(
            "select count(*) from crises where opened_at >= ? and opened_at < ?", [start, end]
        ).fetchone()[0]

    def closed_between(self, start: int, end: int) -> list[ClosedCrisis]:
        """Crises closed in the window (still closed), with the lessons of that closing."""
        rows = self.store.db.execute(
            """select c.id, c.title, c.severity, c.owner_id, c.channel_id, c.is_private, cl.closed_at, cl.closed_by, cl.lessons
               from crises c join closures cl on cl.crisis_id = c.id
               where c.status = ? and cl.closed_at >= ? and cl.closed_at < ?
                 and cl.id = (select max(id) from closures where crisis_id = c.id)
               order by cl.closed_at, c.id""",
            [Status.CLOSED.value, start, end],
        )
        return [ClosedCrisis(r[0], r[1], Severity(r[2]), r[3], r[4], bool(r[5]), r[6], r[7], r[8]) for r in rows]

    def open_followups(self) -> list[OpenFollowUp]:
        rows = self.store.db.execute(
            """select f.text, f.owner_id, f.crisis_id, c.is_private from followups f join crises c on c.id = f.crisis_id
               where f.state = 'open' order by f.created_at, f.id"""
        )
        return [OpenFollowUp(r[0], r[1], r[2], bool(r[3])) for r in rows]

    def response_times_since(self, start: int) -> list[tuple[int | None, int | None]]:
        """(time to acknowledge, time to resolve) in seconds for each crisis opened since `start`."""
        rows = self.store.db.execute(f"select {RESPONSE_TIMES} from crises c where c.opened_at >= ?", [start])
        return [(r[0], r[1]) for r in rows]

    def categories_since(self, start: int) -> dict[Category, int]:
        rows = self.store.db.execute(
            "select category, count(*) from crises where opened_at >= ? group by category order by count(*) desc",
            [start],
        )
        return {Category(r[0]): r[1] for r in rows}

    def participants_of(self, crisis_ids: list[int]) -> dict[int, set[str]]:
        """Who is in each of these crises (to show private ones only to them)."""
        found: dict[int, set[str]] = {i: set() for i in crisis_ids}
        for start in range(0, len(crisis_ids), 500):
            chunk = crisis_ids[start : start + 500]
            rows = self.store.db.execute(
                f"select crisis_id, user_id from participants where crisis_id in ({','.join('?' * len(chunk))})", chunk
            )
            for crisis_id, user_id in rows:
                found[crisis_id].add(user_id)
        return found
