"""The dashboard's `u` with a file over the limits of one upload: offered as an import, named,
uploaded chunk by chunk through the same core as `reap-tui upload --import`, each new batch
watched as soon as it is known; Pilot against the sandbox over loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Button, Input, Static

from reap_tui.api.client import ReapClient
from reap_tui.clock import FakeClock
from reap_tui.commands.dashboard import engine_factory
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.limiter import Limits
from reap_tui.sandbox import SandboxServer
from reap_tui.store import WatchList
from reap_tui.store.imports import find
from reap_tui.tui.app import DashboardApp, DashboardConfig
from reap_tui.tui.upload_screen import UploadScreen

from .conftest import START
from .test_tui_upload import pick
from .tui_support import seeded, wait_for

KEY = "sandbox-tui-import-key-0123456789"
HEADER = "externalId,shareToken\n"
ROWS = 12_000


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    rows = "".join(f"00000000-0000-4000-8000-{n:012x},token-{n}\n" for n in range(ROWS))
    (work / "migration.csv").write_text(HEADER + rows)
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


def text_of(screen: UploadScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def test_a_file_over_the_limits_is_offered_as_an_import_and_its_batches_watched(
    folder: Path, tmp_path: Path, server: SandboxServer, clock: FakeClock
) -> None:
    watchlist_path = tmp_path / "watchlist.toml"
    app = DashboardApp(
        clock=clock,
        client=ReapClient(server.base_url, KEY, clock=clock),
        engine_factory=engine_factory(clock, CadenceConfig(), Limits(), seeded()),
        watchlist=WatchList.open(watchlist_path, clock),
        config=DashboardConfig(environment="sandbox", key_state="••••6789", utc=True),
    )
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.press("u")
        screen = app.screen
        assert isinstance(screen, UploadScreen)
        await pick(pilot, screen, "migration.csv")
        await wait_for(pilot, lambda: "import of 3 batches" in text_of(screen, "#upload-report"))
        report = text_of(screen, "#upload-report")
        assert "valid: 12,000 data rows" in report
        assert "1. rows 2-5,001 (5,000 rows" in report and "3. rows 10,002-12,001" in report
        start = screen.query_one("#upload-start", Button)
        assert str(start.label) == "Upload as import…" and not start.disabled
        assert screen.query_one("#upload-import-name", Input).display

        await pilot.click("#upload-start")
        assert "Name the import" in text_of(screen, "#upload-status")
        await pilot.click("#upload-import-name")
        await pilot.press(*"March")
        await pilot.click("#upload-start")
        question = text_of(screen, "#upload-status")
        assert "as the import 'March' of 3 batches to sandbox" in question
        assert server.uploads == []

        await pilot.click("#upload-confirm")
        await wait_for(pilot, lambda: not isinstance(app.screen, UploadScreen))
        assert [record.row_count for record in server.uploads] == [5_000, 5_000, 2_000]
        await wait_for(pilot, lambda: set(server.batch_ids) <= set(app.table.row_keys))
        assert set(server.batch_ids) <= set(app.engine.states)

    saved = WatchList.open(watchlist_path, clock)
    imported = find(saved.imports, "March", server.base_url)
    assert imported is not None and list(imported.batch_ids) == server.batch_ids
    assert [saved.get(b).label for b in server.batch_ids] == [  # type: ignore[union-attr]
        "March 1/3",
        "March 2/3",
        "March 3/3",
    ]
