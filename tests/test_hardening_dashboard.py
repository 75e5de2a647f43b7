"""The dashboard against odd files and a server that reflects the key: Pilot, the real engine and
client, the sandbox over loopback."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from reap_tui.api.client import ReapClient
from reap_tui.clock import FakeClock
from reap_tui.commands.dashboard import engine_factory
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.limiter import Limits
from reap_tui.sandbox import Fault, SandboxServer, ScriptedBatch
from reap_tui.store import WatchList
from reap_tui.tui.app import DashboardApp, DashboardConfig
from reap_tui.tui.upload_screen import CsvTree, UploadScreen

from .conftest import START
from .dashboard_support import detail_text, sandbox_dashboard
from .tui_support import seeded, wait_for

KEY = "sk-dashboard-hardening-0123456789"
BATCH_ID = "6a8c0e2f-4b5d-4e7f-8a9b-1c3d5e7f9a2b"
GOOD_CSV = "externalId,shareToken\n00000000-0000-4000-8000-000000000001,token-1\n"


def release(fifo: Path) -> None:
    """Give a reader blocked on `fifo` (a program that opened it after all) its end of file."""
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def report_text(screen: UploadScreen) -> str:
    return str(screen.query_one("#upload-report", Static).content)


async def pick(pilot: Pilot[None], tree: CsvTree, name: str) -> None:
    await wait_for(pilot, lambda: bool(tree.root.children))
    for _ in range(len(tree.root.children)):
        await pilot.press("up")
    for _ in range(len(tree.root.children) + 1):
        if tree.cursor_node is not None and tree.cursor_node.label.plain == name:
            await pilot.press("enter")
            return
        await pilot.press("down")
    raise AssertionError(f"{name} is not in the tree")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
async def test_a_fifo_picked_for_upload_is_refused_and_nothing_hangs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    fifo = work / "pipe.csv"
    os.mkfifo(fifo)
    (work / "march.csv").write_text(GOOD_CSV)
    monkeypatch.chdir(work)
    clock = FakeClock(START, auto_advance=False)
    with SandboxServer(clock, api_key=KEY) as server:
        app = DashboardApp(
            clock=clock,
            client=ReapClient(server.base_url, KEY, clock=clock),
            engine_factory=engine_factory(clock, CadenceConfig(), Limits(), seeded()),
            watchlist=WatchList.open(tmp_path / "watchlist.toml", clock),
            config=DashboardConfig(environment="sandbox", key_state="••••6789", utc=True),
        )
        async with app.run_test(size=(130, 40)) as pilot:
            try:
                await pilot.press("u")
                screen = app.screen
                assert isinstance(screen, UploadScreen)
                await pick(pilot, screen.query_one(CsvTree), "pipe.csv")
                await wait_for(pilot, lambda: "named pipe" in report_text(screen))
                assert report_text(screen).endswith(
                    "pipe.csv: it is a named pipe (FIFO), not a regular file"
                )
                # The screen still works: a real file is checked after it.
                await pick(pilot, screen.query_one(CsvTree), "march.csv")
                await wait_for(pilot, lambda: "valid: 1 data row" in report_text(screen))
            finally:
                release(fifo)
            await pilot.press("escape", "q")
        assert app.return_code in (None, 0)
        assert server.uploads == []


async def test_a_key_reflected_by_the_server_is_redacted_in_the_detail_and_the_raw_body(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START, auto_advance=False)
    batch = ScriptedBatch(BATCH_ID, created_at=START - 60, fault_cycle=(Fault.reflect_key(500),))
    with SandboxServer(clock, api_key=KEY, batches=[batch]) as server:
        app = sandbox_dashboard(clock, server.base_url, KEY, [BATCH_ID], tmp_path / "w.toml")
        async with app.run_test(size=(160, 50)) as pilot:
            await wait_for(pilot, lambda: "Reap server error" in detail_text(app), clock=clock)
            shown = detail_text(app)
            assert "for api key [redacted]" in shown
            assert "b: show the raw body" in shown
            await pilot.press("b")
            await wait_for(pilot, lambda: "Raw body (application/json)" in detail_text(app))
            raw = detail_text(app)
            assert '"parameter": "[redacted]"' in raw
            for text in (shown, raw, app.export_screenshot()):
                assert KEY not in text
            await pilot.press("q")
        [record] = [r for r in server.request_log if r.batch_id == BATCH_ID][:1]
        assert record.auth == "ok"  # the key was sent, and came back in the body
