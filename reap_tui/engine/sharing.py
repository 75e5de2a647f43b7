"""A dashboard's part among the programs open on one watch list: one of them checks (one per
environment: the lease and the requests are per base URL).

The first dashboard takes the watch list's lease (`store.lease`) and is the *holder*: it polls
every batch, saves what it sees to the state database, and once a second takes what followers
asked of it (`store.requests_box`). A dashboard that finds the lease held is a *follower*: its
engine follows every batch (`Engine.follow`), showing the holder's saved states, re-read when the
database changes; what a person asks of it is left for the holder, and a check the holder has
not taken within `TAKE_WITHIN` seconds (or cannot be asked: no database, a silent holder) is
made here, once. A follower tries the lease once a second; when the holder has quit or died it
takes over: it reads the holder's last saves and polls on from them, each batch no sooner than
the cadence allows after its last check, and, if the holder ended without letting go (killed),
no sooner than `interval_min` after the takeover, since a check it made may not have been saved.

A holder first waits for any `reap-tui watch` checking the list's batches itself to stop and
save (`WatchingMark`), so it starts from those checks too. `poll()` is called once a second by
the dashboard; `wall` is the time other processes share (heartbeats, how long a request waits).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from reap_tui.clock import Clock, SystemClock
from reap_tui.engine.engine import Engine
from reap_tui.store.lease import SILENT_AFTER, Holder, Lease, LeaseUnavailable, WatchingMark
from reap_tui.store.requests_box import EVERY_BATCH, Request, RequestBox
from reap_tui.store.statedb import StateDB, state_db_path

log = logging.getLogger("reap_tui.engine")

TAKE_WITHIN = 5.0  # seconds a holder has to take a request before it is made here
WATCH_WAIT = 10.0  # seconds a new holder waits at most for a `watch` to stop checking

Notice = Callable[[str], None]


class Role(StrEnum):
    HOLDER = "holder"
    TAKING = "taking"  # holds the lease, waits for a `watch` to stop checking the list itself
    FOLLOWER = "follower"
    ALONE = "alone"  # the lease cannot be used: this program checks, whatever others do


@dataclass(frozen=True)
class Takeover:
    """This program now makes the checks; `after` is the holder before if it ended without
    letting go (killed, crashed); `after_watch`: it waited for a `reap-tui watch` to stop
    checking the list's batches (no dashboard made them before)."""

    after: Holder | None
    after_watch: bool = False


@dataclass(frozen=True)
class _Asked:
    batch_id: str
    action: str
    at: float


