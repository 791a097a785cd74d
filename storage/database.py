"""The SQLite file: connections, transactions and migrations.

Bolt runs listeners on a thread pool and HTTP mode may run several processes, so each thread
gets its own connection, the journal is WAL (readers never block the writer) and every write
is a short `BEGIN IMMEDIATE` transaction that waits for the lock instead of failing.

A write the database cannot take (the disk is full, another process holds the lock past the
wait, the file is read-only, the disk refuses it) raises StorageError, which says why in plain
words; reads go on working in all of these cases.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from storage import schema

BUSY_TIMEOUT_SECONDS = 5.0

# What SQLite's primary result codes mean for a write that failed, in plain words; any other
# code (a constraint, a missing table) is a bug and stays an sqlite3 error.
_UNWRITABLE = {
    sqlite3.SQLITE_FULL: "the disk the bot's database is on is full",
    sqlite3.SQLITE_BUSY: "the bot's database is busy: another process has been holding it",
    sqlite3.SQLITE_LOCKED: "the bot's database is busy: another process has been holding it",
    sqlite3.SQLITE_READONLY: "the bot's database is read-only",
    sqlite3.SQLITE_IOERR: "the disk refused to write the bot's database (it may be full)",
    sqlite3.SQLITE_CANTOPEN: "the bot cannot open its database file",
    sqlite3.SQLITE_PERM: "the bot may not write its database file",
}


class StorageError(Exception):
    """The database could not be written; `str(error)` says why, in plain words."""

    @classmethod
    def unwritable(cls, error: sqlite3.Error) -> StorageError | None:
        """The StorageError for an sqlite3 error that means "cannot write now", else None."""
        reason = _UNWRITABLE.get(getattr(error, "sqlite_errorcode", -1) & 0xFF)
        return cls(reason) if reason else None


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
        try:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(f"the folder for the bot's database cannot be created ({error.strerror})") from error
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
            try:
                db = connect(self.path)
            except sqlite3.Error as error:
                raise (StorageError.unwritable(error) or error) from error
            self._local.db = db
            with self._lock:
                self._all.append(db)
        return db

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """The rows of a select, as dicts of column to value. sqlite-utils' `query` runs three
        statements for one read (the select inside a savepoint), and each statement gives up the
        GIL and waits to take it back behind the other requests' threads: for an ack that adds
        up to more than the read itself."""
        cursor = self.db.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    @contextmanager
    def write(self) -> Iterator[Database]:
        """One write transaction, taken with BEGIN IMMEDIATE so concurrent writers queue on the
        busy timeout (or this thread's `patience`) instead of failing when a read upgrades to a
        write. Nested calls join the outer transaction (sqlite-utils' own writes nest as
        savepoints). Raises StorageError when the database cannot take the write."""
        db = self.db
        if db.conn.in_transaction:
            yield db
            return
        wait = getattr(self._local, "patience", BUSY_TIMEOUT_SECONDS)
        if not self._writer.acquire(timeout=wait):
            raise StorageError(_UNWRITABLE[sqlite3.SQLITE_BUSY])
        try:
            if wait != BUSY_TIMEOUT_SECONDS:
                db.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.rollback()
                    raise
                else:
                    db.commit()
            except sqlite3.Error as error:
                unwritable = StorageError.unwritable(error)
                if unwritable is None:
                    raise
                if db.conn.in_transaction:  # the commit failed: nothing of it is kept
                    db.rollback()
                raise unwritable from error
            finally:
                if wait != BUSY_TIMEOUT_SECONDS:
                    db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        finally:
            self._writer.release()

    @contextmanager
    def patience(self, seconds: float) -> Iterator[None]:
        """Let this thread's writes wait at most `seconds` for the lock (instead of the busy
        timeout): a write before an ack must fail while Slack still listens for the answer."""
        before = getattr(self._local, "patience", BUSY_TIMEOUT_SECONDS)
        self._local.patience = seconds
        try:
            yield
        finally:
            self._local.patience = before

    def close(self) -> None:
        with self._lock:
            for db in self._all:
                db.close()
            self._all.clear()
        self._local = threading.local()
