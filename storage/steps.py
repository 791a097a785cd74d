"""The four-step checklist of each crisis."""

from __future__ import annotations

from bot.model import Step, StepState, StepStatus
from storage.database import Store


class StepRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def of(self, crisis_id: int) -> list[StepStatus]:
        """The four steps of a crisis, in order."""
        rows = self.store.db["steps"].rows_where("crisis_id = ?", [crisis_id], order_by="step")
        return [
            StepStatus(
                step=Step(row["step"]),
                state=StepState(row["state"]),
                version=row["version"],
                changed_by=row["changed_by"],
                changed_at=row["changed_at"],
                reason=row["reason"],
            )
            for row in rows
        ]
