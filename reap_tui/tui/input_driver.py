"""Keys read without waking when no key comes; the terminal's title given back at the end.

Textual's Linux driver reads the terminal in a thread that selects with a tenth of a second's
timeout for ever, so that it can see the app ending and time out a lone Escape. Ten wakes a
second cost about 1.5 ms of CPU a second in a real terminal, a seventh of all the dashboard
spends at a hundred batches, with nobody typing. This driver
waits without a timeout while nothing is pending: the app's end wakes it through a pipe, and
the parser is ticked at Textual's pace only for a moment after input (a lone Escape, a
half-read sequence). A terminal that gives end-of-file (it hung up, or input is /dev/null) is
read no more, where Textual's loop would spin a core; `HangupWatch` tells the app.

Everything else (the parser, key and mouse events, in-band resize, suspend and resume) is
Textual's own: the loop below is `LinuxDriver.run_input_thread` with those waits changed.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
import time
from codecs import getincrementaldecoder
from collections.abc import Iterator
from typing import Any

from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

# xterm's title stack (window and icon titles): saved before the first title is set, restored
# when the terminal is given back (at any exit, and at a suspend). Terminals without it ignore it.
SAVE_TITLE = "\x1b[22;0t"
RESTORE_TITLE = "\x1b[23;0t"
TICK_SECONDS = 0.1  # Textual's own: how often a pending Escape or sequence is looked at
TICK_AFTER_INPUT = 1.0  # seconds of ticking after the last input, then wait for the next


class _WakingEvent(threading.Event):
    """The driver's exit event: setting it also makes the pipe of the input thread that is
    waiting (if one is) readable. Each run of the thread has its own pipe (a suspended app's
    driver is closed, then started again)."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._write_fd: int | None = None

    def set(self) -> None:
        super().set()
        with self._lock:
            if self._write_fd is not None:
                with contextlib.suppress(BlockingIOError):  # the pipe is full: readable already
                    os.write(self._write_fd, b"x")

    @contextlib.contextmanager
    def wake_pipe(self) -> Iterator[int]:
        """A pipe for one run of the input thread: its end to wait on."""
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)
        with self._lock:
            self._write_fd = write_fd
        try:
            yield read_fd
        finally:
            with self._lock:  # no write after this goes to a descriptor number reused since
                self._write_fd = None
            os.close(read_fd)
            os.close(write_fd)


class QuietLinuxDriver(LinuxDriver):
    """Textual's Linux driver whose input thread sleeps until input or the app's end."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._exit = _WakingEvent()
        self.exit_event = self._exit
        self._title_saved = False

    def set_title(self, title: str) -> None:
        """The terminal window's title; the user's own comes back when the app ends."""
        if not self._title_saved:
            self._title_saved = True
            self.write(SAVE_TITLE)
        self.write(f"\x1b]2;{title}\x07")

    def stop_application_mode(self) -> None:
        if self._title_saved:
            self._title_saved = False
            self.write(RESTORE_TITLE)
        super().stop_application_mode()

    def run_input_thread(self) -> None:
        with self._exit.wake_pipe() as wake_fd:
            self._read_keys(wake_fd)

    def _read_keys(self, wake_fd: int) -> None:
        fileno = self.fileno
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        selector = selectors.SelectSelector()  # as Textual's: epoll refuses /dev/null
        selector.register(fileno, selectors.EVENT_READ)
        selector.register(wake_fd, selectors.EVENT_READ)
        tick_until = 0.0
        try:
            while not self.exit_event.is_set():
                timeout = TICK_SECONDS if time.monotonic() < tick_until else None
                for key, _mask in selector.select(timeout):
                    if key.fd == wake_fd:
                        continue  # the app is ending: the loop's test sees it
                    try:
                        data = os.read(fileno, 1024 * 4)
                    except OSError:  # EIO: the terminal is gone, as at end-of-file
                        data = b""
                    if not data:  # end of input: nothing more will come
                        selector.unregister(fileno)
                        continue
                    tick_until = time.monotonic() + TICK_AFTER_INPUT
                    for event in parser.feed(decode(data)):
                        self.process_message(event)
                for event in parser.tick():
                    self.process_message(event)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):  # as Textual's: a sequence cut off at the end
                pass
