"""The state database beside a watch list: what was last seen of each batch, and the view.

The watch list (TOML) says which batches are watched and is written only when the user changes
it. What the dashboard *saw* (each batch's last answer, failure, check history) changes every
few seconds, so it lives here, in SQLite, one row per batch, written incrementally: a save
writes only the rows given to it, in one transaction. It is a cache: a missing database is
empty, and one that cannot be read is moved aside (`<name>.corrupt-<UTC time>`, with its
`-wal`/`-shm`), reported once, and replaced by a fresh one. Losing it costs only what is
rebuilt by checking again, never a watched batch; no method raises for a database problem.

WAL mode lets other processes read while one writes: a reader sees each save whole or not at
all. `synchronous = NORMAL`: in WAL mode a commit survives the writer being killed (it is in
the OS's cache); only a power cut can lose the last few saves, never corrupt the file, and a
lost save is only a cache entry. Records are JSON the store does not interpret; the engine
defines them; their rows are in `state_rows`. The schema and the file's handling are in
`statedb_file`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from reap_tui.clock import Clock
from reap_tui.store.atomic import make_private_folder
from reap_tui.store.state_rows import SavedRow, SaveOutcome, StateRow, encode_record, record_digest
from reap_tui.store.statedb_file import (
    COLUMNS,
    Empty,
    Unusable,
    check_regular,
    check_schema,
    current_generation,
    is_busy,
    is_the_file,
    move_aside,
    number_or_none,
    reading,
    reason,
    transaction,
    was_moved,
)

BUSY_TIMEOUT = 2.0  # seconds a statement waits for another writer
OPEN_TIMEOUT = 10.0  # at open: a database locked this long is "locked for ever"
LOCKED_FOR_EVER = 60.0  # saves refused as locked for this long: the database is replaced
_WAL_LIMIT = 8 * 1024 * 1024  # bytes the write-ahead log is truncated to after a checkpoint

# A row is replaced unless the stored one records a later check of the same environment, so a
# slower program never writes an older state over a newer one.
_UPSERT = f"""
    INSERT INTO batch_state ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (batch_id) DO UPDATE SET
        base_url = excluded.base_url, checked_at = excluded.checked_at,
        written_at = excluded.written_at, generation = excluded.generation,
        record = excluded.record
    WHERE batch_state.base_url IS NOT excluded.base_url
        OR batch_state.checked_at IS NULL
        OR excluded.checked_at >= batch_state.checked_at
