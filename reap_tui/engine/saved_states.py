"""What a dashboard has seen, kept in the state database beside its watch list.

At start: the database is opened (a bad one is replaced, see `statedb`), the snapshots of a
watch list of an earlier version are moved into it, and every watched batch gets its initial
state from it. While running: the batches whose state changed are noted, and `save()` writes
those whose record differs from the one last written, in one transaction.

Moving old snapshots: the records go into the database first, then the watch list is written
without them (under its lock, atomically, the old file kept as `.bak`). If either step cannot
be written, nothing is lost: the snapshots stay in the watch list, are shown from there, and
are moved at the next start.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from reap_tui.clock import Clock
from reap_tui.engine.snapshots import initial_state, record_of, record_of_snapshot, same_record
from reap_tui.engine.state import BatchState
from reap_tui.store import Entry, WatchList, WatchListError
from reap_tui.store.state_rows import SavedRow, SaveOutcome, StateRow, encode_record, record_digest
from reap_tui.store.statedb import StateDB, state_db_path

log = logging.getLogger("reap_tui.engine")


class SavedStates:
    def __init__(self, db: StateDB, base_url: str, rows: dict[str, SavedRow]) -> None:
        """`base_url`: the environment whose batches this program watches and saves."""
        self.db = db
        self._base_url = base_url
        self._rows = rows  # until each batch's initial state is made from its row
        self._problems: list[str] = []
        # The digest of the record last written of each batch: an unchanged state is not
        # written again (digests, not records: at 10,000 batches records take ~50 MB).
        self._saved: dict[str, bytes] = {
            batch_id: row.digest for batch_id, row in rows.items() if row.base_url == base_url
        }
        self._unsaved: set[str] = set()
        # States made at start-up from a saved record, and (once compared) their digests.
        self._initial: dict[str, BatchState] = {}
        self._restored: dict[str, bytes] = {}
        # Another program makes the checks and saves these states (see `engine.sharing`):
        # what is shown here came from the database, so nothing is written back.
        self.following = False

    @classmethod
    def open(cls, watchlist: WatchList, clock: Clock, base_url: str) -> SavedStates:
        """Never raises: a problem with the database or the move of old snapshots is told by
        `take_problem()`, and costs at most the saved states."""
        db = StateDB.open(state_db_path(watchlist.path), clock)
        saved = cls(db, base_url, db.read())
        saved._move_snapshots(watchlist)
        saved._forget_unwatched(watchlist)
        return saved

    def initial_state(self, entry: Entry) -> BatchState:
        row = self._rows.pop(entry.batch_id, None)
        if row is None or row.base_url != entry.base_url:
            return initial_state(entry)
        state = initial_state(entry, row.record)
        if entry.base_url == self._base_url:
            self._initial[entry.batch_id] = state
        return state

    def changed(self, batch_ids: Iterable[str]) -> None:
        """These batches' states changed (or they stopped being watched): save at the next
        `save()`."""
        self._unsaved.update(batch_ids)

    def save(self, states: Mapping[str, BatchState], *, limit: int | None = None) -> bool:
        """Write the noted states that differ from what was last written (at most `limit` of
        them: the others wait for the next call) and forget the noted batches no longer in
        `states`, in one transaction. False if they could not be written: they are kept for
        the next call, and `db.trouble` says why."""
        if self.following:
            self._unsaved.clear()
            return True
        outcome = self._write_noted(states, limit)
        if outcome is SaveOutcome.RESET:
            # A new, empty database: every state must be written again.
            self._unsaved = set(states)
            outcome = self._write_noted(states, limit)
        return outcome is not SaveOutcome.NOT_SAVED

    def _write_noted(self, states: Mapping[str, BatchState], limit: int | None) -> SaveOutcome:
        rows: list[StateRow] = []
        digests: dict[str, bytes] = {}
        forget: list[str] = []
        examined: list[str] = []
        for batch_id in self._unsaved:
            if limit is not None and len(rows) >= limit:
                break
            examined.append(batch_id)
            state = states.get(batch_id)
            if state is None:
                forget.append(batch_id)
                continue
            initial = self._initial.get(batch_id)
            if initial is not None and same_record(state, initial):
                continue  # as restored: nothing new to write
            record = record_of(state)
            encoded = _encoded(batch_id, record)
            if encoded is None:
                continue
            text, digest = encoded
            if digest != self._saved.get(batch_id) and not self._as_restored(batch_id, digest):
                rows.append(StateRow(batch_id, self._base_url, state.last_checked_at, record, text))
                digests[batch_id] = digest
        outcome = SaveOutcome.SAVED
        if rows or forget:
            outcome = self.db.save(rows, forget)
            self._note_problem()
            if outcome is SaveOutcome.NOT_SAVED:
                return outcome
            if outcome is SaveOutcome.RESET:
                self._saved.clear()
                self._initial.clear()
                self._restored.clear()
        self._unsaved.difference_update(examined)
        for batch_id in forget:
            self._saved.pop(batch_id, None)
        self._saved.update(digests)
        for batch_id in (*forget, *digests):
            self._initial.pop(batch_id, None)
            self._restored.pop(batch_id, None)
        return outcome

    def _as_restored(self, batch_id: str, digest: bytes) -> bool:
        """Whether the record is what start-up made of the saved one (a polling batch comes
        back waiting for its first check): nothing new to write."""
        initial = self._initial.pop(batch_id, None)
        if initial is not None and (encoded := _encoded(batch_id, record_of(initial))):
            self._restored[batch_id] = encoded[1]
        return self._restored.get(batch_id) == digest

    def take_problem(self) -> str | None:
        self._note_problem()
        if not self._problems:
            return None
        problems, self._problems = self._problems, []
        return "\n\n".join(problems)

    def close(self) -> None:
        self.db.close()

    def _note_problem(self) -> None:
        problem = self.db.take_problem()
        if problem is not None:
            self._problems.append(problem)

    def _move_snapshots(self, watchlist: WatchList) -> None:
        old = [entry for entry in watchlist.entries if entry.snapshot is not None]
        if not old or not self.db.available:
            return
        moved: list[SavedRow] = []
        rows: list[StateRow] = []
        for entry in old:
            if entry.snapshot is not None and not self._holds(entry):
                record = record_of_snapshot(entry.snapshot)
                text = encode_record(record)  # a snapshot is always JSON
                checked_at = entry.snapshot.checked_at
                digest = record_digest(text)
                moved.append(
                    SavedRow(entry.batch_id, entry.base_url, checked_at, text, 0.0, 0, digest)
                )
                rows.append(StateRow(entry.batch_id, entry.base_url, checked_at, record, text))
        if moved:
            outcome = self.db.save(rows)
            self._note_problem()
            if outcome is SaveOutcome.NOT_SAVED:
                return  # the snapshots stay in the watch list until the next start
            if outcome is SaveOutcome.RESET:  # what was read at start is gone
                self._rows.clear()
                self._saved.clear()
            self._rows.update({row.batch_id: row for row in moved})
            self._saved.update(
                {row.batch_id: row.digest for row in moved if row.base_url == self._base_url}
            )
        try:
            watchlist.drop_snapshots({entry.batch_id for entry in old})
        except (WatchListError, OSError) as error:
            self._problems.append(
                f"The last known states in the watch list were copied to {self.db.path}, but "
                f"the watch list could not be rewritten without them ({error}). Nothing is "
                "lost: this is tried again at the next start."
            )

    def _holds(self, entry: Entry) -> bool:
        row = self._rows.get(entry.batch_id)
        return row is not None and row.base_url == entry.base_url

    def _forget_unwatched(self, watchlist: WatchList) -> None:
        """Rows of batches removed from the watch list while no dashboard ran."""
        watched = {entry.batch_id for entry in watchlist.entries}
        unwatched = [batch_id for batch_id in self._rows if batch_id not in watched]
        if unwatched and self.db.save([], forget=unwatched) is SaveOutcome.SAVED:
            for batch_id in unwatched:
                self._rows.pop(batch_id, None)
                self._saved.pop(batch_id, None)
        self._note_problem()


def _encoded(batch_id: str, record: dict[str, Any]) -> tuple[str, bytes] | None:
    """The record's text and digest; None (logged, not saved) if JSON cannot hold it."""
    try:
        text = encode_record(record)
    except (ValueError, TypeError, RecursionError) as error:
        log.info("the state of %s cannot be saved: %s", batch_id, error)
        return None
    return text, record_digest(text)
