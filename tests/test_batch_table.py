"""The batch table: keyed rows, a cursor that follows its row, columns that fit the width, and a
cost that is the rows changed on screen (counted through `rows_rendered`).

The widget is driven in a small app of its own (generic keys and texts); the dashboard's use of
it against the demo sandbox over loopback, and over a stub engine publishing 1,000 batches.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from reap_tui.api.models import BatchStatus, BatchStatusValue, Summary
from reap_tui.clock import FakeClock
from reap_tui.commands.dashboard import demo_app
from reap_tui.engine.state import BatchState, Phase
from reap_tui.sandbox import SandboxServer
from reap_tui.sandbox.demo import FAILED_ID, demo_batches, demo_labels
from reap_tui.tui import cells
from reap_tui.tui.app import DashboardApp
from reap_tui.tui.batch_table import BatchTable
from reap_tui.tui.beat import REDRAW_BEAT, on_the_beat
from reap_tui.tui.cells import COLUMNS as DASHBOARD_COLUMNS
from reap_tui.tui.columns import CELL_PADDING, Column, Placed, fit_columns

from .conftest import START
from .tui_support import drawn_lines, seeded, stub_app, wait_for

PAD = 2 * CELL_PADDING
COLUMNS = (
    Column("name", "Name", 20, min_width=8, flex=True),
    Column("size", "Size", 6, priority=2, justify="right"),
    Column("note", "Note", 10, priority=1),
)


class Host(App[None]):
    """The table alone, over rows whose texts the test changes."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.keys = [f"k{index}" for index in range(count)]
        self.texts = {key: f"row {key}" for key in self.keys}
        self.table = BatchTable(COLUMNS, self.render_row)
        self.events: list[tuple[str, str | None]] = []

    def compose(self) -> ComposeResult:
        yield self.table

    def on_mount(self) -> None:
        self.table.set_rows(self.keys)
        self.table.focus()

    def render_row(self, key: str, columns: Sequence[Placed]) -> list[Text]:
        shown = {"name": self.texts[key], "size": str(len(self.texts[key])), "note": "note"}
        return [Text(shown[placed.key]) for placed in columns]

    @on(BatchTable.RowHighlighted)
    def _highlighted(self, event: BatchTable.RowHighlighted) -> None:
        self.events.append(("highlighted", event.key))

    @on(BatchTable.RowSelected)
    def _selected(self, event: BatchTable.RowSelected) -> None:
        self.events.append(("selected", event.key))

    @on(BatchTable.HeaderSelected)
    def _header(self, event: BatchTable.HeaderSelected) -> None:
        self.events.append(("header", event.column))


def screen_line(table: BatchTable, key: str) -> str:
    """The row's line as the table draws it now."""
    index = table.row_index(key)
    assert index is not None
    return table.render_line(index - int(table.scroll_offset.y) + 1).text


# -- the widget ------------------------------------------------------------------------------


async def test_rows_are_keyed_and_say_what_the_renderer_says() -> None:
    app = Host(5)
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        table = app.table
        assert table.row_keys == ("k0", "k1", "k2", "k3", "k4")
        assert table.cell_text("k2", "name") == "row k2"
        assert table.cell_text("k2", "size") == "6"
        app.texts["k2"] = "renamed"
        table.refresh_row("k2")
        await pilot.pause()
        assert "renamed" in screen_line(table, "k2")
        assert table.cell_text("k2", "size") == "7"


async def test_the_cursor_stays_on_its_row_when_rows_above_it_change_move_or_go() -> None:
    app = Host(6)
    async with app.run_test(size=(60, 14)) as pilot:
        await pilot.pause()
        table = app.table
        assert table.select("k3")
        assert (table.cursor_key, table.cursor_row) == ("k3", 3)
        app.texts["k1"] = "changed above"
        table.refresh_row("k1")
        await pilot.pause()
        assert (table.cursor_key, table.cursor_row) == ("k3", 3)
        app.texts["new"] = "added above"
        table.set_rows(["new", *app.keys])
        assert (table.cursor_key, table.cursor_row) == ("k3", 4)
        table.set_rows(reversed(app.keys))  # re-sorted
        assert (table.cursor_key, table.cursor_row) == ("k3", 2)
        table.set_rows(["k0", "k3", "k4"])  # filtered: rows above it gone
        assert (table.cursor_key, table.cursor_row) == ("k3", 1)
        await pilot.pause()
        app.events.clear()
        table.set_rows(["k0", "k4"])  # its own row gone: the cursor stays at its place
        await pilot.pause()
        assert (table.cursor_key, table.cursor_row) == ("k4", 1)
        assert app.events == [("highlighted", "k4")]