"""


log = logging.getLogger("reap_tui.store")


def state_db_path(watchlist_path: Path) -> Path:
    """`watchlist.toml` -> `watchlist.state.db`; any other name gets `.state.db` appended."""
    name = watchlist_path.name
    stem = name.removesuffix(".toml") if name.endswith(".toml") and name != ".toml" else name
    return watchlist_path.with_name(f"{stem}.state.db")


class StateDB:
    """One connection to the state database. Open it with `StateDB.open`."""

    def __init__(self, path: Path, clock: Clock, *, read_only: bool) -> None:
        self.path = path
        self.read_only = read_only
        self.generation = 0  # the last save seen by `read` or made by `save`
        self._clock = clock
        self._connection: sqlite3.Connection | None = None
        self._problem: str | None = None
        self._told: str | None = None
        self._busy_since: float | None = None
        self._data_version: int | None = None
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file opened

    @classmethod
    def open(cls, path: Path, clock: Clock, *, read_only: bool = False) -> StateDB:
        """Open (creating it 0600 unless `read_only`) the database at `path`.

        Never raises: a database that cannot be used is moved aside and replaced (not when
        `read_only`: then it reads as empty), and `take_problem()` says what happened.
        """
        db = cls(path, clock, read_only=read_only)
        db._start()
        return db

    @property
    def available(self) -> bool:
        return self._connection is not None

    @property
    def trouble(self) -> str | None:
        """The problem told last, while it lasts (None once a save has succeeded since)."""
        return self._told

    def take_problem(self) -> str | None:
        """What went wrong since the last call, worded for the user; each problem is told once
        until a save succeeds again."""
        problem, self._problem = self._problem, None
        return problem

    def read(self, since: int = 0) -> dict[str, SavedRow]:
        """The rows written by saves after generation `since` (all rows by default), as one
        consistent view; rows whose record is not text of a JSON object are skipped (one that
        only begins like one is found out, and read as None, when its record is decoded)."""
        connection = self._follow()
        if connection is None:
            return {}
        try:
            with reading(connection):
                generation = current_generation(connection)
                found = connection.execute(
                    f"SELECT {COLUMNS} FROM batch_state WHERE generation > ?", (since,)
                ).fetchall()
        except sqlite3.Error as error:
            self._failed(error, "read")
            return {}
        self.generation = generation
        rows: dict[str, SavedRow] = {}
        for batch_id, base_url, checked_at, written_at, row_generation, text in found:
            if (
                not isinstance(text, str)
                or not text.startswith("{")
                or not isinstance(batch_id, str)
                or not isinstance(base_url, str)
            ):
                log.info("state database %s: an unreadable row was skipped", self.path)
                continue
            rows[batch_id] = SavedRow(
                batch_id,
                base_url,
                number_or_none(checked_at),
                text,
                number_or_none(written_at) or 0.0,
                row_generation if type(row_generation) is int else 0,
                record_digest(text),
            )
        return rows

    def changed(self) -> bool:
        """Whether another connection saved since this one last asked (cheap: no row is read)."""
        before = self._connection
        connection = self._follow()
        if connection is None:
            return False
        if connection is not before:
            return True  # the database appeared, or was replaced
        try:
            version = int(connection.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error as error:
            self._failed(error, "read")
            return False
        changed = self._data_version is not None and version != self._data_version
        self._data_version = version
        return changed

    def save(self, rows: Iterable[StateRow], forget: Iterable[str] = ()) -> SaveOutcome:
        """Write `rows` and delete the rows of the `forget` batch ids, in one transaction."""
        if self.read_only:
            raise ValueError("a read-only state database cannot save")
        encoded = [(row, text) for row in rows if (text := self._encode(row)) is not None]
        forgotten = list(forget)
        reset = False
        if self._moved():
            self.close()  # deleted or replaced while open: a write would go nowhere
        for _ in range(2):
            if self._connection is None:
                self._start()
                if self._connection is None:
                    return SaveOutcome.NOT_SAVED
                reset = True  # whatever was saved before may be gone
            connection = self._connection
            if self._write(connection, encoded, forgotten):
                return SaveOutcome.RESET if reset else SaveOutcome.SAVED
            if self._connection is connection:
                return SaveOutcome.NOT_SAVED  # the cause is elsewhere; told once
            reset = True  # replaced or moved away: once more, on a new database
        return SaveOutcome.NOT_SAVED

    def get_view(self) -> dict[str, Any]:
        """The dashboard's saved view settings (sort, filter, selection, ...): key -> JSON value."""
        connection = self._connection
        if connection is None:
            return {}
        try:
            found = connection.execute("SELECT key, value FROM view").fetchall()
        except sqlite3.Error as error:
            self._failed(error, "read")
            return {}
        view: dict[str, Any] = {}
        for key, text in found:
            with contextlib.suppress(ValueError, RecursionError, TypeError):
                view[key] = json.loads(text)
        return view

    def set_view(self, values: Mapping[str, Any]) -> bool:
        """Save view settings (a value of None deletes its key); False when nothing was saved."""
        connection = self._connection
        if self.read_only or connection is None:
            return False
        try:
            encoded = [(key, None if v is None else json.dumps(v)) for key, v in values.items()]
        except (ValueError, TypeError, RecursionError):
            log.info("state database %s: a view setting is not JSON", self.path)
            return False
        try:
            with transaction(connection):
                for key, text in encoded:
                    if text is None:
                        connection.execute("DELETE FROM view WHERE key = ?", (key,))
                    else:
                        connection.execute(
                            "INSERT INTO view (key, value) VALUES (?, ?) "
                            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                            (key, text),
                        )
        except sqlite3.Error as error:
            self._failed(error, "save")
            return False
        return True

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(sqlite3.Error):
                connection.close()

    # -- opening -------------------------------------------------------------------------------

    def _follow(self) -> sqlite3.Connection | None:
        """The connection; a reader also opens a database another program has made (or
        replaced) since."""
        if self.read_only and self._moved():
            self.close()
        if self._connection is None and self.read_only:
            self._start()
        return self._connection

    def _moved(self) -> bool:
        """Whether the file open is no longer the one at `path` (SQLite would go on writing
        to a deleted file)."""
        if self._connection is None:
            return False
        try:
            found = os.stat(self.path)
        except OSError:
            return True
        return (found.st_dev, found.st_ino) != self._identity

    def _start(self) -> None:
        if self.read_only:
            if self.path.exists():
                try:
                    check_regular(self.path)
                    self._connection = self._connect()
                except Empty:
                    pass
                except (Unusable, sqlite3.Error, OSError, ValueError) as error:
                    self._report(f"{self._name()} cannot be read ({reason(error, OPEN_TIMEOUT)}).")
            return
        try:
            self._connection = self._connect()
        except (Unusable, sqlite3.Error) as error:
            if not is_the_file(error):
                self._unavailable(error)
                return
            self._replace(reason(error, OPEN_TIMEOUT))
        except (OSError, ValueError) as error:  # ValueError: a path SQLite cannot take
            self._unavailable(error)

    def _connect(self) -> sqlite3.Connection:
        if self.read_only:
            uri = self.path.absolute().as_uri() + "?mode=ro"
            connection = sqlite3.connect(uri, uri=True, timeout=OPEN_TIMEOUT, isolation_level=None)
        else:
            try:
                make_private_folder(self.path.parent)
            except OSError as error:
                raise OSError(
                    error.errno, f"its folder cannot be made: {error.strerror}", error.filename
                ) from None
            check_regular(self.path)
            # Non-blocking: a FIFO put there since the check fails at once instead of hanging.
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK, 0o600))
            connection = sqlite3.connect(self.path, timeout=OPEN_TIMEOUT, isolation_level=None)
        try:
            check_schema(
                connection, read_only=self.read_only
            )  # first: a file that is not ours is left as it was
            if not self.read_only:
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("PRAGMA synchronous = NORMAL")
                connection.execute(f"PRAGMA journal_size_limit = {_WAL_LIMIT}")
            connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            self._data_version = int(connection.execute("PRAGMA data_version").fetchone()[0])
            found = os.stat(self.path)
            self._identity = (found.st_dev, found.st_ino)
        except BaseException:
            connection.close()
            raise
        return connection

    # -- writing -------------------------------------------------------------------------------

    def _encode(self, row: StateRow) -> str | None:
        if row.text is not None:
            return row.text
        try:
            return encode_record(row.record)
        except (ValueError, TypeError, RecursionError) as error:
            log.info("state database %s: %s not saved: %s", self.path, row.batch_id, error)
            return None

    def _write(
        self, connection: sqlite3.Connection, encoded: list[tuple[StateRow, str]], forget: list[str]
    ) -> bool:
        now = self._clock.now()
        try:
            with transaction(connection):
                generation = current_generation(connection) + 1
                connection.execute(
                    "UPDATE meta SET value = ? WHERE key = 'generation'", (generation,)
                )
                connection.executemany(
                    _UPSERT,
                    [
                        (row.batch_id, row.base_url, row.checked_at, now, generation, text)
                        for row, text in encoded
                    ],
                )
                connection.executemany(
                    "DELETE FROM batch_state WHERE batch_id = ?", [(b,) for b in forget]
                )
        except sqlite3.Error as error:
            self._failed(error, "save")
            return False
        self.generation = generation
        self._busy_since = None
        self._told = None
        return True

    # -- trouble -------------------------------------------------------------------------------

    def _failed(self, error: sqlite3.Error, doing: str) -> None:
        """After a statement failed: decide whether the file is to blame (replace it), it was
        moved away (open a new one), or the cause is elsewhere (keep it, say so once)."""
        if is_busy(error):
            now = self._clock.now()
            if self._busy_since is None:
                self._busy_since = now
            if now - self._busy_since < LOCKED_FOR_EVER or self.read_only:
                self._report(
                    f"{self._name()} is locked by another program; the last known states "
                    "will be saved when it lets go."
                )
                return
            self._busy_since = None
            error_text = f"locked by another program for more than {LOCKED_FOR_EVER:.0f} s"
        elif was_moved(error):
            self.close()  # deleted or renamed while open: the next save makes a new one
            return
        elif not is_the_file(error) or self.read_only:
            self._report(f"{self._name()} could not be {doing}: {error}.")
            return
        else:
            error_text = str(error)
        self.close()
        if not self.read_only:
            self._replace(error_text)

    def _replace(self, reason: str) -> None:
        self.close()
        try:
            moved_to = move_aside(self.path, self._clock)
        except OSError as error:
            self._unavailable(error)
            return
        try:
            self._connection = self._connect()
        except (Unusable, sqlite3.Error, OSError, ValueError) as error:
            self._unavailable(error)
            return
        where = f"it was moved to {moved_to}" if moved_to else "it was gone"
        self._report(
            f"{self._name()} could not be read ({reason}): {where} and a new one was started. "
            "Only the last known states were lost: every batch is still watched and is "
            "checked again."
        )

    def _unavailable(self, error: BaseException) -> None:
        self.close()
        self._report(
            f"{self._name()} cannot be used ({reason(error, OPEN_TIMEOUT)}): the last known "
            "states are not saved until it can be. Every batch is still watched."
        )

    def _report(self, problem: str) -> None:
        log.info("%s", problem)
        if problem != self._told:
            self._told = problem
            self._problem = problem

    def _name(self) -> str:
        return f"The state database {self.path}"
