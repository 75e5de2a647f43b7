"""The dashboard with no API key: nothing is sent, every batch says it needs a key, the header
says how to give one, and a key entered with `k` sets the checks going. Against the sandbox."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from reap_tui import format as fmt
from reap_tui.clock import FakeClock
from reap_tui.engine.state import Phase
from reap_tui.sandbox import SandboxServer, ScriptedBatch
from reap_tui.tui.app import DashboardApp
from reap_tui.tui.header import DashboardHeader

from .conftest import START
from .dashboard_support import detail_text, sandbox_dashboard
from .engine_support import batch_id_of
from .tui_support import wait_for

KEY = "sk-no-key-test-0123456789"


def header_text(app: DashboardApp) -> str:
    console = Console(width=240, record=True, file=io.StringIO())
    console.print(app.query_one(DashboardHeader).content)
    return console.export_text()


async def test_without_a_key_nothing_is_sent_and_k_starts_the_checks(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    batches = [ScriptedBatch(batch_id_of(i), created_at=START - 3600) for i in range(5)]
    ids = [batch.batch_id for batch in batches]
    with SandboxServer(clock, api_key=KEY, batches=batches) as server:
        app = sandbox_dashboard(clock, server.base_url, None, ids, tmp_path / "w.toml")
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.pause(0.1)
            states = app.engine.states
            assert {states[b].phase for b in ids} == {Phase.AUTH_REQUIRED}
            assert {fmt.next_check(states[b], clock.now()) for b in ids} == {"key needed (k)"}
            await wait_for(pilot, lambda: "no API key: press k" in header_text(app))
            assert all(p in detail_text(app) for p in ("Missing API key", "0000000100", "press k"))
            for _ in range(6):
                clock.advance(600)
                await pilot.pause(0.02)
            assert server.request_log == []

            await pilot.press("k", *KEY, "enter")
            await wait_for(
                pilot,
                lambda: all(app.engine.states[b].phase is Phase.COMPLETED for b in ids),
                clock=clock,
                step=0.05,
            )
            assert len(server.request_log) == len(ids)
            assert "no API key" not in header_text(app)
            await pilot.press("q")
