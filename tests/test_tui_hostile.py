"""Server strings are shown literally: markup, actions, escapes and links do nothing."""

from __future__ import annotations

import dataclasses
import html
import io
from pathlib import Path

from rich.console import Console
from textual.widgets import Input

from reap_tui.api.errors import failure_from_response
from reap_tui.clock import FakeClock
from reap_tui.engine.state import BatchState, Phase
from reap_tui.sandbox.demo import HOSTILE_MESSAGE, HOSTILE_SUMMARY_ERRORS
from reap_tui.sandbox.wire import json_bytes
from reap_tui.tui.detail_render import render_detail

from .conftest import START
from .tui_support import stub_app, wait_for

BATCH_ID = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
LABEL = "[bold]Vendor[/] [@click=app.quit]x[/]"


def hostile_state() -> BatchState:
    body = json_bytes({"code": "0000000500", "message": HOSTILE_MESSAGE, "parameter": "[link]x"})
    failure = failure_from_response(500, "application/json", body, None)
    return BatchState(
        batch_id=BATCH_ID, label=LABEL, phase=Phase.POLLING, failure=failure, next_check_at=START
    )


def plain(renderable: object) -> str:
    console = Console(width=300, record=True, file=io.StringIO(), color_system="truecolor")
    console.print(renderable)
    return console.export_text()


def test_the_error_panel_shows_markup_and_escapes_as_text() -> None:
    text = plain(render_detail(hostile_state(), now=START, utc=True, show_raw=True))
    assert "[bold red]Internal[/] error" in text
    assert "[@click=app.quit]click me[/]" in text
    assert "␛[2J" in text and "\x1b[2J" not in text
    assert "␛]8;;https://example.invalid/" in text
    assert "[link]x" in text
    assert "\\u009b31mC1 CSI" in text
    assert LABEL in text


async def test_hostile_strings_on_screen_trigger_nothing(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    state = hostile_state()
    app, engines = stub_app([state], tmp_path / "w.toml", clock)
    async with app.run_test(size=(200, 50)) as pilot:  # the pane beside the table, all of it shown
        await wait_for(pilot, lambda: app.table.row_count == 1)
        await pilot.press("b")
        await pilot.pause()
        # Click over the detail pane, where the "[@click=app.quit]" text is drawn.
        for y in range(2, 30):
            await pilot.click("#detail", offset=(20, y))
        assert app.is_running
        (label,) = [each for each in app.table.shown_columns if each.key == "label"]
        assert app.table.cell_text(BATCH_ID, "label") == LABEL[: label.width - 1] + "…"
        screen = html.unescape(app.export_screenshot()).replace("\xa0", " ")
        assert "[@click=app.quit]click me[/]" in screen
        engines[0].publish(dataclasses.replace(state, phase=Phase.PAUSED))
        await pilot.pause(0.4)
        assert app.is_running


def test_summary_errors_are_shown_literally() -> None:
    from reap_tui.api.models import BatchStatus, BatchStatusValue, Summary
    from reap_tui.clock import to_datetime

    moment = to_datetime(START)
    status = BatchStatus(
        batch_id=BATCH_ID,
        status=BatchStatusValue.from_wire("in_progress"),
        total_records=10,
        processed_records=5,
        failed_records=1,
        created_at=moment,
        updated_at=moment,
        started_at=moment,
        completed_at=None,
        summary=Summary(successful_records=4, errors=HOSTILE_SUMMARY_ERRORS),
    )
    text = plain(
        render_detail(BatchState(BATCH_ID, status=status), now=START, utc=True, show_raw=False)
    )
    assert "Row 3: [red]share token expired[/red]" in text
    # An object item reads as a line, its escapes shown as in a string item (␛, not \u001b).
    assert "row 7 · 0f1e2d3c… · ␛[31mprovider rejected␛[0m [@click=app.quit]quit[/]" in text
    assert "\\u001b" not in text
    assert "open me" in text and "\x1b]8" not in text


async def test_a_filter_query_is_shown_literally_in_the_table_title(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    app, _ = stub_app([hostile_state()], tmp_path / "w.toml", clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.table.row_count == 1)
        for query in ("[/", "[b]x", "[@click=app.quit]x"):
            await pilot.press("slash")
            app.query_one("#filter", Input).value = ""
            await pilot.press(*query)
            await pilot.pause()
            screen = html.unescape(app.export_screenshot()).replace("\xa0", " ")
            assert f"filter “{query}”:" in screen
            await pilot.click(app.table, offset=(40, 0))  # on the title, over the query
            assert app.is_running