async def test_a_resort_keeps_the_cursor_row_on_its_line_of_the_screen() -> None:
    app = Host(300)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.table
        table.move_cursor(150)
        await pilot.pause()
        line = table.cursor_row - int(table.scroll_offset.y)
        assert table.scroll_offset.y > 0
        table.set_rows(reversed(app.keys))
        await pilot.pause()
        assert table.cursor_key == "k150" and table.cursor_row == 149
        assert table.cursor_row - int(table.scroll_offset.y) == line


async def test_only_a_changed_row_on_screen_is_rendered_again() -> None:
    app = Host(1000)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.table
        on_screen = table.visible_keys
        assert 0 < len(on_screen) < 20
        assert table.rows_rendered == len(on_screen), "cells built only for rows drawn"

        rendered = table.rows_rendered
        app.texts["k900"] = "changed off screen"
        table.refresh_row("k900")
        await pilot.pause()
        assert table.rows_rendered == rendered

        app.texts["k3"] = "changed on screen"
        table.refresh_row("k3")
        await pilot.pause()
        assert table.rows_rendered == rendered + 1
        assert "changed on screen" in screen_line(table, "k3")

        await pilot.press("down", "down")  # the cursor moves: styles change, no cell is built
        await pilot.pause()
        assert table.rows_rendered == rendered + 1

        table.select("k900")  # scrolled into view: drawn with what it says now
        await pilot.pause()
        assert "changed off screen" in screen_line(table, "k900")


async def test_rows_that_move_by_themselves_redraw_only_the_lines_they_change() -> None:
    """A row moved by its batch's change (not a re-sort by the user): the view stays where it
    is, the cursor on its row, and only the lines that now show another row are drawn."""
    app = Host(300)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.table
        table.move_cursor(40)
        await pilot.pause()
        top = int(table.scroll_offset.y)
        assert 0 < top < 40 - 6
        drawn = drawn_lines(table)
        keys = list(app.keys)
        keys.insert(top + 3, keys.pop(top + 6))  # one row up three places, above the cursor
        table.set_rows(keys, keep_line=False)
        await pilot.pause()
        assert int(table.scroll_offset.y) == top
        assert (table.cursor_key, table.cursor_row) == ("k40", 40)
        assert sorted(set(drawn)) == [4, 5, 6, 7]  # screen lines of rows top+3 .. top+6
        assert f"row k{top + 6}" in screen_line(table, f"k{top + 6}")


async def test_keys_move_the_cursor_and_enter_selects() -> None:
    app = Host(100)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.table
        page = len(table.visible_keys) - 1
        await pilot.press("down", "down", "up")
        assert table.cursor_key == "k1"
        await pilot.press("pagedown")
        assert table.cursor_row == 1 + page
        await pilot.press("end")
        assert table.cursor_key == "k99"
        assert table.visible_keys[-1] == "k99"
        await pilot.press("pageup")
        assert table.cursor_row == 99 - page
        await pilot.press("home")
        assert table.cursor_key == "k0" and table.scroll_offset.y == 0
        await pilot.press("enter")
        assert app.events[-1] == ("selected", "k0")


async def test_a_click_highlights_a_row_and_a_second_click_selects_it() -> None:
    app = Host(10)
    async with app.run_test(size=(60, 14)) as pilot:
        await pilot.pause()
        await pilot.click(app.table, offset=(3, 3))  # line 0 is the header
        assert app.table.cursor_key == "k2"
        assert app.events[-1] == ("highlighted", "k2")
        await pilot.click(app.table, offset=(3, 3))
        assert app.events[-1] == ("selected", "k2")


async def test_a_header_click_names_its_column_and_leaves_the_cursor() -> None:
    app = Host(10)
    async with app.run_test(size=(60, 14)) as pilot:
        await pilot.pause()
        for placed in app.table.shown_columns:
            await pilot.click(app.table, offset=(placed.x, 0))
            assert app.events[-1] == ("header", placed.key)
        assert app.table.cursor_key == "k0"


