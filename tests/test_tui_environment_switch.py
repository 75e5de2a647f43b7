"""Other environments of the watch list: named over the table, shown with `e`, each with its own
key. Two sandboxes with different keys over loopback stand for two Reap environments; their
request logs prove which key went where."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from reap_tui.api.client import ReapClient
from reap_tui.clock import FakeClock
from reap_tui.commands.dashboard import engine_factory
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.limiter import Limits
from reap_tui.sandbox import SandboxServer, ScriptedBatch
from reap_tui.store import WatchList
from reap_tui.tui.app import DashboardApp, DashboardConfig
from reap_tui.tui.header import DashboardHeader
from reap_tui.tui.screens import ApiKeyScreen

from .conftest import START
from .engine_support import batch_id_of
from .tui_support import seeded, wait_for

KEY_HERE = "sk-sandbox-here-0123456789"
KEY_THERE = "sk-staging-there-0123456789"
PRODUCTION = "https://compliance.api.reap.global"


def batches(first: int, count: int) -> list[ScriptedBatch]:
    return [
        ScriptedBatch(batch_id_of(n), created_at=START - 3600) for n in range(first, first + count)
    ]


def dashboard(
    clock: FakeClock, here: SandboxServer, listing: Path, cadence: CadenceConfig
) -> DashboardApp:
    return DashboardApp(
        clock=clock,
        client=ReapClient(here.base_url, KEY_HERE, clock=clock),
        engine_factory=engine_factory(clock, cadence, Limits(), seeded()),
        watchlist=WatchList.open(listing, clock),
        config=DashboardConfig(environment="sandbox", key_state="••••6789", utc=True),
    )


def elsewhere(app: DashboardApp) -> str:
    line = app.query_one("#elsewhere", Static)
    return str(line.content) if line.display else ""


async def test_e_shows_another_environment_without_sending_it_this_key(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    ours, theirs = batches(0, 2), batches(10, 3)
    listing = tmp_path / "watchlist.toml"
    with (
        SandboxServer(clock, api_key=KEY_HERE, batches=ours) as here,
        SandboxServer(clock, api_key=KEY_THERE, batches=theirs) as there,
    ):
        watchlist = WatchList.open(listing, clock)
        for batch in ours:
            watchlist.add(batch.batch_id, environment="sandbox", base_url=here.base_url)
        for batch in theirs:
            watchlist.add(batch.batch_id, environment="staging", base_url=there.base_url)
        app = dashboard(clock, here, listing, CadenceConfig())
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: app.table.row_count == 2, clock=clock)
            assert elsewhere(app) == "3 batches in staging, not shown: press e to switch"
            assert not any("another environment" in t.message for t in app._notifications)

            await pilot.press("e")
            their_ids = {batch.batch_id for batch in theirs}
            await wait_for(pilot, lambda: set(app.table.row_keys) == their_ids, clock=clock)
            clock.advance(600)
            await pilot.pause(0.5)
            for batch_id in their_ids:
                assert app.table.cell_text(batch_id, "next") == "key needed (k)"
            assert there.request_log == [], "this environment's key is never sent there"
            assert elsewhere(app) == "2 batches in sandbox, not shown: press e to switch"
            assert "STAGING" in str(app.query_one("#header", DashboardHeader).content)

            await pilot.press("k")
            assert isinstance(app.screen, ApiKeyScreen)
            await pilot.press(*KEY_THERE, "enter")
            await wait_for(
                pilot,
                lambda: all(app.engine.states[b].checks_made > 0 for b in their_ids),
                clock=clock,
                step=5,
            )
            assert {request.auth for request in there.request_log} == {"ok"}

            await pilot.press("e")
            our_ids = {batch.batch_id for batch in ours}
            await wait_for(pilot, lambda: set(app.table.row_keys) == our_ids, clock=clock)
            asked = len(here.request_log)
            await pilot.press("R")
            await wait_for(pilot, lambda: len(here.request_log) >= asked + 2, clock=clock)
        assert {request.auth for request in here.request_log} == {"ok"}
        assert {request.auth for request in there.request_log} == {"ok"}


async def test_a_run_faster_than_documented_never_shows_a_real_host(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    ours = batches(0, 1)
    listing = tmp_path / "watchlist.toml"
    with SandboxServer(clock, api_key=KEY_HERE, batches=ours) as here:
        watchlist = WatchList.open(listing, clock)
        watchlist.add(ours[0].batch_id, environment="sandbox", base_url=here.base_url)
        watchlist.add(batch_id_of(50), environment="production", base_url=PRODUCTION)
        app = dashboard(clock, here, listing, CadenceConfig().scaled(20))
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: app.table.row_count == 1, clock=clock)
            assert elsewhere(app) == "1 batch in production, not shown: press e to switch"
            await pilot.press("e")
            await pilot.pause(0.2)
            assert app.table.row_keys == (ours[0].batch_id,)
            assert any("not polled by this run" in t.message for t in app._notifications)
