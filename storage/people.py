"""The Slack language each person was last seen with (users.info), shared by every process."""

from __future__ import annotations

from storage.database import Store


class PeopleRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def locale(self, user_id: str, *, since: int) -> tuple[bool, str | None]:
        """(whether it was learnt at or after `since`, the locale then: None when Slack gave none)."""
        row = self.store.db.execute(
            "select locale from people where user_id = ? and learnt_at >= ?", [user_id, since]
        ).fetchone()
        return (True, row[0]) if row else (False, None)

    def learnt(self, user_id: str, locale: str | None, *, at: int) -> None:
        with self.store.write() as db:
            db.execute(
                "insert or replace into people (user_id, locale, learnt_at) values (?, ?, ?)", [user_id, locale, at]
            )
