"""Ending cleanly when told to: SIGHUP (the terminal or SSH session went away) and SIGTERM
(`kill`, a service manager, a closing tmux window).

Either one ends a command as Ctrl-C ends it, through the code's own `finally` blocks, so
what it holds is saved (the state database, a pending upload stays recorded) and nothing is
left half-written; it then exits 128 + the signal's number (129, 143), as a shell reports a
process ended by that signal. A SIGHUP that was already ignored when the program started
(`nohup`) stays ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Coroutine
from typing import Any

from reap_tui.exitcodes import ExitCode


def stop_signals() -> tuple[signal.Signals, ...]:
    """The signals this program ends cleanly on (SIGHUP only if it was not ignored at start)."""
    handled = [signal.SIGTERM]
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        handled.insert(0, signal.SIGHUP)
    return tuple(handled)


def exit_code_for_signal(signum: int) -> int:
    if signum == signal.SIGHUP:
        return ExitCode.HANGUP
    if signum == signal.SIGTERM:
        return ExitCode.TERMINATED
    return 128 + signum


def run_stoppable(
    work: Coroutine[Any, Any, int], on_stopped: Callable[[], None] | None = None
) -> int:
    """`asyncio.run(work)`, except that a stop signal cancels it (its `finally` blocks run),
    `on_stopped` says what was kept (on stderr, which may be gone: then nothing is said), and
    the result is that signal's exit code."""
    code, stopped = asyncio.run(_stoppable(work))
    if stopped and on_stopped is not None:
        with contextlib.suppress(OSError):
            on_stopped()
    return code


async def _stoppable(work: Coroutine[Any, Any, int]) -> tuple[int, bool]:
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)
    received: list[int] = []

    def stop(signum: int) -> None:
        if not received:
            received.append(signum)
            task.cancel()

    handled = stop_signals()
    for signum in handled:
        loop.add_signal_handler(signum, stop, signum)
    try:
        result = await task
    except asyncio.CancelledError:
        if not received:
            raise
        return exit_code_for_signal(received[0]), True
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
    # The work may have ended on its own way once cancelled: the signal still decides the code.
    return (exit_code_for_signal(received[0]), True) if received else (result, False)
