"""Start-up: the saved states are on screen before the engine exists (so before any request), a
quit before the engine started sends nothing and keeps the watch list and the state database
as they were, and a key that needs the engine sooner starts it. Against the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reap_tui.api.client import ReapClient
from reap_tui.clock import FakeClock
from reap_tui.commands.dashboard import engine_factory
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.engine import Engine
from reap_tui.engine.limiter import Limits
from reap_tui.engine.state import BatchState
from reap_tui.sandbox import SandboxServer, ScriptedBatch
from reap_tui.store import WatchList
from reap_tui.store.statedb import StateDB, state_db_path
from reap_tui.tui import app as app_module
from reap_tui.tui.app import DashboardApp, DashboardConfig

from .conftest import START
from .saved_batches import DONE, RUNNING, saved_list
from .tui_support import seeded, wait_for


def saved_texts(listing: Path, clock: FakeClock) -> dict[str, str]:
    """Each batch's record in the state database, as saved."""
    db = StateDB.open(state_db_path(listing), clock, read_only=True)
    try:
        return {batch_id: row.text for batch_id, row in db.read().items()}
    finally:
        db.close()


class HeldDashboard(DashboardApp):
    """The dashboard whose engine does not start after the first screen while `held`: what a
    user who quits (or presses a key) at that first screen meets."""

    CSS_PATH = Path(app_module.__file__).with_name("dashboard.tcss")
    held = True

    def _start_engine(self) -> None:
        if not self.held:
            super()._start_engine()


def dashboard(
    clock: FakeClock,
    server: SandboxServer,
    listing: Path,
    made: Callable[[], None] = lambda: None,
    *,
    kind: type[DashboardApp] = DashboardApp,
) -> DashboardApp:
    """The dashboard on `listing`; `made()` is called as its engine is made."""
    make = engine_factory(clock, CadenceConfig(), Limits(), seeded())

    def factory(on_state: Callable[[BatchState], None]) -> Engine:
        made()
        return make(on_state)

    return kind(
        clock=clock,
        client=ReapClient(server.base_url, server.api_key, clock=clock),
        engine_factory=factory,
        watchlist=WatchList.open(listing, clock),
        config=DashboardConfig(environment="custom"),
    )


def running_batch() -> ScriptedBatch:
    return ScriptedBatch(RUNNING, total_records=5000, created_at=START - 900, rate=2)


async def test_the_saved_states_are_on_screen_before_the_engine_is_made(tmp_path: Path) -> None:
    clock = FakeClock(START + 60, auto_advance=False)
    with SandboxServer(clock, batches=[running_batch()]) as server:
        listing = tmp_path / "watchlist.toml"
        saved_list(listing, clock, server.base_url)
        when_made: list[tuple[dict[str, str], int, int]] = []

        def made() -> None:
            table = app.table
            shown = {key: table.cell_text(key, "status") for key in table.row_keys}
            when_made.append((shown, table.size.height, len(server.request_log)))

        app = dashboard(clock, server, listing, made)
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: len(server.request_log) > 0, clock=clock)
            await pilot.press("q")

    [(shown, height, requests)] = when_made
    assert shown == {DONE: "✓ completed", RUNNING: "▶ in progress"}
    assert height > 0, "the table was laid out (drawn) before the engine was made"
    assert requests == 0
    assert {record.batch_id for record in server.request_log} == {RUNNING}


async def test_a_quit_before_the_engine_started_sends_nothing_and_keeps_both_files(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START + 60, auto_advance=False)
    with SandboxServer(clock, batches=[running_batch()]) as server:
        listing = tmp_path / "watchlist.toml"
        saved_list(listing, clock, server.base_url)
        watchlist_bytes = listing.read_bytes()
        before = saved_texts(listing, clock)
        made: list[bool] = []

        app = dashboard(clock, server, listing, lambda: made.append(True), kind=HeldDashboard)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause(0.2)
            assert app.table.cell_text(RUNNING, "status") == "▶ in progress"
            await pilot.press("q")
        assert made == [] and server.request_log == []
        assert app.return_code in (None, 0) and app.save_error == ""
        assert listing.read_bytes() == watchlist_bytes
        assert saved_texts(listing, clock) == before

        again = dashboard(clock, server, listing, kind=HeldDashboard)  # shows what was kept
        async with again.run_test(size=(120, 36)) as pilot:
            await pilot.pause(0.2)
            assert again.table.cell_text(DONE, "status") == "✓ completed"
            assert "1,234" in again.table.cell_text(RUNNING, "done")
            await pilot.press("q")


async def test_a_key_that_needs_the_engine_before_it_started_starts_it(tmp_path: Path) -> None:
    clock = FakeClock(START + 60, auto_advance=False)
    with SandboxServer(clock, batches=[running_batch()]) as server:
        listing = tmp_path / "watchlist.toml"
        saved_list(listing, clock, server.base_url)
        app = dashboard(clock, server, listing, kind=HeldDashboard)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause(0.2)
            assert server.request_log == []
            app.select_batch(RUNNING)
            app.held = False  # the next start comes from the key, not the first screen
            await pilot.press("r")
            await wait_for(pilot, lambda: len(server.request_log) == 1, clock=clock)
            await wait_for(pilot, lambda: app.engine.states[RUNNING].checks_made == 4)
            await pilot.press("q")
        assert [record.batch_id for record in server.request_log] == [RUNNING]
