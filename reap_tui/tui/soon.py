"""A call made a moment after it is first asked for, once for however many asks come meanwhile:
how the dashboard's changes reach the screen without a timer waking it four times a second."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable


class SoonCall:
    """`callback` called `delay` seconds after the first `ask` since its last call (a loop
    callback, in the context taken at `start`: a Textual timer for each would cost as much as
    the call itself); an exception it raises goes to `on_error`."""

    def __init__(
        self, callback: Callable[[], None], delay: float, on_error: Callable[[Exception], None]
    ) -> None:
        self._callback = callback
        self._delay = delay
        self._on_error = on_error
        self._context: contextvars.Context | None = None
        self._due: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Asks count from here on, each call made in the context current now."""
        self._context = contextvars.copy_context()

    def ask(self) -> None:
        if self._due is not None or self._context is None:
            return
        loop = asyncio.get_running_loop()
        self._due = loop.call_later(self._delay, self._call, context=self._context)

    def stop(self) -> None:
        """No call from here on, asked for or not."""
        self._context = None
        if self._due is not None:
            self._due.cancel()
            self._due = None

    def _call(self) -> None:
        self._due = None
        try:
            self._callback()
        except Exception as error:
            self._on_error(error)
