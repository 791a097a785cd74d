"""The SQLite file: connections, transactions and migrations.

Bolt runs listeners on a thread pool and HTTP mode may run several processes, so each thread
gets its own connection, the journal is WAL (readers never block the writer) and every write
is a short `BEGIN IMMEDIATE` transaction that waits for the lock instead of failing.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from storage import schema

BUSY_TIMEOUT_SECONDS = 5.0


def connect(path: str | Path) -> Database:
    """Open one connection with the settings every connection of the bot shares."""
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_SECONDS,
        isolation_level=None,  # no implicit transactions: writes say BEGIN IMMEDIATE themselves
        check_same_thread=False,
    )
    db = Database(conn)
    db.enable_wal()
    db.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes in WAL mode
    db.execute("PRAGMA foreign_keys=ON")
    return db


class Store:
    """Owns the database file for the bot's lifetime; hands each thread its own connection."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[Database] = []
        self._lock = threading.Lock()
        # Writers of this process queue here: a Python lock hands over at once, whereas SQLite's
        # busy handler sleeps in growing steps (up to 100 ms) before retrying. SQLite's own lock
        # (with the busy timeout) still arbitrates between processes.
        self._writer = threading.Lock()
        with self.write() as db:
            schema.migrate(db)

    @property
    def db(self) -> Database:
        """This thread's connection, opened on first use."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.path)
            self._local.db = db
            with self._lock:
                self._all.append(db)
        return db

    @contextmanager
    def write(self) -> Iterator[Database]:
        """One write transaction, taken with BEGIN IMMEDIATE so concurrent writers queue on the
        busy timeout instead of failing when a read upgrades to a write. Nested calls join the
        outer transaction (sqlite-utils' own writes nest as savepoints)."""
        db = self.db
        if db.conn.in_transaction:
            yield db
            return
        with self._writer:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.rollback()
                raise
            else:
                db.commit()

    def close(self) -> None:
        with self._lock:
            for db in self._all:
                db.close()
            self._all.clear()
        self._local = threading.local()
