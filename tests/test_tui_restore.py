"""Start-up from the state database: the last known state shows at once, finished batches
are never checked again, a batch checked moments before a restart keeps its 30 s, and what
was seen (summary.errors, the failure, the checks) is shown again after a restart."""

from __future__ import annotations

from pathlib import Path

from reap_tui.api.client import ReapClient
from reap_tui.clock import FakeClock
from reap_tui.commands.dashboard import engine_factory
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.limiter import Limits
from reap_tui.engine.state import Phase
from reap_tui.sandbox import Fault, SandboxServer, ScriptedBatch
from reap_tui.store import WatchList
from reap_tui.tui.app import DashboardApp, DashboardConfig

from .conftest import START
from .dashboard_support import detail_text
from .saved_batches import DONE, RUNNING, saved_list
from .tui_support import seeded, wait_for


def dashboard(clock: FakeClock, server: SandboxServer, listing: Path) -> DashboardApp:
    return DashboardApp(
        clock=clock,
        client=ReapClient(server.base_url, server.api_key, clock=clock),
        engine_factory=engine_factory(clock, CadenceConfig(), Limits(), seeded()),
        watchlist=WatchList.open(listing, clock),
        config=DashboardConfig(environment="custom"),
    )


async def test_the_saved_state_shows_before_any_answer_and_done_batches_stay_done(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START, auto_advance=False)
    running = ScriptedBatch(
        RUNNING, total_records=5000, created_at=START - 900, rate=2, faults={1: Fault.slow(3)}
    )
    with SandboxServer(clock, batches=[running]) as server:
        listing = tmp_path / "watchlist.toml"
        saved_list(listing, clock, server.base_url, checked=0)
        app = dashboard(clock, server, listing)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause(0.5)
            assert server.request_log == [], "nothing asked yet: the last check was 5 s ago"
            assert app.table.cell_text(RUNNING, "status") == "▶ in progress"
            assert app.table.cell_text(DONE, "status") == "✓ completed"
            assert "1,234" in app.table.cell_text(RUNNING, "done")

            clock.advance(30)
            await wait_for(pilot, lambda: len(server.request_log) > 0)
            await wait_for(pilot, lambda: app.engine.states[RUNNING].checks_made == 1)
            clock.advance(3600)
            await pilot.pause(0.5)
        assert {r.batch_id for r in server.request_log} == {RUNNING}


FAILED = "33333333-3333-4333-8333-333333333333"
MISSING = "44444444-4444-4444-8444-444444444444"
ERRORS = ({"row": 3, "externalId": "0f1e2d3c", "message": "share token expired"}, "row 9: bad date")


async def test_summary_errors_failures_and_checks_survive_a_restart(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    failed = ScriptedBatch(
        FAILED, total_records=10, created_at=START - 600, outcome="failed", summary_errors=ERRORS
    )
    listing = tmp_path / "watchlist.toml"
    with SandboxServer(clock, batches=[failed]) as server:
        WatchList.open(listing, clock).add(FAILED, environment="custom", base_url=server.base_url)
        WatchList.open(listing, clock).add(MISSING, environment="custom", base_url=server.base_url)
        app = dashboard(clock, server, listing)
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(
                pilot,
                lambda: (
                    app.engine.states[FAILED].phase is Phase.FAILED
                    and app.engine.states[MISSING].phase is Phase.NOT_FOUND
                ),
                clock=clock,
                step=5,
            )
            before = {batch_id: app.engine.states[batch_id] for batch_id in (FAILED, MISSING)}
            app.select_batch(FAILED)
            await pilot.pause(0.3)
            failed_pane = detail_text(app)
        asked = len(server.request_log)

        again = dashboard(clock, server, listing)  # at the same moment: the same relative times
        async with again.run_test(size=(120, 36)) as pilot:
            await pilot.pause(0.3)
            after = {batch_id: again.engine.states[batch_id] for batch_id in (FAILED, MISSING)}
            again.select_batch(FAILED)
            await pilot.pause(0.3)
            assert detail_text(again) == failed_pane
            again.select_batch(MISSING)
            await pilot.pause(0.3)
            missing_pane = detail_text(again)
            clock.advance(3600)
            await pilot.pause(0.5)
        assert len(server.request_log) == asked, "finished batches are not checked again"

    status = after[FAILED].status
    assert status is not None and status.summary.errors == ERRORS
    assert "share token expired" in failed_pane and "row 9: bad date" in failed_pane
    for batch_id, seen in before.items():
        restored = after[batch_id]
        assert restored.checks_made == seen.checks_made > 0
        assert restored.recent_checks == seen.recent_checks
        assert restored.failure == seen.failure
        assert (restored.phase, restored.status) == (seen.phase, seen.status)
    failure = after[MISSING].failure
    assert failure is not None and failure.http_status == 404
    assert "0701020100" in missing_pane and "Batch not found" in missing_pane
