"""Many crises at once, straight into the database: for the digest's limits and its benchmark
(opening thousands through Slack would only measure the set-up)."""

from __future__ import annotations

from storage.database import Store


def bulk_crises(store: Store, count: int, *, now: int) -> None:
    """`count` open crises straight into the database (opening 5,000 through Slack would only test Slack)."""
    with store.write() as db:
        for i in range(count):
            crisis_id = db.execute(
                """insert into crises (request_key, title, category, severity, owner_id, opener_id, status, opened_at, channel_id, setup_state)
                   values (?, ?, ?, ?, 'UANA0001', 'UANA0001', 'open', ?, ?, 'done')""",
                [
                    f"bulk:{i}",
                    f"Bulk crisis {i} " + "x" * 80,
                    ["trolling", "venting", "employee"][i % 3],
                    ["critical", "high", "medium", "low"][i % 4],
                    now - i * 60,
                    f"CB{i:07d}",
                ],
            ).lastrowid
            db.conn.executemany(
                "insert into steps (crisis_id, step, state, version) values (?, ?, 'pending', 0)",
                [(crisis_id, s) for s in (1, 2, 3, 4)],
            )
            if i % 50 == 0:
                closure = db.execute(
                    "insert into closures (crisis_id, closed_by, closed_at, lessons, search_text) values (?, 'UANA0001', ?, ?, '')",
                    [crisis_id, now - 100, "A lesson long enough to count. " * 20],
                ).lastrowid
                db.execute("update crises set status = 'closed' where id = ?", [crisis_id])
                db.execute(
                    "insert into followups (crisis_id, closure_id, text, owner_id, state, created_at) values (?, ?, ?, 'UBOB0002', 'open', ?)",
                    [crisis_id, closure, "Follow-up " + "y" * 250, now],
                )
