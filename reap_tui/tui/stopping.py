"""How the dashboard ends other than by `q`: a stop signal, or its terminal gone.

SIGHUP and SIGTERM are handled in the app's event loop and end it as `q` does: every check is
awaited, the states are saved, the lease is let go, and the driver restores the terminal as at
any exit (alternate screen left, mouse tracking, focus events and bracketed paste off, cursor
shown, the window title given back, the tty's modes as they were); the process then exits 129
or 143. A signal that comes before the loop runs is kept and acted on as soon as it does.

The terminal gone: a terminal that has gone away (its pty's other end closed: the SSH connection
or the tmux pane is gone) is reported readable by every select and gives end-of-file at every
read; nothing tells the app when no SIGHUP comes (the process holding the terminal did not pass
one on, or SIGHUP is ignored). The key reader (`input_driver`) then stops reading, and Textual
has no public hook for end of input, so `HangupWatch` waits in `poll()` on the same descriptor
for none of the input events: the kernel still reports POLLHUP, POLLERR and POLLNVAL, which a
hung-up terminal (or a closed pipe) raises exactly when every read would be end-of-file. No
input is consumed and nothing runs while the terminal lives. When it fires, the program's
output is sent to /dev/null (a write to a hung-up terminal fails, and would stop Textual's
writer thread) and the app ends as for SIGHUP (129). Should the exit stall once everything is
saved, the process ends itself, having nothing left to lose.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

from reap_tui.stopping import stop_signals

EXIT_GRACE = 3.0  # seconds after the save before a stalled exit is forced
_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


class StopSignals:
    """SIGHUP/SIGTERM for the app's lifetime: kept until `attach`, then the loop's to handle."""

    def __init__(self) -> None:
        self.received: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        for signum in stop_signals():
            self._previous[signum] = signal.signal(signum, self._early)
        return self

    def _early(self, signum: int, _frame: FrameType | None) -> None:
        if self.received is None:
            self.received = signum

    def attach(self, loop: asyncio.AbstractEventLoop, on_stop: Callable[[int], None]) -> None:
        for signum in self._previous:
            loop.add_signal_handler(signum, on_stop, signum)
        if self.received is not None:
            loop.call_soon(on_stop, self.received)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)


class HangupWatch:
    """Tells `on_gone` (from its own thread) when the terminal behind `fd` has gone away; then,
    once `saved` is set, forces the exit if the process has not ended within EXIT_GRACE."""

    def __init__(self, fd: int, on_gone: Callable[[], None], exit_code: int) -> None:
        self.saved = threading.Event()
        self._fd = fd
        self._on_gone = on_gone
        self._exit_code = exit_code
        self._wake_read, self._wake_write = os.pipe()
        self._thread = threading.Thread(target=self._run, name="reap-tui hang-up", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (the app is ending by other means)."""
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"x")

    def _run(self) -> None:
        watch = select.poll()
        watch.register(self._fd, 0)  # no input events: only hang-up, error, invalid
        watch.register(self._wake_read, select.POLLIN)
        try:
            while True:
                for fd, events in watch.poll():
                    if fd == self._wake_read:
                        return
                    if events & _GONE:
                        self._gone()
                        return
        finally:
            os.close(self._wake_read)
            os.close(self._wake_write)

    def _gone(self) -> None:
        silence_dead_outputs()
        with contextlib.suppress(RuntimeError):  # the app ended meanwhile
            self._on_gone()
        self.saved.wait()
        # A normal exit ends the process, and this daemon thread with it, well before this.
        time.sleep(EXIT_GRACE)
        os._exit(self._exit_code)


def silence_dead_outputs() -> None:
    """Point stdout and stderr at /dev/null where they are a terminal (or pipe) that has gone:
    what is still written (the driver's last frames, a message at exit) goes nowhere, instead
    of failing. (The input is left as it is: Textual's input thread may be about to read it.)"""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in (1, 2):
            probe = select.poll()
            probe.register(fd, 0)
            if any(events & _GONE for _, events in probe.poll(0)):
                os.dup2(devnull, fd)
    finally:
        os.close(devnull)
