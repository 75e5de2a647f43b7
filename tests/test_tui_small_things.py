"""The small things a user trips on: the upload dialog's label, an ids file that starts with a
comment, the palette's screenshot, what `c` and `b` say, the first frame, escape after enter in
the filter."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Button, Input
from textual.widgets._footer import FooterKey

from reap_tui.api.client import ReapClient
from reap_tui.clock import FakeClock
from reap_tui.commands.dashboard import engine_factory
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.limiter import Limits
from reap_tui.idlist import parse_id_list
from reap_tui.sandbox import SandboxServer
from reap_tui.store import WatchList
from reap_tui.tui import app as app_module
from reap_tui.tui import view_actions
from reap_tui.tui.app import DashboardApp, DashboardConfig
from reap_tui.tui.upload_screen import CsvTree, UploadScreen

from .conftest import START
from .state_gallery import IDS, gallery_states
from .tui_support import seeded, stub_app, wait_for

KEY = "sandbox-small-things-0123456789"
GOOD_CSV = (
    "externalId,shareToken\n"
    "00000000-0000-4000-8000-000000000001,token-1\n"
    "00000000-0000-4000-8000-000000000002,token-2\n"
)


async def test_the_upload_label_is_the_next_tab_stop_and_enter_in_it_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "march.csv").write_text(GOOD_CSV)
    monkeypatch.chdir(work)
    clock = FakeClock(START, auto_advance=False)
    with SandboxServer(clock, api_key=KEY) as server:
        app = DashboardApp(
            clock=clock,
            client=ReapClient(server.base_url, KEY, clock=clock),
            engine_factory=engine_factory(clock, CadenceConfig(), Limits(), seeded()),
            watchlist=WatchList.open(tmp_path / "w.toml", clock),
            config=DashboardConfig(environment="sandbox", key_state="••••6789", utc=True),
        )
        async with app.run_test(size=(130, 40)) as pilot:
            await pilot.press("u")
            screen = app.screen
            assert isinstance(screen, UploadScreen)
            tree = screen.query_one(CsvTree)
            await wait_for(pilot, lambda: bool(tree.root.children))
            await pilot.press("down", "enter")
            start = screen.query_one("#upload-start", Button)
            await wait_for(pilot, lambda: not start.disabled)
            await pilot.press("tab")
            assert screen.focused is screen.query_one("#upload-label", Input)
            await pilot.press(*"March run", "enter")
            assert screen.query_one("#upload-confirm", Button).has_class("-asking")
            await pilot.press("enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, UploadScreen))
            (upload,) = server.uploads
            assert upload.batch_id in app.table.row_keys
            assert app.table.cell_text(upload.batch_id or "", "label") == "March run"


def test_an_ids_file_may_start_with_a_comment_holding_a_comma() -> None:
    data = b"# ids, with labels\n784d4045-c900-4050-aad6-8fe4c8d2fb16,March\n# end, done\n"
    found = parse_id_list(data)
    assert found.problems == []
    assert [batch_id for _, batch_id in found.ids] == ["784d4045-c900-4050-aad6-8fe4c8d2fb16"]
    assert found.labels["784d4045-c900-4050-aad6-8fe4c8d2fb16"] == (2, "March")


async def test_the_palette_screenshot_lands_in_this_folder_without_downloads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setattr(view_actions, "user_downloads_path", lambda: tmp_path / "no-downloads")
    monkeypatch.setattr("textual.app.user_downloads_path", lambda: tmp_path / "no-downloads")
    clock = FakeClock(START, auto_advance=False)
    app, _ = stub_app(gallery_states()[:3], tmp_path / "w.toml", clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        (command,) = [c for c in app.get_system_commands(app.screen) if c.title == "Screenshot"]
        command.callback()
        await wait_for(pilot, lambda: any(here.glob("*.svg")))
        await pilot.pause(0.2)
        (saved,) = here.glob("*.svg")
        messages = [toast.message for toast in app._notifications]
        assert any(str(saved) in message for message in messages)
        assert not any("[$" in message for message in messages)


async def test_c_says_what_was_sent_and_shows_the_id_and_b_says_when_there_is_no_body(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START, auto_advance=False)
    app, _ = stub_app(gallery_states(), tmp_path / "w.toml", clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        app.select_batch(IDS["completed"])
        await pilot.press("c")
        toast = list(app._notifications)[-1]
        assert IDS["completed"] in toast.message
        assert "clipboard" in toast.message and "Copied" not in toast.message
        await pilot.press("b")
        toast = list(app._notifications)[-1]
        assert "no raw body" in toast.message


async def test_escape_on_the_table_after_enter_in_the_filter_clears_it(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    app, _ = stub_app(gallery_states(), tmp_path / "w.toml", clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("slash", *"pending", "enter")
        await pilot.pause(0.3)
        assert app.table.row_keys == (IDS["pending"],)
        assert app.focused is app.table
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert app.table.row_count == len(gallery_states())
        assert not app.query_one("#filter", Input).has_class("-shown")


class FirstFrame(DashboardApp):
    """Records the layout and the footer as they are when the first frame is drawn."""

    CSS_PATH = str(Path(app_module.__file__).parent / "dashboard.tcss")
    first: tuple[bool, int] | None = None

    def _display(self, screen: object, renderable: object) -> None:  # type: ignore[override]
        if self.first is None and renderable is not None:
            self.first = (self.screen.has_class("-wide"), len(self.query(FooterKey)))
        App._display(self, screen, renderable)  # type: ignore[arg-type]


async def test_the_first_frame_has_the_final_layout_and_the_footer(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    app, _ = stub_app(gallery_states(), tmp_path / "w.toml", clock)
    first = FirstFrame(
        clock=clock,
        client=app._client,
        engine_factory=app._engine_factory,
        watchlist=app._watchlist,
        config=app._config,
    )
    async with first.run_test(size=(200, 50)) as pilot:
        await pilot.pause(0.3)
        assert first.screen.has_class("-wide")
    assert first.first is not None
    wide, keys = first.first
    assert wide, "the pane beside the table from the first frame"
    assert keys > 0, "the footer's keys in the first frame"
