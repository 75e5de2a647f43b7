"""What a person asked of a dashboard that does not hold the watch list's lease ("check this
batch now", "pause it"), left for the holder in the state database's `request` table:

    CREATE TABLE request (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,  -- the order asked in; never reused
        base_url TEXT NOT NULL,        -- the environment: taken by that one's holder only
        batch_id TEXT NOT NULL,        -- "*": every batch
        action   TEXT NOT NULL,        -- "check" | "pause" | "resume" | ...
        asked_at REAL NOT NULL,        -- clock seconds
        asked_by INTEGER NOT NULL      -- pid of the asking program
    );

The holder takes (reads and deletes, in one transaction) what is waiting once a second. The
asker can withdraw a request the holder has not taken: a withdrawal that finds it still there
means it was never taken, so the asker may act itself without the holder acting too.

The table lives beside the states but is not theirs: it is made, if missing, only in a
database that already has the states' schema (so a fresh file is never mistaken for one made
by another program), and a database without it reads as having no requests. Nothing here
raises for a database problem: an ask that cannot be written returns None.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path

from reap_tui.store.statedb_file import SCHEMA_VERSION, transaction, user_version

log = logging.getLogger("reap_tui.store")

_TABLE = """CREATE TABLE IF NOT EXISTS request (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    base_url TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    action TEXT NOT NULL,
    asked_at REAL NOT NULL,
    asked_by INTEGER NOT NULL
)"""
_TAKE_LIMIT = 1000  # requests taken at once
EVERY_BATCH = "*"  # a request's batch id meaning every batch of the environment


@dataclass(frozen=True)
class Request:
    id: int
    batch_id: str
    action: str
    asked_at: float
    asked_by: int


class RequestBox:
    """One connection to the `request` table of the state database at `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None

    def ask(self, base_url: str, batch_id: str, action: str, now: float) -> int | None:
        """Leave a request for the holder on `base_url`; its id, or None if it could not be."""
        connection = self._connect()
        if connection is None:
            return None
        try:
            with transaction(connection):
                cursor = connection.execute(
                    "INSERT INTO request (base_url, batch_id, action, asked_at, asked_by) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (base_url, batch_id, action, now, os.getpid()),
                )
        except sqlite3.Error as error:
            self._failed(error)
            return None
        return cursor.lastrowid

    def take(self, base_url: str) -> list[Request]:
        """Every request waiting for the holder on `base_url`, oldest first, deleted from the
        table (the holder's side)."""
        connection = self._connect()
        if connection is None:
            return []
        try:
            waiting = "FROM request WHERE base_url = ?"
            if connection.execute(f"SELECT 1 {waiting} LIMIT 1", (base_url,)).fetchone() is None:
                return []  # the usual case: a read, no write
            with transaction(connection):
                columns = "id, batch_id, action, asked_at, asked_by"
                found = connection.execute(
                    f"SELECT {columns} {waiting} ORDER BY id LIMIT ?", (base_url, _TAKE_LIMIT)
                ).fetchall()
                connection.executemany(
                    "DELETE FROM request WHERE id = ?", [(row[0],) for row in found]
                )
        except sqlite3.Error as error:
            self._failed(error)
            return []
        return [
            Request(row_id, batch_id, action, float(asked_at), int(asked_by))
            for row_id, batch_id, action, asked_at, asked_by in found
            if isinstance(batch_id, str)
            and isinstance(action, str)
            and isinstance(asked_at, int | float)
            and isinstance(asked_by, int)
        ]

    def withdraw(self, request_id: int) -> bool:
        """Delete a request not taken yet; True if it was still waiting (never taken)."""
        connection = self._connect()
        if connection is None:
            return True  # the database is gone: nobody can take it any more
        try:
            with transaction(connection):
                cursor = connection.execute(
                    "DELETE FROM request WHERE id = ? AND asked_by = ?", (request_id, os.getpid())
                )
        except sqlite3.Error as error:
            self._failed(error)
            return False  # unknown: assume it was taken rather than act twice
        return cursor.rowcount > 0

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(sqlite3.Error):
                connection.close()

    def _connect(self) -> sqlite3.Connection | None:
        """The connection, made or remade when the file at `path` is another than the one
        open (the state database was replaced); None while there is no usable database."""
        try:
            found = os.stat(self.path)
        except OSError:
            self.close()
            return None
        if not stat.S_ISREG(found.st_mode):
            self.close()
            return None  # a FIFO would hang the connection: the state database refuses it too
        identity = (found.st_dev, found.st_ino)
        if self._connection is not None and identity == self._identity:
            return self._connection
        self.close()
        try:
            uri = self.path.absolute().as_uri() + "?mode=rw"  # never creates the file
            connection = sqlite3.connect(uri, uri=True, timeout=2.0, isolation_level=None)
        except sqlite3.Error as error:
            log.info("requests in %s: %s", self.path, error)
            return None
        try:
            if user_version(connection) != SCHEMA_VERSION:
                connection.close()
                return None  # not (yet) a state database of this version: left alone
            connection.execute(_TABLE)
        except sqlite3.Error as error:
            log.info("requests in %s: %s", self.path, error)
            connection.close()
            return None
        self._connection, self._identity = connection, identity
        return connection

    def _failed(self, error: sqlite3.Error) -> None:
        log.info("requests in %s: %s", self.path, error)
        self.close()
