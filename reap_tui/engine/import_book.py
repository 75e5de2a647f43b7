"""The engine's bookkeeping of imports: which batch is next in line, when each import last moved,
and which have stalled.

An import is a named group of batches in upload order. Reap's processor takes a business's
pending batches in order, so most of an import's batches wait `pending` behind the others for
hours; what matters is whether the import as a whole is moving. An import whose batches have
all gone `stall_after` seconds without a change (status or processed count) is stalled until
one of them changes again (`engine.imports.stall_deadline`: the rule the import's numbers use).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from reap_tui.api.models import StatusKind
from reap_tui.clock import Clock
from reap_tui.engine.cadence import ImportFacts
from reap_tui.engine.imports import stall_deadline
from reap_tui.engine.state import BatchState
from reap_tui.store.imports import Import, positions


@dataclass(frozen=True)
class ImportMembership:
    """A batch's place in an import: the import's name and the batch's position in upload
    order (0 is the first chunk)."""

    name: str
    position: int


def memberships(imports: Iterable[Import], base_url: str) -> dict[str, ImportMembership]:
    """Each batch's place in its import, for the imports of the host at `base_url` (a name is
    unique only per host): what `WatchTarget.in_import` is filled from."""
    mine = (each for each in imports if each.base_url == base_url)
    return {
        batch_id: ImportMembership(name, position)
        for batch_id, (name, position) in positions(mine).items()
    }


@dataclass(frozen=True)
class ImportActivity:
    """What the engine knows about one import at a moment."""

    name: str
    batch_ids: tuple[str, ...]
    """In upload order."""
    last_progress_at: float | None
    """When any of its batches last changed (status or processed count), as checks saw it."""
    stalled_since: float | None
    """Set while no batch has changed for `stall_after` seconds and some are unfinished."""

    @property
    def stalled(self) -> bool:
        return self.stalled_since is not None


@dataclass
class _Member:
    position: int
    state: BatchState

    @property
    def waiting_to_start(self) -> bool:
        """Pending as far as anyone knows (never answered counts: it may well be)."""
        kind = self.state.status_kind
        if kind is None:
            return not self.state.phase.is_done
        return kind is StatusKind.PENDING

    @property
    def unfinished(self) -> bool:
        return not self.state.phase.is_done


@dataclass
class _Import:
    name: str
    members: dict[str, _Member] = field(default_factory=dict)
    last_progress_at: float | None = None
    stalled_since: float | None = None

    def in_order(self) -> list[tuple[str, _Member]]:
        return sorted(self.members.items(), key=lambda item: (item[1].position, item[0]))

    def next_in_line(self) -> str | None:
        return next((b for b, m in self.in_order() if m.waiting_to_start), None)

    def stall_deadline(self, stall_after: float) -> float | None:
        if self.stalled_since is not None:
            return None
        unfinished = any(m.unfinished for m in self.members.values())
        return stall_deadline(self.last_progress_at, unfinished, stall_after)

    def snapshot(self) -> ImportActivity:
        return ImportActivity(
            self.name,
            tuple(b for b, _ in self.in_order()),
            self.last_progress_at,
            self.stalled_since,
        )


class ImportBook:
    """Every import the engine watches. `observe` is told of each batch state published; a
    task flags imports as stalled when their time comes, and `on_change` hears of each flip."""

    def __init__(
        self, clock: Clock, stall_after: float, on_change: Callable[[ImportActivity], None]
    ) -> None:
        self._clock = clock
        self._stall_after = stall_after
        self._on_change = on_change
        self._imports: dict[str, _Import] = {}
        self._membership: dict[str, str] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def join(self, state: BatchState, membership: ImportMembership) -> None:
        """Must be called inside the running event loop."""
        entry = self._imports.setdefault(membership.name, _Import(membership.name))
        entry.members[state.batch_id] = _Member(membership.position, state)
        self._membership[state.batch_id] = membership.name
        self._note_progress(entry, state.last_change_at)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._flag_stalls(), name="import stall watch"
            )
        self._wake.set()

    def leave(self, batch_id: str) -> tuple[str, ...]:
        """No longer watched. Returns the new next in line, if that changed."""
        name = self._membership.pop(batch_id, None)
        if name is None:
            return ()
        entry = self._imports[name]
        before = entry.next_in_line()
        del entry.members[batch_id]
        if not entry.members:
            del self._imports[name]
            return ()
        self._recheck(entry)
        after = entry.next_in_line()
        return (after,) if after is not None and after != before else ()

    def observe(self, state: BatchState) -> tuple[str, ...]:
        """A member's new state. Returns the batches that may now be due the documented rate
        rather than the slow one: a new next in line, or all of an import that moves again."""
        name = self._membership.get(state.batch_id)
        if name is None:
            return ()
        entry = self._imports[name]
        before = entry.next_in_line()
        was_stalled = entry.stalled_since is not None
        entry.members[state.batch_id].state = state
        self._note_progress(entry, state.last_change_at)
        self._recheck(entry)
        if was_stalled and entry.stalled_since is None:
            return tuple(entry.members)
        after = entry.next_in_line()
        return (after,) if after is not None and after != before else ()

    def facts(self, batch_id: str) -> ImportFacts | None:
        name = self._membership.get(batch_id)
        if name is None:
            return None
        entry = self._imports[name]
        return ImportFacts(
            last_progress_at=entry.last_progress_at,
            next_in_line=entry.next_in_line() == batch_id,
            stalled=entry.stalled_since is not None,
        )

    @property
    def states(self) -> Mapping[str, ImportActivity]:
        return {name: entry.snapshot() for name, entry in self._imports.items()}

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # -- stalls ----------------------------------------------------------------------------

    def _note_progress(self, entry: _Import, changed_at: float | None) -> None:
        if changed_at is None:
            return
        if entry.last_progress_at is None or changed_at > entry.last_progress_at:
            entry.last_progress_at = changed_at
            moving = changed_at + self._stall_after > self._clock.now()
            if entry.stalled_since is not None and moving:
                entry.stalled_since = None
                self._on_change(entry.snapshot())
            self._wake.set()

    def _recheck(self, entry: _Import) -> None:
        """A stall ends when nothing is left unfinished, too."""
        if entry.stalled_since is not None and not any(
            m.unfinished for m in entry.members.values()
        ):
            entry.stalled_since = None
            self._on_change(entry.snapshot())

    async def _flag_stalls(self) -> None:
        while True:
            now = self._clock.now()
            deadlines: list[float] = []
            for entry in self._imports.values():
                deadline = entry.stall_deadline(self._stall_after)
                if deadline is None:
                    continue
                if deadline <= now:
                    entry.stalled_since = deadline
                    self._on_change(entry.snapshot())
                else:
                    deadlines.append(deadline)
            await self._sleep_until(min(deadlines, default=None))

    async def _sleep_until(self, at: float | None) -> None:
        if at is None:
            await self._wake.wait()
        else:
            sleeper = asyncio.ensure_future(self._clock.sleep(at - self._clock.now()))
            waker = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait((sleeper, waker), return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()
        self._wake.clear()
