"""`reap-tui watch` beside a dashboard: a batch the dashboard already polls (it is in the watch
list, and a dashboard holds the list's lease) is followed from the state database rather than
polled twice; any other batch is polled here, as it always was.

Once a second (`poll`): this program marks that it is looking (`WatchingMark`, shared), then
looks for a holder. With one, the listed batches it was polling itself are handed over: their
states saved to the database, then the mark let go, so the holder, which waits for the mark to
be free before its first check, starts from them. Without one, the listed batches are polled
here (the mark held meanwhile) once `TAKEOVER_GRACE` has passed without a holder (a following
dashboard takes the lease within a second of the holder's end), and never sooner than the
cadence's shortest interval after the holder was last seen, since a check it made may not
have been saved. The states of listed batches polled here are saved for the next holder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from reap_tui.engine.engine import Engine
from reap_tui.engine.snapshots import record_of
from reap_tui.engine.state import BatchState
from reap_tui.store import WatchList, WatchListError
from reap_tui.store.lease import HEARTBEAT_INTERVAL, Lease, LeaseUnavailable, WatchingMark
from reap_tui.store.outside_edits import ListWatcher
from reap_tui.store.state_rows import SaveOutcome, StateRow, encode_record, record_digest
from reap_tui.store.statedb import StateDB, state_db_path

TAKEOVER_GRACE = 5.0  # seconds without a holder before listed batches are polled here


class WatchSharing:
    def __init__(
        self, watchlist_path: Path, engine: Engine, batch_ids: Iterable[str], base_url: str
    ) -> None:
        self._path = watchlist_path
        self._engine = engine
        self._mine = frozenset(batch_ids)
        self._base_url = base_url
        self._lease = Lease(watchlist_path, base_url, engine.clock)
        self._mark = WatchingMark(watchlist_path, base_url)
        self._db_path = state_db_path(watchlist_path)
        self._reader: StateDB | None = None
        self._writer: StateDB | None = None
        self._written: dict[str, bytes] = {}
        self._saved: dict[str, BatchState] = {}  # the state each digest was taken of
        self._watcher: ListWatcher | None = None
        self._lost_at: float | None = None  # when a holder was first seen gone
        self.problem: str | None = None  # why the watch list could not be read

    def start(self) -> None:
        """Call right after the engine's batches are watched, before anything awaits: batches
        a dashboard polls are followed before their first check here."""
        holder = self._lease.holder()  # a holder's file left behind: it ended without letting go
        if holder is not None:
            # It was alive at its last heartbeat, and wrote one every HEARTBEAT_INTERVAL.
            last_alive = holder.heartbeat + 2 * HEARTBEAT_INTERVAL
            self._lost_at = min(self._engine.clock.now(), last_alive)
        self.poll(starting=True)

    def poll(self, *, starting: bool = False) -> None:
        listed = self._listed()
        if not listed:
            self._mark.let_go()
            return
        self._mark.hold()  # before looking: a holder taking the lease after the look waits
        try:
            alive = self._lease.held_elsewhere()
        except LeaseUnavailable:
            alive = False
        engine = self._engine
        now = engine.clock.now()
        if alive:
            self._lost_at = None
            mine = [batch_id for batch_id in listed if not engine.follows(batch_id)]
            self._save(mine)
            engine.follow(mine)
            self._mark.let_go()
            self._read()
            return
        followed = [batch_id for batch_id in listed if engine.follows(batch_id)]
        if followed and self._lost_at is None:
            self._lost_at = now  # the holder has just gone: it was alive at the last look
        lost = self._lost_at
        interval = engine.cadence.interval_min
        if followed and lost is not None and now - lost >= TAKEOVER_GRACE:
            self._read()  # the holder's last saves
            engine.lead(followed, not_before=lost + interval)
        elif starting and lost is not None:
            engine.follow(listed)  # started just after a holder was killed: its rule, too
            engine.lead(listed, not_before=lost + interval)
        polled = [batch_id for batch_id in listed if not engine.follows(batch_id)]
        if polled:
            self._save(polled)
        else:
            self._mark.let_go()

    def close(self, states: Mapping[str, BatchState]) -> None:
        """At the end (every batch final, or a stop signal), with the engine's last `states`:
        save what was polled here."""
        listed = self._listed()
        polled = [batch_id for batch_id in listed if not self._engine.follows(batch_id)]
        self._save(polled, states)
        self._mark.let_go()
        for db in (self._reader, self._writer):
            if db is not None:
                db.close()

    def _listed(self) -> list[str]:
        """This program's batches in the watch list, on its environment."""
        if self._watcher is None:
            try:
                self._watcher = ListWatcher(WatchList.open(self._path, self._engine.clock))
            except (WatchListError, OSError) as error:
                self.problem = str(error)
                return []
        else:
            self._watcher.poll()  # a file that cannot be read now: the list as it was
        entries = self._watcher.watchlist.entries
        return sorted(
            e.batch_id for e in entries if e.batch_id in self._mine and e.base_url == self._base_url
        )

    def _read(self) -> None:
        if self._reader is None:
            self._reader = StateDB.open(self._db_path, self._engine.clock, read_only=True)
        reader = self._reader
        if reader.generation and not reader.changed():
            return
        for row in reader.read(since=reader.generation).values():
            self._engine.adopt(row.batch_id, row.base_url, row.record)

    def _save(self, batch_ids: list[str], states: Mapping[str, BatchState] | None = None) -> None:
        states = self._engine.states if states is None else states
        rows = []
        for batch_id in batch_ids:
            state = states.get(batch_id)
            if state is None or state.last_checked_at is None or self._saved.get(batch_id) is state:
                continue  # states are replaced, never changed: this one is saved already
            row = _row(state, self._base_url)
            digest = record_digest(row.text or "")
            if self._written.get(batch_id) != digest:
                rows.append((row, digest, state))
            else:
                self._saved[batch_id] = state
        if not rows:
            return
        if self._writer is None:
            self._writer = StateDB.open(self._db_path, self._engine.clock)
        if self._writer.save([row for row, _, _ in rows]) is not SaveOutcome.NOT_SAVED:
            for row, digest, state in rows:
                self._written[row.batch_id] = digest
                self._saved[row.batch_id] = state


def _row(state: BatchState, base_url: str) -> StateRow:
    record = record_of(state)
    return StateRow(state.batch_id, base_url, state.last_checked_at, record, encode_record(record))
