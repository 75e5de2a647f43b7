"""The upload screen through Pilot, against the sandbox over loopback: from pick to the new row.

The app and the sandbox share a fake clock that moves only when a test says so, so the new
batch waits for its first check until the test moves time past it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Static

from reap_tui.api.client import ReapClient
from reap_tui.clock import FakeClock
from reap_tui.commands.dashboard import engine_factory
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.limiter import Limits
from reap_tui.engine.state import Phase
from reap_tui.sandbox import Fault, FaultPlan, SandboxServer
from reap_tui.store import WatchList
from reap_tui.store.model import Source
from reap_tui.tui.app import DashboardApp, DashboardConfig
from reap_tui.tui.upload_screen import CsvTree, UploadScreen

from .conftest import START
from .tui_support import seeded, wait_for

KEY = "sandbox-tui-upload-key-0123456789"
SIZE = (130, 40)
GOOD_CSV = (
    "externalId,shareToken\n"
    "00000000-0000-4000-8000-000000000001,token-1\n"
    "00000000-0000-4000-8000-000000000002,token-2\n"
)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder the dashboard was started in: the upload screen's tree starts here."""
    work = tmp_path / "work"
    (work / "archive").mkdir(parents=True)
    (work / "march.csv").write_text(GOOD_CSV)
    (work / "bad.csv").write_text("externalId,shareToken\nnot-a-uuid,\n")
    (work / "notes.txt").write_text("not a batch")
    (work / ".hidden.csv").write_text(GOOD_CSV)
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START, auto_advance=False)


@pytest.fixture
def server(clock: FakeClock) -> Iterator[SandboxServer]:
    running = SandboxServer(clock, api_key=KEY)
    running.start()
    yield running
    running.stop()


def dashboard(
    server: SandboxServer, clock: FakeClock, watchlist_path: Path, environment: str
) -> DashboardApp:
    return DashboardApp(
        clock=clock,
        client=ReapClient(server.base_url, KEY, clock=clock),
        engine_factory=engine_factory(clock, CadenceConfig(), Limits(), seeded()),
        watchlist=WatchList.open(watchlist_path, clock),
        config=DashboardConfig(environment=environment, key_state="••••6789", utc=True),
    )


