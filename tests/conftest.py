"""Shared fixtures: a fake clock, and the sandbox server on real loopback HTTP."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from reap_tui.clock import Clock, FakeClock
from reap_tui.sandbox import SandboxServer

# One profile for the whole suite: no wall-clock health checks or deadlines (a busy machine
# must not fail a test), a fixed example budget, and the same examples on every run in CI.
settings.register_profile(
    "reap-tui",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=bool(os.environ.get("CI")),
    print_blob=True,
)
settings.load_profile("reap-tui")


def _children_get_default_signals() -> None:
    """Run as a background job (`pytest &`: SIGINT ignored) or under `nohup` (SIGHUP ignored),
    the programs the tests start would inherit the ignored signals, and the tests that send
    them would wait in vain. A handled signal is reset to its default at exec; an ignored one
    is not: so handle them here (SIGHUP by doing nothing, as nohup meant)."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
        signal.signal(signal.SIGHUP, lambda _signum, _frame: None)


_children_get_default_signals()

# 2025-10-08T11:40:00Z, the day of the documented examples.
START = 1_759_923_600.0


class AheadClock:
    """Another machine's clock: `offset` seconds ahead of `inner`."""

    def __init__(self, inner: Clock, offset: float) -> None:
        self._inner = inner
        self._offset = offset

    def now(self) -> float:
        return self._inner.now() + self._offset

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START, auto_advance=False)


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxServer]]:
    """Start sandboxes on loopback; every one is stopped after the test."""
    started: list[SandboxServer] = []

    def start(clock: FakeClock, **options: Any) -> SandboxServer:
        server = SandboxServer(clock, **options)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
