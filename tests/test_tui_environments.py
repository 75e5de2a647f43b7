"""The dashboard shows and changes only the batches of its own environment (base URL)."""

from __future__ import annotations

from pathlib import Path

from reap_tui.clock import FakeClock
from reap_tui.engine.state import BatchState
from reap_tui.store import WatchList
from reap_tui.store.statedb import StateDB, state_db_path

from .conftest import START
from .tui_support import stub_app, wait_for

HERE = "f208a887-9fa6-4447-a52b-c1d6e089536f"
ELSEWHERE = "784d4045-c900-4050-aad6-8fe4c8d2fb16"
PRODUCTION = "https://compliance.api.reap.global"


async def test_adding_a_batch_watched_under_another_environment_is_refused(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START, auto_advance=False)
    listing = tmp_path / "watchlist.toml"
    WatchList.open(listing, clock).add(
        ELSEWHERE, environment="production", base_url=PRODUCTION, label="Live run"
    )
    app, engines = stub_app([BatchState(HERE, "Sandbox run")], listing, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.table.row_count == 1)
        await pilot.press("a", *ELSEWHERE, "enter")
        await pilot.pause(0.3)
        assert app.table.row_keys == (HERE,)
        assert ELSEWHERE not in engines[0].states, "not checked with this environment's key"
        assert any(
            "production" in toast.message and PRODUCTION in toast.message
            for toast in app._notifications
        )
    saved = WatchList.open(listing, clock).get(ELSEWHERE)
    assert saved is not None
    assert (saved.environment, saved.base_url) == ("production", PRODUCTION)
    states = StateDB.open(state_db_path(listing), clock, read_only=True)
    assert ELSEWHERE not in states.read(), "no state of this environment saved for it"
    states.close()
