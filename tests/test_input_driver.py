"""The dashboard's key reader: keys and a lone Escape arrive as with Textual's own driver, yet
the thread sleeps while nobody types, ends when the app does, and stops reading a terminal
that hung up or an input that is /dev/null instead of spinning on it."""

from __future__ import annotations

import contextlib
import os
import pty
import selectors
import signal
import threading
import time
import tty
from collections.abc import Iterator
from typing import Any

import pytest
from textual import events
from textual.app import App

from reap_tui.tui import input_driver
from reap_tui.tui.input_driver import QuietLinuxDriver

from .sandbox_support import wait_until


class _Waits:
    """Every timeout the input thread's selector was asked to wait for."""

    def __init__(self) -> None:
        self.timeouts: list[float | None] = []


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> _Waits:
    seen = _Waits()

    class CountingSelector(selectors.SelectSelector):
        def select(self, timeout: float | None = None) -> Any:
            seen.timeouts.append(timeout)
            return super().select(timeout)

    monkeypatch.setattr(input_driver.selectors, "SelectSelector", CountingSelector)
    return seen


class _Reader:
    """A QuietLinuxDriver reading `fd` in its thread, keeping the events it would post (made
    in a running event loop, as Textual makes its driver; the loop is not needed after)."""

    def __init__(self, fd: int) -> None:
        self.driver = QuietLinuxDriver(App(), mouse=False, size=(80, 24))
        self.driver.fileno = fd
        self.events: list[Any] = []
        self.driver.process_message = self.events.append  # type: ignore[method-assign]
        self.start()

    def start(self) -> None:
        self.thread = threading.Thread(target=self.driver.run_input_thread, daemon=True)
        self.driver._key_thread = self.thread  # as `start_application_mode` keeps it
        self.thread.start()

    def suspend(self) -> None:
        """As Ctrl-Z does: Textual's driver stops its input thread and is closed."""
        self.driver.disable_input()
        self.driver.close()

    def keys(self) -> list[str]:
        return [event.key for event in self.events if isinstance(event, events.Key)]

    def stop(self) -> None:
        self.driver.exit_event.set()
        self.thread.join(timeout=5)
        self.driver.close()


@pytest.fixture(autouse=True)
def _signal_handlers() -> Iterator[None]:
    """Textual's driver puts in SIGTSTP and SIGCONT handlers; each test gives them back."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTSTP, signal.SIGCONT)}
    yield
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


@pytest.fixture
def terminal() -> Iterator[tuple[int, int]]:
    master, slave = pty.openpty()
    tty.setraw(slave)  # as the app sets its terminal: each key readable as typed
    yield master, slave
    for fd in (master, slave):
        with contextlib.suppress(OSError):
            os.close(fd)


@contextlib.contextmanager
def reading(fd: int) -> Iterator[_Reader]:
    """A reader for the test's length; at its end the app ends, and so must the thread."""
    reader = _Reader(fd)
    try:
        yield reader
    finally:
        reader.stop()
    assert not reader.thread.is_alive()


def _blocked(waits: _Waits) -> bool:
    """The thread is in a wait with no timeout."""
    return bool(waits.timeouts) and waits.timeouts[-1] is None


def assert_asleep(waits: _Waits) -> None:
    """The thread waits with no timeout, and does not wake while nothing comes."""
    wait_until(lambda: _blocked(waits))
    settled = len(waits.timeouts)
    time.sleep(0.3)
    assert len(waits.timeouts) == settled


async def test_keys_and_a_lone_escape_arrive_and_the_thread_sleeps_between(
    terminal: tuple[int, int], waits: _Waits, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(input_driver, "TICK_AFTER_INPUT", 0.3)
    master, slave = terminal
    with reading(slave) as reader:
        assert_asleep(waits)
        assert waits.timeouts == [None]  # nothing typed: one wait, no wakes
        os.write(master, b"j")
        wait_until(lambda: reader.keys() == ["j"])
        os.write(master, b"\x1b")  # Escape alone is told only once no sequence follows
        wait_until(lambda: reader.keys() == ["j", "escape"])
        assert 0.1 in waits.timeouts  # the parser was ticked while input was recent
        assert_asleep(waits)  # until the next key


async def test_the_app_ending_wakes_the_sleeping_thread(
    terminal: tuple[int, int], waits: _Waits
) -> None:
    with reading(terminal[1]):
        wait_until(lambda: _blocked(waits))


async def test_a_terminal_that_hung_up_is_read_no_more(
    terminal: tuple[int, int], waits: _Waits
) -> None:
    master, slave = terminal
    with reading(slave) as reader:
        wait_until(lambda: _blocked(waits))
        os.close(master)  # the terminal's other end is gone: every read is end-of-file
        wait_until(lambda: len(waits.timeouts) >= 2)
        assert_asleep(waits)  # Textual's loop selects again at once, for ever
        assert reader.thread.is_alive()


async def test_input_from_dev_null_is_not_spun_on(waits: _Waits) -> None:
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        with reading(null):
            assert_asleep(waits)
            assert len(waits.timeouts) == 2  # the first read's end-of-file, then the app's end
    finally:
        os.close(null)


async def test_keys_are_read_again_after_a_suspend(
    terminal: tuple[int, int], waits: _Waits
) -> None:
    master, slave = terminal
    with reading(slave) as reader:
        wait_until(lambda: _blocked(waits))
        reader.suspend()
        assert not reader.thread.is_alive()
        reader.start()  # resumed (fg): Textual starts a new input thread on the same driver
        os.write(master, b"k")
        wait_until(lambda: reader.keys() == ["k"])
