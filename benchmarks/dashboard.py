"""The real dashboard as `reap-tui` builds it, on a watch list file and a sandbox's URL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from benchmarks.fixtures import API_KEY, ENVIRONMENT
from reap_tui.api.client import ReapClient
from reap_tui.clock import Clock, SystemClock
from reap_tui.commands.dashboard import engine_factory
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.engine import Engine
from reap_tui.engine.limiter import Limits
from reap_tui.engine.state import BatchState
from reap_tui.store import WatchList
from reap_tui.tui.app import DashboardApp, DashboardConfig


class Publisher:
    """Keeps the callback the app gives its engine, so a scenario can publish states as the
    engine would."""

    def __init__(self) -> None:
        self.on_state: Callable[[BatchState], None] | None = None

    def publish(self, state: BatchState) -> None:
        assert self.on_state is not None, "the app has not started its engine yet"
        self.on_state(state)


def dashboard_app(
    watchlist: Path,
    base_url: str,
    *,
    clock: Clock | None = None,
    cadence: CadenceConfig | None = None,
    limits: Limits | None = None,
    publisher: Publisher | None = None,
) -> DashboardApp:
    clock = clock or SystemClock()
    make_engine = engine_factory(clock, cadence or CadenceConfig(), limits or Limits())

    def make(on_state: Callable[[BatchState], None]) -> Engine:
        if publisher is not None:
            publisher.on_state = on_state
        return make_engine(on_state)

    return DashboardApp(
        clock=clock,
        client=ReapClient(base_url, API_KEY, clock=clock),
        engine_factory=make,
        watchlist=WatchList.open(watchlist, clock),
        config=DashboardConfig(environment=ENVIRONMENT),
    )
