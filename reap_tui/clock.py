"""The one source of "now" and of sleeping, so tests can run a 30-minute cadence in milliseconds.

Times are seconds since the Unix epoch (UTC) as floats; `to_datetime` turns one into an aware
datetime for display and for comparison with the API's timestamps.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch, UTC."""
        ...

    async def sleep(self, seconds: float) -> None: ...


def to_datetime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


class SystemClock:
    """Wall-clock time; sleeping is `asyncio.sleep`."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


_WAKE_HOPS = 20


class FakeClock:
    """A clock that only moves when told to, or, with `auto_advance`, whenever every task is asleep.

    Auto-advance jumps straight to the earliest wake-up once the event loop has been left with
    nothing else to do for `settle` real seconds, so a half-hour of polling takes as long as its
    requests do. A clock cannot see network I/O: `is_idle`, when given, says whether anything
    (such as a request in flight) should hold time still.
    """

    def __init__(
        self,
        start: float,
        *,
        auto_advance: bool = True,
        settle: float = 0.001,
        is_idle: Callable[[], bool] | None = None,
    ) -> None:
        self._now = start
        self._lock = threading.Lock()
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._auto_advance = auto_advance
        self._settle = settle
        self._advancer: asyncio.Task[None] | None = None
        self.is_idle = is_idle

    def now(self) -> float:
        with self._lock:
            return self._now

    async def sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            wake = self._now + max(0.0, seconds)
            heapq.heappush(self._sleepers, (wake, next(self._order), future))
        if self._auto_advance and (self._advancer is None or self._advancer.done()):
            self._advancer = loop.create_task(self._advance_when_idle())
        await future

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every sleeper that is due."""
        with self._lock:
            self._now += max(0.0, seconds)
        self._wake_due()

    def _wake_due(self) -> None:
        with self._lock:
            due: list[asyncio.Future[None]] = []
            while self._sleepers and self._sleepers[0][0] <= self._now:
                due.append(heapq.heappop(self._sleepers)[2])
        for future in due:
            if not future.done():
                future.set_result(None)

    async def _advance_when_idle(self) -> None:
        while True:
            await asyncio.sleep(self._settle)
            # A task just woken takes a few loop iterations to run (future callbacks hop
            # through call_soon); on a loaded machine those can outlast `settle`, so give
            # them iterations, not only time, before calling the loop idle.
            for _ in range(_WAKE_HOPS):
                await asyncio.sleep(0)
            if _callbacks_ready(asyncio.get_running_loop()):
                continue  # e.g. a task that just sent its answer on and has yet to go to sleep
            if self.is_idle is not None and not self.is_idle():
                continue
            with self._lock:
                while self._sleepers and self._sleepers[0][2].done():
                    heapq.heappop(self._sleepers)
                if not self._sleepers:
                    return
                self._now = max(self._now, self._sleepers[0][0])
            self._wake_due()


def _callbacks_ready(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether some code is about to run in this loop iteration or the next. CPython's event
    loop keeps them in `_ready`; where it is not there (another loop), only the hops above and
    `is_idle` say the loop is busy."""
    ready = getattr(loop, "_ready", None)
    return bool(ready)