@pytest.mark.parametrize("width", [12, 25, 40, 60, 120])
async def test_the_columns_fit_any_width_with_no_horizontal_scrollbar(width: int) -> None:
    app = Host(50)
    async with app.run_test(size=(width, 12)) as pilot:
        await pilot.pause()
        table = app.table
        content = table.scrollable_content_region.width
        shown = table.shown_columns
        assert shown[0].key == "name"
        assert shown[-1].x + shown[-1].width + CELL_PADDING <= content
        assert not table.show_horizontal_scrollbar and table.max_scroll_x == 0
        header = table.render_line(0).text
        assert len(header) == content
        for placed in shown[1:]:
            assert placed.column.header in header


# -- the column layout -------------------------------------------------------------------------


def test_the_least_important_column_goes_first_and_the_order_is_kept() -> None:
    least = 8 + 6 + 10 + 3 * PAD  # every column, the flexible one at its minimum
    assert [(p.key, p.width) for p in fit_columns(COLUMNS, least)] == [
        ("name", 8),
        ("size", 6),
        ("note", 10),
    ]
    # One cell short: "size" (priority 2) goes although "note" comes after it on screen.
    assert [(p.key, p.width) for p in fit_columns(COLUMNS, least - 1)] == [
        ("name", 15),
        ("note", 10),
    ]
    only_name = fit_columns(COLUMNS, 9)
    assert [(p.key, p.width) for p in only_name] == [("name", 7)]  # cut to the space there is


def test_space_left_over_widens_the_flexible_column() -> None:
    shown = fit_columns(COLUMNS, 100)
    widths = {p.key: p.width for p in shown}
    assert widths == {"name": 100 - 6 - 10 - 3 * PAD, "size": 6, "note": 10}
    narrowed = {p.key: p.width for p in fit_columns(COLUMNS, 8 + 10 + 2 * PAD)}
    assert narrowed == {"name": 8, "note": 10}


@given(st.integers(min_value=1, max_value=400))
def test_the_dashboard_columns_fill_any_width_without_passing_it(width: int) -> None:
    shown = fit_columns(DASHBOARD_COLUMNS, width)
    by_priority = sorted(DASHBOARD_COLUMNS, key=lambda column: column.priority)
    keys = {placed.key for placed in shown}
    assert keys == {column.key for column in by_priority[: len(keys)]}  # most important first
    assert shown[0].key == "label"
    assert [p.key for p in shown] == [c.key for c in DASHBOARD_COLUMNS if c.key in keys]
    end = shown[-1].x + shown[-1].width + CELL_PADDING
    assert end <= width or len(shown) == 1
    if len(shown) > 1:
        assert end == width  # the label took what was left
        assert all(p.width >= p.column.narrowest for p in shown)


# -- in the dashboard --------------------------------------------------------------------------


async def demo_settled(pilot: Pilot[None], app: DashboardApp, clock: FakeClock) -> None:
    def checked() -> bool:
        states = app.engine.states.values()
        return len(app.table.row_keys) == len(demo_labels()) and all(
            state.checks_made > 0 and not state.checking for state in states
        )

    await wait_for(pilot, checked, clock=clock, step=0.05)
    await pilot.pause(0.3)


WANTED_AT_120 = ["label", "status", "progress", "done", "failed", "eta", "updated", "next"]


@pytest.mark.parametrize(
    ("size", "wanted"),
    [
        ((80, 24), ["label", "status", "progress", "done", "failed"]),
        ((120, 36), WANTED_AT_120),
        ((200, 50), [*WANTED_AT_120, "rate"]),
    ],
)
async def test_the_dashboard_shows_whole_columns_that_fit_its_width(
    tmp_path: Path, size: tuple[int, int], wanted: list[str]
) -> None:
    clock = FakeClock(START, auto_advance=False)
    with SandboxServer(clock, speed=20, batches=demo_batches(START, 20)) as server:
        app = demo_app(clock, server, tmp_path / "w.toml", rng=seeded())
        async with app.run_test(size=size) as pilot:
            await demo_settled(pilot, app, clock)
            table = app.table
            shown = {placed.key: placed for placed in table.shown_columns}
            assert set(wanted) <= shown.keys()
            assert not table.show_horizontal_scrollbar and table.max_scroll_x == 0
            last = table.shown_columns[-1]
            assert last.x + last.width + CELL_PADDING <= table.scrollable_content_region.width
            header = table.render_line(0).text
            for column in table.columns:  # every header whole, or not there at all
                assert (column.header in header) == (column.key in shown), column.key
            label = shown["label"]
            assert label.width >= 20
            if size[0] >= 120:
                for batch_id, state in app.engine.states.items():
                    if state.status is not None:
                        updated = table.cell_text(batch_id, "updated")
                        assert updated.endswith(" ago") or updated == "just now", updated
                        done = table.cell_text(batch_id, "done")
                        assert done == f"{state.status.processed_records:,}/" + (
                            f"{state.status.total_records:,}"
                        )
            if size[0] >= 200:
                assert label.width == max(placed.width for placed in shown.values())
                assert table.cell_text(FAILED_ID, "label") == "September reverification"


