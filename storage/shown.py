"""What the bot showed people: the open forms and the messages showing a reply template.

A click or a submission names things in values the bot wrote, but a payload can say anything;
these records are what the bot itself knows it showed, and to whom.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Store

KEEP_FORMS_SECONDS = 7 * 24 * 3600  # a form left open for a week is a form nobody submits


@dataclass(frozen=True)
class OpenForm:
    """An open-crisis form as it was opened: for whom, and where they ran `/crisis open`."""

    view_id: str
    opener_id: str
    origin_channel_id: str | None
    response_url: str | None


class Shown:
    def __init__(self, store: Store) -> None:
        self.store = store

    def form_opened(
        self, view_id: str, *, opener_id: str, origin_channel_id: str | None, response_url: str | None, at: int
    ) -> None:
        """Record an open form just opened (and forget forms nobody submitted within a week)."""
        with self.store.write() as db:
            db.execute(
                """insert or replace into open_forms (view_id, opener_id, origin_channel_id, response_url, opened_at)
                   values (?, ?, ?, ?, ?)""",
                [view_id, opener_id, origin_channel_id, response_url, at],
            )
            db.execute("delete from open_forms where opened_at < ?", [at - KEEP_FORMS_SECONDS])

    def form(self, view_id: str) -> OpenForm | None:
        """The open form with this view id, as recorded when it opened; None if none was."""
        row = self.store.db.execute(
            "select view_id, opener_id, origin_channel_id, response_url from open_forms where view_id = ?", [view_id]
        ).fetchone()
        return OpenForm(*row) if row else None

    def template_posted(self, crisis_id: int, *, channel_id: str, ts: str, at: int) -> None:
        """Record that the message (channel_id, ts) shows a reply template of this crisis."""
        with self.store.write() as db:
            db.execute(
                "insert or ignore into template_messages (channel_id, ts, crisis_id, shown_at) values (?, ?, ?, ?)",
                [channel_id, ts, crisis_id, at],
            )

    def template_crisis(self, channel_id: str, ts: str) -> int | None:
        """The crisis whose template the message (channel_id, ts) shows; None if it shows none."""
        row = self.store.db.execute(
            "select crisis_id from template_messages where channel_id = ? and ts = ?", [channel_id, ts]
        ).fetchone()
        return row[0] if row else None
