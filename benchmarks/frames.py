"""When a Textual app paints its screen: the moment a frame exists, headless or not.

Textual hands every frame (the compositor's update) to `App._display`, which a headless app
then discards; wrapping it is the one place that sees each frame go out. A frame inside
`batch_update()` is held back by Textual, so it is not counted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual.app import App


class Frames:
    def __init__(self, app: App[Any], shows: Callable[[], bool] = lambda: True) -> None:
        """`first_at`/`first_cpu`: wall and CPU time of the first frame painted while `shows()`
        holds (the content being waited for is in place)."""
        self.first_at: float | None = None
        self.first_cpu: float | None = None
        self._shows = shows
        self._first = asyncio.Event()
        self._waiters: list[asyncio.Future[float]] = []
        display = app._display

        def painted(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is None or app._batch_count:
                return
            now = time.perf_counter()
            if self.first_at is None and self._shows():
                self.first_at, self.first_cpu = time.time(), time.process_time()
                self._first.set()
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(now)

        app._display = painted  # type: ignore[method-assign]

    async def first(self) -> None:
        await self._first.wait()

    def next(self) -> asyncio.Future[float]:
        """The `perf_counter` time of the next frame painted after this call."""
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        return waiter
