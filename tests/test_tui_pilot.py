"""Every dashboard action through Pilot, against the demo sandbox over real loopback HTTP.

The app and the sandbox share a fake clock that moves only when a test says so: the demo's
first checks happen at once (ids added by hand), later ones when the test advances time.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Static

from reap_tui.clock import FakeClock
from reap_tui.commands.dashboard import demo_app
from reap_tui.engine.state import Phase
from reap_tui.sandbox import Fault, SandboxServer, ScriptedBatch
from reap_tui.sandbox.demo import (
    COMPLETED_ID,
    FAILED_ID,
    IN_PROGRESS_ID,
    PENDING_ID,
    demo_batches,
    demo_labels,
)
from reap_tui.store import WatchList
from reap_tui.store.statedb import StateDB, state_db_path
from reap_tui.tui.app import DashboardApp
from reap_tui.tui.line_body import LineBody
from reap_tui.tui.screens import AddBatchScreen, ApiKeyScreen, ConfirmScreen, HelpScreen

from .conftest import START
from .tui_support import seeded, wait_for

NEW_ID = "784d4045-c900-4050-aad6-8fe4c8d2fb16"
SIZE = (120, 36)


Demo = tuple[DashboardApp, FakeClock, SandboxServer]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    clock = FakeClock(START, auto_advance=False)
    server = SandboxServer(clock, speed=20, batches=demo_batches(START, 20))
    server.start()
    app = demo_app(clock, server, tmp_path / "watchlist.toml", rng=seeded())
    yield app, clock, server
    server.stop()


def all_checked(app: DashboardApp) -> bool:
    return len(app.table.row_keys) == len(demo_labels()) and all(
        state.checks_made > 0 and not state.checking for state in app.engine.states.values()
    )


async def settled(pilot: Pilot[None], app: DashboardApp, clock: FakeClock) -> None:
    """Every demo batch checked once (the request limiter spaces them out in clock time)."""
    await wait_for(pilot, lambda: all_checked(app), clock=clock, step=0.05)
    await pilot.pause(0.3)  # one flush of the table


def header_x(app: DashboardApp, column: str) -> int:
    """Where a shown column's header is: past the table's border, inside the column."""
    (placed,) = [each for each in app.table.shown_columns if each.key == column]
    return 1 + placed.x


def cell(app: DashboardApp, batch_id: str, column: str) -> str:
    return app.table.cell_text(batch_id, column)


def detail_text(app: DashboardApp) -> str:
    from rich.console import Console

    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    body = app.query_one("#detail-body", LineBody)
    console.print(body.content)
    return console.export_text()


async def test_overview_shows_every_demo_batch_with_its_status(demo: Demo) -> None:
    app, clock, _ = demo
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, app, clock)
        assert cell(app, FAILED_ID, "status") == "✗ failed"
        assert cell(app, COMPLETED_ID, "status") == "✓ completed"
        assert cell(app, IN_PROGRESS_ID, "status") == "▶ in progress"
        assert app.table.row_keys[0] in (FAILED_ID, *demo_labels())  # attention order
        assert "failed" in app._terminal_title and "demo" in app._terminal_title


async def test_add_refuses_an_invalid_id_as_you_type(demo: Demo) -> None:
    app, clock, _ = demo
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, app, clock)
        before = set(app.table.row_keys)
        await pilot.press("a")
        assert isinstance(app.screen, AddBatchScreen)
        await pilot.press(*"not-a-uuid")
        problem = str(app.screen.query_one("#id-problem", Static).content)
        assert "Not a batch id" in problem
        assert app.screen.query_one("#add", Button).disabled
        await pilot.press("enter")
        assert isinstance(app.screen, AddBatchScreen)  # still open: nothing added
        await pilot.press("escape")
        assert set(app.table.row_keys) == before


async def test_add_refuses_a_batch_already_watched(demo: Demo) -> None:
    app, _, _ = demo
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.press(*COMPLETED_ID.upper())
        assert "Already watched" in str(app.screen.query_one("#id-problem", Static).content)
        await pilot.press("enter")
        assert isinstance(app.screen, AddBatchScreen)


async def test_add_watches_checks_and_saves_a_new_batch(demo: Demo, tmp_path: Path) -> None:
    app, clock, server = demo
    server.add_batch(ScriptedBatch(NEW_ID, total_records=100_000, created_at=START - 600))
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, app, clock)
        await pilot.press("a", *NEW_ID, "tab", *"Night run", "enter")
        assert app.table.cursor_key == NEW_ID
        await wait_for(pilot, lambda: cell(app, NEW_ID, "status") == "▶ in progress", clock=clock)
        assert cell(app, NEW_ID, "label") == "Night run"
    saved = WatchList.open(tmp_path / "watchlist.toml", clock).get(NEW_ID)
    assert saved is not None and saved.label == "Night run"


async def test_remove_asks_first_and_keep_keeps(demo: Demo, tmp_path: Path) -> None:
    app, clock, _ = demo
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, app, clock)
        app.select_batch(PENDING_ID)
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert PENDING_ID in app.table.row_keys
        await pilot.press("d", "y")
        assert PENDING_ID not in app.table.row_keys
        assert PENDING_ID not in app.engine.states
    assert WatchList.open(tmp_path / "watchlist.toml", clock).get(PENDING_ID) is None


async def test_pause_and_resume_the_selected_batch(demo: Demo) -> None:
    app, clock, _ = demo
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, app, clock)
        app.select_batch(IN_PROGRESS_ID)
        await pilot.press("space")
        await wait_for(pilot, lambda: cell(app, IN_PROGRESS_ID, "status") == "‖ paused")
        assert cell(app, IN_PROGRESS_ID, "next") == "paused (space)"
        await pilot.press("space")
        await wait_for(pilot, lambda: cell(app, IN_PROGRESS_ID, "status") == "▶ in progress")


async def test_pause_all_then_resume_all(demo: Demo) -> None:
    app, clock, _ = demo
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, app, clock)
        await pilot.press("P")
        assert app.engine.states[IN_PROGRESS_ID].phase is Phase.PAUSED
        assert app.engine.states[COMPLETED_ID].phase is Phase.COMPLETED
        await pilot.press("P")
        assert app.engine.states[IN_PROGRESS_ID].phase is not Phase.PAUSED


async def test_filter_by_status_words_and_escape_clears(demo: Demo) -> None:
    app, clock, _ = demo
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, app, clock)
        await pilot.press("slash", *"failed")
        assert app.table.row_keys == (FAILED_ID,)
        await pilot.press("escape")
        assert len(app.table.row_keys) == len(demo_labels())
        await pilot.press("slash", *"march", "enter")
        assert app.table.row_keys == (IN_PROGRESS_ID,)
        assert app.table.has_focus


async def test_sort_cycles_and_a_header_click_sorts_by_that_column(demo: Demo) -> None:
    app, clock, _ = demo
    labels = demo_labels()
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, app, clock)
        selected = app.table.cursor_key
        await pilot.press("s")
        assert "sort: label" in str(app.table.border_title)
        shown = [labels[batch_id] for batch_id in app.table.row_keys]
        assert shown == sorted(shown, key=str.casefold)
        assert app.table.cursor_key == selected  # the cursor follows its batch
        await pilot.click("#batches", offset=(header_x(app, "failed"), 1))
        assert "sort: failed" in str(app.table.border_title)
        failed = [app.engine.states[b].status for b in app.table.row_keys]
        counts = [s.failed_records for s in failed if s is not None]
        assert counts == sorted(counts, reverse=True)


async def test_check_now_and_check_all_make_requests(demo: Demo) -> None:
    app, clock, server = demo

    def requests_for(batch_id: str) -> int:
        return len([r for r in server.request_log if r.batch_id == batch_id])

    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, app, clock)
        app.select_batch(COMPLETED_ID)  # finished: only a person asks again
        before = requests_for(COMPLETED_ID)
        await pilot.press("r")
        await wait_for(pilot, lambda: requests_for(COMPLETED_ID) > before, clock=clock, step=0.05)
        await wait_for(pilot, lambda: "(by you)" in detail_text(app))
        before = requests_for(FAILED_ID)
        await pilot.press("R")
        await wait_for(pilot, lambda: requests_for(FAILED_ID) > before, clock=clock, step=0.05)


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def test_copy_toggle_utc_and_help(demo: Demo, new_york: None) -> None:
    app, clock, _ = demo
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, app, clock)
        app.select_batch(COMPLETED_ID)
        await pilot.press("c")
        assert app.clipboard == COMPLETED_ID
        assert "2025-10-08 07:" in detail_text(app) and "EDT" in detail_text(app)
        await pilot.press("t")
        await pilot.pause()
        assert "2025-10-08 11:" in detail_text(app) and "UTC" in detail_text(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_palette_jumps_to_a_batch_by_label(demo: Demo) -> None:
    app, clock, _ = demo
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, app, clock)
        await pilot.press("ctrl+p")
        await pilot.press(*"Partner referrals")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.table.cursor_key == COMPLETED_ID)


async def test_a_refused_key_is_replaced_for_the_session(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    batches = [ScriptedBatch(COMPLETED_ID, total_records=40, created_at=START - 600)]
    with SandboxServer(clock, speed=20, batches=batches) as server:
        app = demo_app(clock, server, tmp_path / "w.toml", rng=seeded())
        server.api_key = "the-key-the-server-wants-now"
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(
                pilot,
                lambda: app.engine.states[COMPLETED_ID].phase is Phase.AUTH_REQUIRED,
                clock=clock,
                step=0.05,
            )
            await pilot.pause(0.3)
            assert cell(app, COMPLETED_ID, "status") == "! key needed"
            await pilot.press("k", *"the-key-the-server-wants-now", "enter")
            await wait_for(
                pilot,
                lambda: app.engine.states[COMPLETED_ID].phase is Phase.COMPLETED,
                clock=clock,
                step=0.05,
            )
            screen = app.export_screenshot()
            assert "wants-now" not in screen
            assert "••••-now" in screen


async def test_quit_while_checks_are_in_flight_stops_cleanly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(START, auto_advance=False)
    slow = [
        ScriptedBatch(IN_PROGRESS_ID, created_at=START - 600, fault_cycle=(Fault.slow(30),)),
        ScriptedBatch(COMPLETED_ID, total_records=10, created_at=START - 600),
    ]
    caplog.set_level(logging.ERROR)
    with SandboxServer(clock, speed=20, batches=slow) as server:
        app = demo_app(clock, server, tmp_path / "w.toml", rng=seeded())
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(
                pilot,
                lambda: (
                    app.engine.health.in_flight > 0
                    and app.engine.states[COMPLETED_ID].phase is Phase.COMPLETED
                ),
                clock=clock,
                step=0.05,
            )
            await pilot.press("q")
            await wait_for(pilot, lambda: not app.is_running)
        assert app.return_code in (None, 0)
    await asyncio.sleep(0)
    gc.collect()
    assert "Task was destroyed" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert WatchList.open(tmp_path / "w.toml", clock).get(COMPLETED_ID) is not None
    states = StateDB.open(state_db_path(tmp_path / "w.toml"), clock, read_only=True)
    assert states.read()[COMPLETED_ID].record["phase"] == Phase.COMPLETED.value
    states.close()


def break_the_folder(path: Path) -> None:
    """Replace the watch list's folder by a plain file: every later write fails for real."""
    for child in path.parent.iterdir():
        child.unlink()
    path.parent.rmdir()
    path.parent.write_text("not a folder")