def text_of(screen: UploadScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def pick(pilot: Pilot[None], screen: UploadScreen, name: str) -> None:
    """Move the tree's cursor to `name` with the arrow keys and press enter, as a user would."""
    tree = screen.query_one(CsvTree)
    await wait_for(pilot, lambda: bool(tree.root.children))
    for _ in range(len(tree.root.children) + 1):
        if tree.cursor_node is not None and tree.cursor_node.label.plain == name:
            await pilot.press("enter")
            return
        await pilot.press("down")
    raise AssertionError(f"{name} is not in the tree")


@pytest.mark.parametrize("environment", ["sandbox", "production"])
async def test_upload_from_pick_to_a_row_waiting_for_its_first_check(
    folder: Path,
    tmp_path: Path,
    server: SandboxServer,
    clock: FakeClock,
    environment: str,
) -> None:
    app = dashboard(server, clock, tmp_path / "watchlist.toml", environment)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        screen = app.screen
        assert isinstance(screen, UploadScreen)
        tree = screen.query_one(CsvTree)
        await wait_for(pilot, lambda: bool(tree.root.children))
        assert [str(node.label) for node in tree.root.children] == [
            "archive",
            "bad.csv",
            "march.csv",
        ]
        banner = text_of(screen, "#upload-target")
        assert ("PRODUCTION" in banner) == (environment == "production")

        await pick(pilot, screen, "bad.csv")
        await wait_for(pilot, lambda: "invalid" in text_of(screen, "#upload-report"))
        assert "row 2, column externalId" in text_of(screen, "#upload-report")
        assert screen.query_one("#upload-start", Button).disabled

        await pick(pilot, screen, "march.csv")
        await wait_for(pilot, lambda: "valid: 2 data rows" in text_of(screen, "#upload-report"))
        await pilot.click("#upload-label")
        await pilot.press(*"March run")
        await pilot.click("#upload-start")
        question = text_of(screen, "#upload-status")
        shown_environment = "PRODUCTION" if environment == "production" else environment
        assert f"Upload march.csv (2 data rows, 112 bytes) to {shown_environment}" in question
        assert server.uploads == []  # nothing is sent before the confirmation

        await pilot.click("#upload-confirm")
        await wait_for(pilot, lambda: not isinstance(app.screen, UploadScreen))
        (record,) = server.uploads
        batch_id = record.batch_id
        assert batch_id is not None
        assert record.filename == "march.csv" and record.file_bytes == GOOD_CSV.encode()

        await wait_for(pilot, lambda: batch_id in app.table.row_keys)
        assert app.table.cursor_key == batch_id
        assert app.table.cell_text(batch_id, "label") == "March run"
        assert app.table.cell_text(batch_id, "status").endswith("first check")
        assert app.table.cell_text(batch_id, "next").startswith("in 1m")
        assert app.engine.states[batch_id].phase is Phase.WAITING_FIRST_CHECK
        assert not any(request.method == "GET" for request in server.request_log)

        clock.advance(121)
        await wait_for(pilot, lambda: app.engine.states[batch_id].checks_made == 1)
        assert app.engine.states[batch_id].phase is Phase.POLLING

    saved = WatchList.open(tmp_path / "watchlist.toml", clock)
    entry = saved.get(batch_id)
    assert entry is not None
    assert (entry.source, entry.label, entry.environment) == (
        Source.UPLOAD,
        "March run",
        environment,
    )
    assert saved.pending_uploads == ()


async def test_escape_closes_the_screen_without_uploading(
    folder: Path, tmp_path: Path, server: SandboxServer, clock: FakeClock
) -> None:
    app = dashboard(server, clock, tmp_path / "watchlist.toml", "sandbox")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        screen = app.screen
        assert isinstance(screen, UploadScreen)
        await pick(pilot, screen, "march.csv")
        await wait_for(pilot, lambda: not screen.query_one("#upload-start", Button).disabled)
        await pilot.press("escape")
        assert not isinstance(app.screen, UploadScreen)
        assert app.table.row_keys == ()
    assert server.request_log == []


async def test_a_failed_upload_says_so_and_a_retry_reuses_the_key(
    folder: Path, tmp_path: Path, clock: FakeClock
) -> None:
    server = SandboxServer(
        clock, api_key=KEY, upload_fault_plan=FaultPlan({1: Fault.server_error("db <down>")})
    )
    server.start()
    try:
        app = dashboard(server, clock, tmp_path / "watchlist.toml", "sandbox")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("u")
            screen = app.screen
            assert isinstance(screen, UploadScreen)
            await pick(pilot, screen, "march.csv")
            await wait_for(pilot, lambda: not screen.query_one("#upload-start", Button).disabled)
            await pilot.click("#upload-start")
            await pilot.click("#upload-confirm")
            await wait_for(pilot, lambda: "Upload failed" in text_of(screen, "#upload-status"))
            status = text_of(screen, "#upload-status")
            assert "HTTP 500" in status and "db <down>" in status
            assert "upload the same file again: it reuses the idempotency key" in status
            assert app.screen is screen
            (pending,) = WatchList.open(tmp_path / "watchlist.toml", clock).pending_uploads

            await pilot.click("#upload-start")
            await pilot.click("#upload-confirm")
            await wait_for(pilot, lambda: not isinstance(app.screen, UploadScreen))
            assert len(app.table.row_keys) == 1
        assert len(server.request_log) == 2
        (created,) = server.uploads  # the 500 came before the endpoint: nothing was made then
        assert created.idempotency_key == pending.idempotency_key
    finally:
        server.stop()
