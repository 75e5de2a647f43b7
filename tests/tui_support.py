"""Shared by tests/test_tui*.py: the demo dashboard on a fake clock, a stub engine, waiting."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget

from reap_tui.api.client import ReapClient
from reap_tui.apikey import ApiKey
from reap_tui.clock import FakeClock
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.engine import EngineHealth
from reap_tui.engine.poller import WatchTarget
from reap_tui.engine.state import BatchState
from reap_tui.store import Entry, WatchList
from reap_tui.store.model import Source
from reap_tui.tui.app import DashboardApp, DashboardConfig

STUB_URL = "http://127.0.0.1:9"


async def wait_for(
    pilot: Pilot[None],
    condition: Callable[[], bool],
    *,
    clock: FakeClock | None = None,
    step: float = 0.25,
    tries: int = 300,
) -> None:
    """Let the app run (moving the fake clock by `step` each time) until `condition` holds."""
    for _ in range(tries):
        if condition():
            return
        if clock is not None:
            clock.advance(step)
        await pilot.pause(0.03)
    raise AssertionError("condition never became true")


@dataclass
class StubEngine:
    """Publishes whatever states the test gives it; records what the app asked for."""

    on_state: Callable[[BatchState], None]
    canned: Mapping[str, BatchState]
    calls: list[tuple[str, str]] = field(default_factory=list)
    health: EngineHealth = field(default_factory=lambda: EngineHealth(0, 0, None, None))
    states: dict[str, BatchState] = field(default_factory=dict)
    cadence: CadenceConfig = field(default_factory=CadenceConfig)
    targets: list[WatchTarget] = field(default_factory=list)

    def watch(self, target: WatchTarget) -> None:
        self.targets.append(target)
        state = self.canned.get(target.batch_id) or BatchState(target.batch_id, target.label)
        self.publish(state)

    def publish(self, state: BatchState) -> None:
        self.states[state.batch_id] = state
        self.on_state(state)

    def unwatch(self, batch_id: str) -> None:
        self.calls.append(("unwatch", batch_id))
        self.states.pop(batch_id, None)

    def __getattr__(self, name: str) -> Callable[..., None]:
        if name in ("check_now", "check_all", "pause", "resume", "pause_all", "resume_all"):
            return lambda *args: self.calls.append((name, *args))  # type: ignore[arg-type]
        raise AttributeError(name)

    def set_api_key(self, client: ReapClient, key: ApiKey | None) -> None:
        self.calls.append(("set_api_key", "<key>"))

    async def aclose(self) -> None:
        self.calls.append(("aclose", ""))


def stub_app(
    states: Iterable[BatchState],
    watchlist_path: Path,
    clock: FakeClock,
    *,
    config: DashboardConfig | None = None,
) -> tuple[DashboardApp, list[StubEngine]]:
    """The dashboard over a stub engine publishing `states` (watched through a real list)."""
    canned = {state.batch_id: state for state in states}
    watchlist = WatchList.open(watchlist_path, clock)
    watchlist.add_many(
        [
            Entry(s.batch_id, clock.now(), Source.MANUAL, "sandbox", STUB_URL, label=s.label)
            for s in canned.values()
        ]
    )
    engines: list[StubEngine] = []

    def factory(on_state: Callable[[BatchState], None]) -> StubEngine:
        engines.append(StubEngine(on_state, canned))
        return engines[-1]

    app = DashboardApp(
        clock=clock,
        client=ReapClient(STUB_URL, "stub-key", clock=clock),
        engine_factory=factory,  # type: ignore[arg-type]
        watchlist=watchlist,
        config=config or DashboardConfig(environment="sandbox", key_state="••••1234", utc=True),
    )
    return app, engines


def seeded() -> random.Random:
    return random.Random(7)


def drawn_lines(widget: Widget) -> list[int]:
    """The lines `widget` draws from now on (each `render_line` call's y), as they are drawn."""
    drawn: list[int] = []
    draw = widget.render_line

    def counted(y: int) -> Strip:
        drawn.append(y)
        return draw(y)

    widget.render_line = counted  # type: ignore[method-assign]
    return drawn
