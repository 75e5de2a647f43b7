"""Throughput, ETA and the checks under way as the dashboard shows them, against the sandbox over
loopback with the real engine on a fake clock."""

from __future__ import annotations

import io
import re
from pathlib import Path

from rich.console import Console

from reap_tui.clock import FakeClock
from reap_tui.engine.state import Phase
from reap_tui.sandbox import Fault, SandboxServer, ScriptedBatch
from reap_tui.tui.app import DashboardApp
from reap_tui.tui.header import DashboardHeader

from .conftest import START
from .dashboard_support import detail_text, sandbox_dashboard
from .engine_support import batch_id_of
from .tui_support import wait_for

KEY = "sk-rates-test-0123456789"


def header_text(app: DashboardApp) -> str:
    console = Console(width=300, record=True, file=io.StringIO())
    console.print(app.query_one(DashboardHeader).content)
    return console.export_text()


async def test_a_batch_that_ran_at_420_a_minute_reads_420_a_minute_when_done(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START, auto_advance=False)
    batch = ScriptedBatch(batch_id_of(1), total_records=2100, created_at=START - 5, rate=7)
    with SandboxServer(clock, api_key=KEY, batches=[batch]) as server:
        app = sandbox_dashboard(clock, server.base_url, KEY, [batch.batch_id], tmp_path / "w.toml")
        async with app.run_test(size=(200, 50)) as pilot:
            await wait_for(
                pilot,
                lambda: app.engine.states[batch.batch_id].phase is Phase.COMPLETED,
                clock=clock,
                step=5,
                tries=600,
            )
            await pilot.pause(0.4)
            assert app.table.cell_text(batch.batch_id, "rate") == "420/min"
            assert app.table.cell_text(batch.batch_id, "eta") == "—"
            assert "Throughput 420/min" in detail_text(app)


async def test_a_check_by_hand_just_after_another_never_reads_zero(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    # One record every 100 s: two checks five seconds apart see the same count.
    slow = ScriptedBatch(batch_id_of(2), total_records=100, created_at=START - 1000, rate=0.01)
    with SandboxServer(clock, api_key=KEY, batches=[slow]) as server:
        app = sandbox_dashboard(clock, server.base_url, KEY, [slow.batch_id], tmp_path / "w.toml")
        async with app.run_test(size=(200, 50)) as pilot:

            def checks() -> int:
                return app.engine.states[slow.batch_id].checks_made

            await wait_for(pilot, lambda: checks() == 1, clock=clock)
            clock.advance(5)
            await pilot.press("r")
            await wait_for(pilot, lambda: checks() == 2, clock=clock)
            await pilot.pause(0.4)
            assert app.table.cell_text(slow.batch_id, "rate") == "0.6/min"


async def test_the_header_counts_checks_in_the_words_of_the_rows(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    batches = [
        ScriptedBatch(batch_id_of(10 + n), created_at=START - 3600, faults={1: Fault.slow(3.0)})
        for n in range(8)
    ]
    ids = [batch.batch_id for batch in batches]
    with SandboxServer(clock, api_key=KEY, batches=batches) as server:
        app = sandbox_dashboard(
            clock, server.base_url, KEY, ids, tmp_path / "w.toml", read_timeout=10
        )
        async with app.run_test(size=(200, 50)) as pilot:

            def agrees() -> bool:
                words = [app.table.cell_text(batch_id, "next") for batch_id in ids]
                found = re.search(r"(\d+) checking, (\d+) queued", header_text(app))
                return (
                    found is not None
                    and int(found[1]) == words.count("checking…") > 0
                    and int(found[2]) == words.count("queued") > 0
                )

            await wait_for(pilot, agrees, tries=200)
            server.stop()