class Sharing:
    def __init__(
        self,
        watchlist_path: Path,
        base_url: str,
        engine: Engine,
        *,
        wall: Clock | None = None,
        on_notice: Notice | None = None,
    ) -> None:
        self.role = Role.ALONE
        self.holder: Holder | None = None  # the holder followed (follower only)
        self.problem: str | None = None  # why the lease cannot be used
        self._engine = engine
        self._wall = wall or SystemClock()
        self._notice = on_notice or _ignore
        self.base_url = base_url
        self._lease = Lease(watchlist_path, base_url, self._wall)
        self._watching = WatchingMark(watchlist_path, base_url)
        self._db_path = state_db_path(watchlist_path)
        self._box = RequestBox(self._db_path)
        self._reader: StateDB | None = None
        self._asked: dict[int, _Asked] = {}
        self._taken_at = 0.0
        self._after: Holder | None = None
        self._engine_shared = False  # the engine has followed batches for this sharing

    def start(self) -> Role:
        """Decide this program's part; call right after the engine's batches are watched (before
        anything awaits: a follower's pollers are stopped before their first check)."""
        try:
            taken = self._lease.take()
        except LeaseUnavailable as error:
            self.problem = (
                f"The watch list's lease {self._lease.path} cannot be used ({error}): if another "
                "reap-tui dashboard opens this list, both will check its batches."
            )
            return self.role
        if taken is None:
            self.role = Role.FOLLOWER
            self.holder = self._lease.holder()
            self._follow_all()
            self._read(everything=True)
            return self.role
        self._took(taken.after, at_start=True)
        return self.role

    def poll(self) -> Takeover | None:
        """Once a second: heartbeat and requests (holder), or follow the saves and try the lease
        (follower). A Takeover when this program has just begun making the checks."""
        if self.role is Role.HOLDER:
            self._lease.beat()
            for request in self._box.take(self.base_url):
                self._apply(request)
        elif self.role is Role.TAKING:
            self._lease.beat()
            return self._lead_when_watch_stopped()
        elif self.role is Role.FOLLOWER:
            return self._follow()
        return None

    def release(self) -> None:
        """At the end (or on leaving the environment), after the last save: let go, so a
        follower takes over at once; the engine polls what it is given next."""
        if self._engine_shared:
            self._engine.share_no_more()
        self._lease.release()
        self._box.close()
        if self._reader is not None:
            self._reader.close()

    # -- holder ------------------------------------------------------------------------------

    def _took(self, after: Holder | None, *, at_start: bool) -> Takeover | None:
        self._after = after
        self._taken_at = self._wall.now()
        if self._watching.anyone():
            self.role = Role.TAKING
            self._follow_all()
            return None
        return self._lead(at_start=at_start)

    def _lead_when_watch_stopped(self) -> Takeover | None:
        waited = self._wall.now() - self._taken_at
        if self._watching.anyone() and waited < WATCH_WAIT:
            return None
        if waited >= WATCH_WAIT:
            log.info("a watch kept checking this list's batches; taking over regardless")
        return self._lead(at_start=False)

    def _lead(self, *, at_start: bool) -> Takeover | None:
        """Poll every batch from the last saves. At start, without a holder before that was
        killed, the pollers already start from what was read: nothing to do."""
        was = self.role
        self.role = Role.HOLDER
        self.holder = None
        self._asked.clear()  # requests left for the old holder are this program's to take now
        if at_start and self._after is None and was is Role.ALONE:
            return None
        if not self._engine_shared:
            self._follow_all()
        self._read(everything=True)
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        engine = self._engine
        # A holder that was killed may have checked without saving; so may a `watch` that
        # would not stop: nothing before the cadence's shortest interval from now.
        unsure = self._after is not None or self._wall.now() - self._taken_at >= WATCH_WAIT
        not_before = engine.clock.now() + engine.cadence.interval_min if unsure else None
        engine.lead(None, not_before=not_before)
        return Takeover(self._after, after_watch=was is Role.TAKING and self._after is None)

    def _follow_all(self) -> None:
        self._engine.follow(None, asker=self._ask)
        self._engine_shared = True

    def _apply(self, request: Request) -> None:
        engine = self._engine
        every = request.batch_id == EVERY_BATCH
        if request.action == "check":
            engine.check_all() if every else engine.check_now(request.batch_id)
        elif request.action == "pause":
            engine.pause_all() if every else engine.pause(request.batch_id)
        elif request.action == "resume":
            engine.resume_all() if every else engine.resume(request.batch_id)
        else:
            log.info("a request this version does not know was ignored: %s", request.action)

    # -- follower ----------------------------------------------------------------------------

    def _follow(self) -> Takeover | None:
        try:
            taken = self._lease.take()
        except LeaseUnavailable as error:
            log.info("the lease cannot be taken: %s", error)
            taken = None
        if taken is not None:
            return self._took(taken.after, at_start=False)
        self.holder = self._lease.holder() or self.holder
        self._read(everything=False)
        self._expire_asks()
        return None

    def _read(self, *, everything: bool) -> None:
        """Show what the holder saved since the last read (`everything`: all of it)."""
        if self._reader is None:
            self._reader = StateDB.open(self._db_path, self._wall, read_only=True)
        reader = self._reader
        if not everything and not reader.changed():
            return
        rows = reader.read(since=0 if everything else reader.generation)
        for row in rows.values():
            self._engine.adopt(row.batch_id, row.base_url, row.record)

    def _ask(self, batch_id: str, action: str) -> bool:
        """Leave a person's request for the holder; False if it cannot be (then a check is
        made here)."""
        if self.role is not Role.FOLLOWER and self.role is not Role.TAKING:
            return False
        holder = self.holder
        if holder is not None and self._wall.now() - holder.heartbeat > SILENT_AFTER:
            self._unasked(action, f"pid {holder.pid} has not been heard from")
            return False
        request_id = self._box.ask(self.base_url, batch_id, action, self._wall.now())
        if request_id is None:
            self._unasked(action, "the request could not be left in the state database")
            return False
        self._asked[request_id] = _Asked(batch_id, action, self._wall.now())
        return True

    def _expire_asks(self) -> None:
        now = self._wall.now()
        for request_id, asked in list(self._asked.items()):
            if now - asked.at < TAKE_WITHIN:
                continue
            del self._asked[request_id]
            if not self._box.withdraw(request_id):
                continue  # taken meanwhile
            self._unasked(asked.action, f"it was not taken within {TAKE_WITHIN:.0f} s")
            if asked.action == "check":
                batch_ids = (
                    list(self._engine.states) if asked.batch_id == EVERY_BATCH else [asked.batch_id]
                )
                for batch_id in batch_ids:
                    self._engine.check_here(batch_id)

    def _unasked(self, action: str, why: str) -> None:
        who = f"pid {self.holder.pid}" if self.holder else "the dashboard that makes the checks"
        if action == "check":
            self._notice(f"Checked from here: {who} could not be asked ({why}).")
        else:
            self._notice(f"Not done: {action} is done by {who}, which could not be asked ({why}).")


def _ignore(_: str) -> None:
    pass
