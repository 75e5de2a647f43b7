"""What was seen is kept: the column chooser's choice (in ui-state.toml, never config.toml) and
the view (sort, filter, selection) across a restart, through Pilot over a stub engine."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.widgets import Input, OptionList

from reap_tui.apikey import ApiKey
from reap_tui.clock import FakeClock
from reap_tui.commands.dashboard import view_config
from reap_tui.config import Settings
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.tui.column_chooser import ColumnChooser
from reap_tui.tui.dashboard_config import DashboardConfig

from .conftest import START
from .state_gallery import IDS, gallery_states
from .tui_support import stub_app

CONFIG_TEXT = '[ui]\ntheme = "textual-dark"\n'


def config_for(folder: Path) -> DashboardConfig:
    settings = Settings(config_path=folder / "config.toml")
    return view_config(
        settings,
        "sandbox",
        ApiKey("stub-key-0000-1234"),
        CadenceConfig(),
        ui_state=folder / "ui-state.toml",
    )


async def test_the_column_chooser_hides_moves_and_saves_to_ui_state_only(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "config.toml").write_text(CONFIG_TEXT)
    clock = FakeClock(START, auto_advance=False)
    app, _ = stub_app(gallery_states(), tmp_path / "w.toml", clock, config=config_for(folder))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        assert "failed" in [placed.key for placed in app.table.shown_columns]
        await pilot.press("C")
        chooser = app.screen
        assert isinstance(chooser, ColumnChooser)
        options = chooser.query_one(OptionList)
        options.highlighted = options.get_option_index("failed")
        await pilot.press("space")  # hidden, and the table follows at once
        await pilot.pause(0.1)
        assert "failed" not in [placed.key for placed in app.table.shown_columns]
        options.highlighted = options.get_option_index("updated")
        await pilot.press("left_square_bracket", "left_square_bracket")
        await pilot.press("escape")
        await pilot.pause(0.2)
        shown = [placed.key for placed in app.table.shown_columns]
        assert shown[0] == "label", "the label stays first"
        assert shown.index("updated") < shown.index("eta")
    assert (folder / "config.toml").read_text() == CONFIG_TEXT, "config.toml is never written"
    saved = tomllib.loads((folder / "ui-state.toml").read_text())["ui"]
    assert saved["hidden_columns"] == ["failed"]
    assert saved["columns"][:6] == ["status", "progress", "done", "fail_rate", "updated", "rate"]

    again, _ = stub_app(gallery_states(), tmp_path / "w.toml", clock, config=config_for(folder))
    async with again.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        assert [placed.key for placed in again.table.shown_columns] == shown


async def test_sort_filter_and_selection_survive_a_restart(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    listing = tmp_path / "w.toml"
    app, _ = stub_app(gallery_states(), listing, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("s")  # sort: label
        await pilot.press("slash", *"batch", "enter")
        app.select_batch(IDS["paused"])
        await pilot.pause(0.3)
        title = str(app.table.border_title)
        rows = app.table.row_keys
        await pilot.press("q")

    again, _ = stub_app(gallery_states(), listing, clock)
    async with again.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        assert str(again.table.border_title) == title
        assert "sort: label" in title and "filter “batch”" in title
        assert again.query_one("#filter", Input).value == "batch"
        assert again.table.row_keys == rows
        assert again.table.cursor_key == IDS["paused"]


async def test_an_unreadable_ui_state_is_reported_and_never_written_over(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    broken = "[ui\ncolumns = ["
    (folder / "ui-state.toml").write_text(broken)
    clock = FakeClock(START, auto_advance=False)
    app, _ = stub_app(gallery_states(), tmp_path / "w.toml", clock, config=config_for(folder))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        assert any("not valid TOML" in toast.message for toast in app._notifications)
        await pilot.press("C", "space", "escape")
        await pilot.pause(0.2)
        assert any("could not be saved" in toast.message for toast in app._notifications)
    assert (folder / "ui-state.toml").read_text() == broken
