"""Changes made to the watch list while a dashboard runs: `reap-tui add/remove/import` beside it
and hand edits of the file appear within a second or two (the real dashboard under a
pseudo-terminal, the sandbox's request log as proof of what it checks); a hand edit that breaks
the file is reported once, the list shown is kept, and nothing is written over the file until it
is valid again or the user chooses to overwrite it; a save that keeps failing shows one marker
and one notice, cleared when saving works again (Pilot, real engine and client, with the
commands run as subprocesses and the file edited as an editor does).
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from reap_tui.clock import FakeClock, SystemClock
from reap_tui.sandbox import SandboxServer, ScriptedBatch
from reap_tui.store import WatchList
from reap_tui.store.statedb import state_db_path
from reap_tui.tui.app import DashboardApp
from reap_tui.tui.header import DashboardHeader
from reap_tui.tui.screens import ConfirmScreen

from .cli_support import run_cli
from .conftest import START
from .dashboard_support import sandbox_dashboard
from .pty_support import PATIENCE, Terminal
from .tui_support import wait_for

KEY = "sandbox-outside-key-0123456789"
SIZE = (120, 40)


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    now = time.time()
    batches = [
        ScriptedBatch(str(uuid.uuid4()), total_records=1_000_000, created_at=now, rate=1)
        for _ in range(4)
    ]
    with SandboxServer(SystemClock(), api_key=KEY, batches=batches) as running:
        yield running


def checks_of(server: SandboxServer, batch_id: str, *, after: float = 0.0) -> int:
    return sum(1 for r in server.request_log if r.batch_id == batch_id and r.at > after)


def wait_until(condition: object, what: str) -> None:
    assert callable(condition)
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.05)


def test_add_remove_import_and_a_relabel_by_hand_reach_a_running_dashboard(
    tmp_path: Path, server: SandboxServer
) -> None:
    home = tmp_path / "home"
    first, added, imported, _ = server.batch_ids
    path = tmp_path / "watchlist.toml"
    WatchList.open(path, SystemClock()).add(
        first, environment="custom", base_url=server.base_url, label="alpha"
    )
    where = ["--watchlist", str(path), "--base-url", server.base_url]
    terminal = Terminal([*where, "--speed", "30"], home, REAP_API_KEY=KEY)
    try:
        terminal.shows("Batches (1)")
        assert run_cli(home, "add", added, "--label", "bravo", *where).returncode == 0
        terminal.shows("Batches (2)")
        terminal.shows("bravo")
        wait_until(lambda: checks_of(server, added) >= 1, "checked the added batch")

        assert run_cli(home, "remove", first, *where).returncode == 0
        terminal.shows("Batches (1)")
        removed_at = time.time()
        wait_until(lambda: checks_of(server, added, after=removed_at) >= 3, "went on")
        # One check may have been out as it was removed; on the cadence, there would be three.
        assert checks_of(server, first, after=removed_at) <= 1, "the removed batch is not checked"

        ids = tmp_path / "ids.txt"
        ids.write_text(f"{imported} charlie\n", encoding="utf-8")
        assert run_cli(home, "import", str(ids), *where).returncode == 0
        terminal.shows("Batches (2)")
        wait_until(lambda: checks_of(server, imported) >= 1, "checked the imported batch")

        text = path.read_text(encoding="utf-8")
        assert 'label = "bravo"' in text
        path.write_text(text.replace('label = "bravo"', 'label = "delta"'), encoding="utf-8")
        terminal.shows("delta")
        terminal.type("q")
        assert terminal.finish() == 0
    finally:
        terminal.close()
    assert {e.batch_id for e in WatchList.open(path, SystemClock()).entries} == {added, imported}


def notices(app: DashboardApp, title: str) -> int:
    return sum(1 for n in app._notifications if n.title == title)


async def answer(
    pilot: Pilot[None], app: DashboardApp, key: str, asking: type[Screen[Any]]
) -> None:
    """Press `key`, wait for the question it asks, answer yes, wait for it to go."""
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, asking))
    await pilot.press("y")
    await wait_for(pilot, lambda: not isinstance(app.screen, asking))


def header_text(app: DashboardApp) -> str:
    return str(app.query_one("#header", DashboardHeader).content)


async def test_a_broken_hand_edit_is_told_once_kept_and_overwritten_only_when_chosen(
    tmp_path: Path, server: SandboxServer
) -> None:
    clock = FakeClock(START, auto_advance=False)
    path = tmp_path / "watchlist.toml"
    first, second, _, _ = server.batch_ids
    app = sandbox_dashboard(clock, server.base_url, KEY, [first, second], path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.table.row_count == 2)
        broken = b'[[batch]]\nid = "this is not closed\n'
        path.write_bytes(broken)
        await wait_for(pilot, lambda: notices(app, "The watch list cannot be read") == 1)
        await pilot.pause(3.0)  # three more looks at the file
        assert notices(app, "The watch list cannot be read") == 1, "told once"
        assert "watch list unreadable" in header_text(app)
        assert app.table.row_count == 2, "the list shown is kept"

        await answer(pilot, app, "d", ConfirmScreen)  # a removal cannot be saved over it
        assert app.table.row_count == 2
        assert path.read_bytes() == broken, "nothing written over it"

        from reap_tui.tui.unreadable_screen import UnreadableListScreen

        await answer(pilot, app, "O", UnreadableListScreen)
        assert path.read_bytes() != broken
        kept = list(tmp_path.glob("watchlist.toml.corrupt-*"))
        assert [p.read_bytes() for p in kept] == [broken]
        written = WatchList.open(path, clock)
        assert {e.batch_id for e in written.entries} == {first, second}
        assert "watch list unreadable" not in header_text(app), "the marker goes at once"
        assert notices(app, "Saved") == 1, "saving works again"
        await pilot.pause(2.0)  # two more looks at the file
        assert notices(app, "Saved") == 1, "told once"
        await pilot.press("q")


async def test_a_hand_edit_fixed_again_is_applied(tmp_path: Path, server: SandboxServer) -> None:
    clock = FakeClock(START, auto_advance=False)
    path = tmp_path / "watchlist.toml"
    first, second, third, _ = server.batch_ids
    app = sandbox_dashboard(clock, server.base_url, KEY, [first, second], path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.table.row_count == 2)
        good = path.read_text(encoding="utf-8")
        path.write_text(good + "\n[[batch\n", encoding="utf-8")
        await wait_for(pilot, lambda: notices(app, "The watch list cannot be read") == 1)
        fixed = WatchList.open(tmp_path / "elsewhere.toml", clock)
        for batch_id in (first, third):
            fixed.add(batch_id, environment="sandbox", base_url=server.base_url)
        shutil.copyfile(tmp_path / "elsewhere.toml", path)
        await wait_for(pilot, lambda: set(app.table.row_keys) == {first, third})
        assert "watch list unreadable" not in header_text(app)
        await pilot.press("q")


async def test_a_state_database_that_cannot_be_written_shows_one_marker_until_it_can(
    tmp_path: Path, server: SandboxServer
) -> None:
    """The database replaced by a folder (as good as a read-only disk, for root too): one
    notice and the header's marker for as long as saves fail, not a notice at every save; then
    a notice that saving works again."""
    clock = FakeClock(START, auto_advance=False)
    path = tmp_path / "watchlist.toml"
    first, _, _, _ = server.batch_ids
    app = sandbox_dashboard(clock, server.base_url, KEY, [first], path)
    app.state_save_interval = 0.2
    database = state_db_path(path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.table.row_count == 1)
        for side in database.parent.glob(database.name + "*"):
            side.unlink()
        database.mkdir()
        for _ in range(10):  # states keep changing, and keep not being saved
            clock.advance(31)
            await pilot.pause(0.3)
        assert notices(app, "Last known states") == 1
        assert "not saved" in header_text(app)
        database.rmdir()
        clock.advance(31)
        await wait_for(pilot, lambda: "not saved" not in header_text(app), clock=clock)
        assert notices(app, "Saved") == 1
        await pilot.press("q")