async def test_a_watch_list_that_cannot_be_written_is_reported_not_fatal(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    listing = tmp_path / "data" / "watchlist.toml"
    with SandboxServer(clock, speed=20, batches=demo_batches(START, 20)) as server:
        app = demo_app(clock, server, listing, rng=seeded())
        async with app.run_test(size=SIZE) as pilot:
            await settled(pilot, app, clock)
            break_the_folder(listing)
            await pilot.press("a", *NEW_ID, "enter")
            await pilot.pause(0.1)
            assert NEW_ID not in app.table.row_keys, "not shown as watched: it was not saved"
            toasts = [(n.title, n.message) for n in app._notifications]
            assert any(
                title == "The watch list could not be saved" and str(listing.parent) in message
                for title, message in toasts
            )
            app.select_batch(PENDING_ID)
            await pilot.press("d", "y")
            assert PENDING_ID in app.table.row_keys, "kept: its removal could not be saved"
            clock.advance(60)
            await pilot.pause(1.2)
            assert app.is_running
        assert app.save_error


async def test_ctrl_c_quits_like_q(demo: Demo) -> None:
    app, clock, _ = demo
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, app, clock)
        await pilot.press("ctrl+c")
        await pilot.pause(0.2)
        assert not app.is_running


async def test_a_key_no_header_can_carry_is_refused_in_the_dialog(demo: Demo) -> None:
    app, clock, _ = demo
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, app, clock)
        await pilot.press("k", *"sk-with space-123456", "enter")
        assert isinstance(app.screen, ApiKeyScreen)
        problem = str(app.screen.query_one("#key-problem", Static).content)
        assert "Not usable" in problem and "space" in problem
        assert "123456" not in app.export_screenshot()
