"""The state database's file: its schema, the safe way to open and check it, what SQLite's
errors say about it, and moving a bad one aside. `statedb` builds on these.

Schema (`PRAGMA user_version` = 1)::

    CREATE TABLE batch_state (
        batch_id   TEXT PRIMARY KEY,      -- canonical lower-case UUID
        base_url   TEXT NOT NULL,         -- the environment the state was seen on
        checked_at REAL,                  -- clock seconds of the check it records: newer wins
        written_at REAL NOT NULL,         -- clock seconds of the save that wrote it
        generation INTEGER NOT NULL,      -- the number of that save (see `StateDB.read`)
        record     TEXT NOT NULL          -- a JSON object (see reap_tui.engine.snapshots)
    );
    CREATE INDEX batch_state_generation ON batch_state (generation);
    CREATE TABLE view (key TEXT PRIMARY KEY, value TEXT NOT NULL);  -- JSON values
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);  -- 'generation'
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reap_tui.clock import Clock, to_datetime

SCHEMA_VERSION = 1
SCHEMA = (
    """CREATE TABLE batch_state (
        batch_id TEXT PRIMARY KEY,
        base_url TEXT NOT NULL,
        checked_at REAL,
        written_at REAL NOT NULL,
        generation INTEGER NOT NULL,
        record TEXT NOT NULL
    )""",
    "CREATE INDEX batch_state_generation ON batch_state (generation)",
    "CREATE TABLE view (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT INTO meta (key, value) VALUES ('generation', 0)",
    f"PRAGMA user_version = {SCHEMA_VERSION}",
)
COLUMNS = "batch_id, base_url, checked_at, written_at, generation, record"
_SIDE_FILES = ("-wal", "-shm", "-journal")

# SQLite's primary result codes that say the file is fine and the cause is elsewhere.
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_NOMEM = 3, 5, 6, 7
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 8, 10, 13, 14
_SQLITE_READONLY_DBMOVED = 1032  # the file was deleted or renamed while open
_NOT_THE_FILE = {
    _SQLITE_PERM,
    _SQLITE_NOMEM,
    _SQLITE_READONLY,
    _SQLITE_IOERR,
    _SQLITE_FULL,
    _SQLITE_CANTOPEN,
}


class Unusable(Exception):
    """The file is not a state database this program can use: move it aside."""


class Empty(Exception):
    """A database file with nothing in it yet (read-only: nothing to read)."""


def check_regular(path: Path) -> None:
    """A FIFO or device would hang or feed SQLite; a folder cannot be opened as a file."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(found.st_mode):
        raise OSError(errno.EINVAL, "it is not a regular file", str(path))


def check_schema(connection: sqlite3.Connection, *, read_only: bool) -> None:
    """Make the schema in an empty database (unless `read_only`: `Empty`); `Unusable` for a
    database that is not ours, or of another schema version. Reads before it writes, so a
    file that is not ours is left exactly as it was."""
    version = user_version(connection)
    if version == 0 and not read_only:
        with transaction(connection):
            if user_version(connection) == 0:  # not made by another program meanwhile
                if connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    raise Unusable("it holds tables reap-tui did not make")
                for statement in SCHEMA:
                    connection.execute(statement)
        version = user_version(connection)
    if version == 0 and read_only:
        raise Empty
    if version != SCHEMA_VERSION:
        raise Unusable(
            f"its schema version is {version}, this reap-tui reads version {SCHEMA_VERSION}"
            + (" (was it written by a newer reap-tui?)" if version > SCHEMA_VERSION else "")
        )
    try:
        connection.execute(f"SELECT {COLUMNS} FROM batch_state LIMIT 0")
        connection.execute("SELECT key, value FROM view LIMIT 0")
        current_generation(connection)
    except sqlite3.Error as error:
        raise Unusable(f"its tables are not reap-tui's ({error})") from None


@contextlib.contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """A write transaction (taken at once, so two writers queue instead of deadlocking)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


@contextlib.contextmanager
def reading(connection: sqlite3.Connection) -> Iterator[None]:
    """A read transaction: every statement inside sees the same save."""
    connection.execute("BEGIN")
    try:
        yield
    finally:
        if connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("COMMIT")


def user_version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def current_generation(connection: sqlite3.Connection) -> int:
    found = connection.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    if found is None or type(found[0]) is not int:
        raise sqlite3.DatabaseError("meta.generation is missing")
    return int(found[0])


def is_busy(error: BaseException) -> bool:
    return _primary_code(error) in (_SQLITE_BUSY, _SQLITE_LOCKED)


def was_moved(error: BaseException) -> bool:
    return getattr(error, "sqlite_errorcode", None) == _SQLITE_READONLY_DBMOVED


def is_the_file(error: BaseException) -> bool:
    """Whether the file itself is to blame (corrupt, not a database, not ours, locked for
    ever), rather than the disk, the folder or the memory around it."""
    if isinstance(error, Unusable):
        return True
    code = _primary_code(error)
    return code is None or code not in _NOT_THE_FILE


def _primary_code(error: BaseException) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def reason(error: BaseException, open_timeout: float) -> str:
    if isinstance(error, OSError):
        where = f" ({error.filename})" if error.filename else ""
        return f"{error.strerror or error}{where}"
    if is_busy(error):
        return f"locked by another program for more than {open_timeout:.0f} s"
    return str(error)


def move_aside(path: Path, clock: Clock) -> Path | None:
    """Rename the file and its side files to `<name>.corrupt-<UTC time>[-n]`; None if there
    was no file."""
    if not path.exists():
        return None
    stamp = to_datetime(clock.now()).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    suffix = 1
    while target.exists():
        suffix += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{suffix}")
    # The side files first: a fresh database must never meet the old one's write-ahead log.
    for side in _SIDE_FILES:
        with contextlib.suppress(FileNotFoundError):
            os.rename(f"{path}{side}", f"{target}{side}")
    os.rename(path, target)
    return target


def number_or_none(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def json_object(text: object) -> dict[str, Any] | None:
    """A row's JSON object, or None for anything else (not text, not JSON, not an object)."""
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
