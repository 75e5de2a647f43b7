"""The limits every poller shares, so a thousand batches never hammer the API."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass

from reap_tui.clock import Clock


@dataclass(frozen=True)
class Limits:
    """Shared by every poller, so a thousand batches never hammer the API."""

    max_in_flight: int = 4
    per_second: float = 5.0


class _Request:
    """One request's passage through the limiter: when it ended, once it has."""

    def __init__(self) -> None:
        self.ended = asyncio.Event()
        self.ended_at = 0.0


class RequestLimiter:
    """At most `max_in_flight` requests at once; starts spread 1/`per_second` apart; and a
    request starts only a second after the one `per_second` requests before it has ended, so
    that no second ever holds more than `per_second` arrivals at the server, however the
    network bunches them up. First come, first served."""

    def __init__(self, clock: Clock, limits: Limits) -> None:
        self._clock = clock
        self._in_flight_slots = asyncio.Semaphore(limits.max_in_flight)
        self._spacing = 1.0 / limits.per_second
        self._recent: deque[_Request] = deque(maxlen=max(1, math.floor(limits.per_second)))
        self._start_order = asyncio.Lock()
        self._last_start: float | None = None
        self._held_until = float("-inf")
        self.in_flight = 0
        self.waiting = 0
        self.requests_made = 0

    def hold_until(self, at: float) -> None:
        """The server asked for quiet (Retry-After): no request of any batch starts before `at`."""
        self._held_until = max(self._held_until, at)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for a turn (counted in `waiting`), then hold a slot (counted in `in_flight`)."""
        self.waiting += 1
        queued = True
        try:
            async with self._in_flight_slots:
                async with self._start_order:
                    await self._wait_for_turn()
                    request = _Request()
                    self._recent.append(request)
                    self._last_start = self._clock.now()
                self.waiting -= 1
                queued = False
                self.in_flight += 1
                self.requests_made += 1
                try:
                    yield
                finally:
                    self.in_flight -= 1
                    request.ended_at = self._clock.now()
                    request.ended.set()
        finally:
            if queued:
                self.waiting -= 1

    async def _wait_for_turn(self) -> None:
        if self._last_start is not None:
            await self._sleep_until(self._last_start + self._spacing)
        if len(self._recent) == self._recent.maxlen:
            oldest = self._recent[0]
            await oldest.ended.wait()
            await self._sleep_until(oldest.ended_at + 1.0)
        await self._sleep_until(self._held_until)

    async def _sleep_until(self, at: float) -> None:
        wait = at - self._clock.now()
        if wait > 0:
            await self._clock.sleep(wait)
