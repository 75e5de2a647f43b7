"""Shared fixtures: a fake clock, and the sandbox server on real loopback HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reap_tui.clock import FakeClock
from reap_tui.sandbox import SandboxServer

# 2025-10-08T11:40:00Z, the day of the documented examples.
START = 1_759_923_600.0


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