def running(index: int, processed: int = 100) -> BatchState:
    batch_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"rows-{index}"))
    moment = datetime.fromtimestamp(START - 600, tz=UTC)
    return BatchState(
        batch_id=batch_id,
        label=f"Batch {index:04d}",
        phase=Phase.POLLING,
        status=BatchStatus(
            batch_id=batch_id,
            status=BatchStatusValue.from_wire("in_progress"),
            total_records=5000,
            processed_records=processed,
            failed_records=0,
            created_at=moment,
            updated_at=moment,
            started_at=moment,
            completed_at=None,
            summary=Summary(successful_records=processed),
        ),
        next_check_at=START + 600,
    )


async def test_in_the_dashboard_a_change_costs_the_rows_it_changes_on_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(START, auto_advance=False)
    states = [running(index) for index in range(1000)]
    app, engines = stub_app(states, tmp_path / "w.toml", clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.table.row_count == 1000)
        await pilot.pause(0.5)
        table = app.table
        on_screen = table.visible_keys
        # Each row on screen drawn as saved, then (the engine starts after the first screen)
        # once more if the engine's first state of it differs: no other row is drawn.
        assert len(on_screen) <= table.rows_rendered <= 2 * len(on_screen)

        def publish(index: int, processed: int) -> None:
            state = states[index]
            status = dataclasses.replace(state.status, processed_records=processed)  # type: ignore[arg-type]
            engines[0].publish(dataclasses.replace(state, status=status))

        rendered = table.rows_rendered
        publish(900, 200)
        await pilot.pause(0.4)  # past a flush
        assert table.rows_rendered == rendered

        publish(3, 300)
        await wait_for(pilot, lambda: table.cell_text(states[3].batch_id, "done") == "300/5,000")
        assert table.rows_rendered == rendered + 1

        await pilot.pause(1.2)  # a tick with the clock still: no time text changed
        assert table.rows_rendered == rendered + 1
        built: list[str] = []
        cell_text = cells.cell_text

        def counted(column: str, *args: Any) -> Text:
            built.append(column)
            return cell_text(column, *args)

        monkeypatch.setattr(cells, "cell_text", counted)
        clock.advance(50)  # "in 10m" becomes "in 9m" on every row; "10m ago" stays
        await wait_for(pilot, lambda: table.cell_text(on_screen[0], "next") == "in 9m")
        await pilot.pause(0.1)
        assert table.rows_rendered == rendered + 1 + len(on_screen)
        # Only the cells that read the time were made again: the others are the rows' as drawn.
        assert built and set(built) <= cells.TIMED_COLUMNS


async def test_time_texts_that_change_within_one_beat_are_redrawn_together_on_it(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START, auto_advance=False)
    beat = on_the_beat(START + 10)
    # Four rows whose "in 10m" reads "in 9m" a second apart, all within the beat before `beat`
    # (the countdown steps down 599 s before the check).
    states = [
        dataclasses.replace(running(index), next_check_at=beat - REDRAW_BEAT + 0.5 + index + 599)
        for index in range(4)
    ]
    app, _ = stub_app(states, tmp_path / "w.toml", clock)
    async with app.run_test(size=(120, 36)) as pilot:
        table = app.table
        keys = [state.batch_id for state in states]
        await wait_for(pilot, lambda: table.cell_text(keys[0], "next") == "in 10m")
        await pilot.pause(0.5)
        rendered = table.rows_rendered
        clock.advance(beat - 0.1 - START)  # each row's text has changed, the beat not come
        await pilot.pause(1.2)  # a tick
        assert [table.cell_text(key, "next") for key in keys] == ["in 10m"] * 4
        assert table.rows_rendered == rendered
        clock.advance(0.1)
        await wait_for(pilot, lambda: table.cell_text(keys[3], "next") == "in 9m")
        assert [table.cell_text(key, "next") for key in keys] == ["in 9m"] * 4
        assert table.rows_rendered == rendered + 4
