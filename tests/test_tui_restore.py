"""Start-up from a saved watch list: the last known state shows at once, finished batches
are never checked again, and a batch checked moments before a restart keeps its 30 s."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from reap_tui.api.client import ReapClient
from reap_tui.clock import FakeClock
from reap_tui.commands.dashboard import engine_factory
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.limiter import Limits
from reap_tui.engine.state import Phase
from reap_tui.sandbox import Fault, SandboxServer, ScriptedBatch
from reap_tui.store import Snapshot, WatchList
from reap_tui.tui.app import DashboardApp, DashboardConfig

from .conftest import START
from .tui_support import seeded, wait_for

DONE = "11111111-1111-4111-8111-111111111111"
RUNNING = "22222222-2222-4222-8222-222222222222"


def saved_list(path: Path, clock: FakeClock, base_url: str) -> None:
    watchlist = WatchList.open(path, clock)
    created = datetime.fromtimestamp(START - 900, tz=UTC)
    for batch_id, label, phase, status, processed in (
        (DONE, "Yesterday", Phase.COMPLETED, "completed", 50),
        (RUNNING, "Tonight", Phase.POLLING, "in_progress", 1234),
    ):
        watchlist.add(batch_id, environment="custom", base_url=base_url, label=label)
        watchlist.update_snapshot(
            batch_id,
            Snapshot(
                phase=phase,
                status=status,
                total_records=5000 if batch_id == RUNNING else 50,
                processed_records=processed,
                failed_records=0,
                successful_records=processed,
                created_at=created,
                updated_at=created,
                started_at=created,
                completed_at=created if batch_id == DONE else None,
                checked_at=START - 5,
            ),
        )
    watchlist.close()


async def test_the_saved_state_shows_before_any_answer_and_done_batches_stay_done(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START, auto_advance=False)
    running = ScriptedBatch(
        RUNNING, total_records=5000, created_at=START - 900, rate=2, faults={1: Fault.slow(3)}
    )
    with SandboxServer(clock, batches=[running]) as server:
        listing = tmp_path / "watchlist.toml"
        saved_list(listing, clock, server.base_url)
        app = DashboardApp(
            clock=clock,
            client=ReapClient(server.base_url, server.api_key, clock=clock),
            engine_factory=engine_factory(clock, CadenceConfig(), Limits(), seeded()),
            watchlist=WatchList.open(listing, clock),
            config=DashboardConfig(environment="custom"),
        )
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
