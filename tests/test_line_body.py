"""The header (and the detail pane) drawn line by line: a change redraws the lines it changed,
the widget grows and shrinks with its lines, and what is drawn is the text shown."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.segment import Segment
from rich.text import Text
from textual.app import App, ComposeResult
from textual.strip import Strip
from textual.widgets import Static

from reap_tui.tui.header import DashboardHeader
from reap_tui.tui.line_body import unwrapped_lines

from .tui_support import drawn_lines


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield DashboardHeader(id="header")
        yield Static("the table", id="below")

    @property
    def header(self) -> DashboardHeader:
        return self.query_one(DashboardHeader)


def _two_lines(requests: int, running: int) -> Text:
    return Text.assemble(
        (" DEMO ", "bold black on cyan"),
        f" key ••••c4kU · {requests} requests",
        "\n",
        (f"▶ {running} in progress", "blue"),
        "  ✓ 3 completed",
    )


def _drawn(header: DashboardHeader) -> list[str]:
    return [header.render_line(y).text.rstrip() for y in range(header.size.height)]


async def test_a_change_to_one_line_redraws_that_line_only() -> None:
    app = Host()
    async with app.run_test(size=(80, 10)) as pilot:
        header = app.header
        header.show(_two_lines(12, 2))
        await pilot.pause()
        assert _drawn(header) == [
            " DEMO  key ••••c4kU · 12 requests",
            "▶ 2 in progress  ✓ 3 completed",
        ]
        drawn = drawn_lines(header)
        header.show(_two_lines(13, 2))  # the request count only
        await pilot.pause()
        assert sorted(set(drawn)) == [0]
        drawn.clear()
        header.show(_two_lines(13, 2))  # offered again unchanged: nothing drawn
        await pilot.pause()
        assert drawn == []
        header.show(_two_lines(13, 1))
        await pilot.pause()
        assert sorted(set(drawn)) == [1]
        assert "▶ 1 in progress" in str(header.content)


async def test_the_header_grows_with_a_third_line_and_shrinks_back() -> None:
    app = Host()
    async with app.run_test(size=(80, 10)) as pilot:
        header = app.header
        below = app.query_one("#below")
        header.show(_two_lines(1, 1))
        await pilot.pause()
        assert header.size.height == 2 and below.region.y == 2
        header.show(Text("\n").join([_two_lines(1, 1), Text("⚠ watch list unreadable")]))
        await pilot.pause()
        assert header.size.height == 3 and below.region.y == 3
        assert _drawn(header)[2] == "⚠ watch list unreadable"
        header.show(_two_lines(2, 1))
        await pilot.pause()
        assert header.size.height == 2 and below.region.y == 2


async def test_a_line_longer_than_the_terminal_wraps_as_before() -> None:
    app = Host()
    async with app.run_test(size=(40, 10)) as pilot:
        header = app.header
        header.show(Text("word " * 12))
        await pilot.pause()
        assert header.size.height == 2  # 60 characters in 38 columns (padding 1 each side)
        assert " ".join(_drawn(header)).split() == ["word"] * 12


UNWRAPPED = [
    _two_lines(12, 3),
    Text.assemble(("⚠ PRODUCTION ⚠", "bold white on red"), " 日本語 ✓ 🚀 done", style="italic"),
    Text("first\n\nthird, after a blank line", style="dim"),
    Text.assemble(("x" * 40, "bold"), ("y" * 40, "red")),  # exactly the width
]


@pytest.mark.parametrize("text", UNWRAPPED, ids=range(len(UNWRAPPED)))
def test_a_text_that_fits_is_drawn_as_rich_draws_it(text: Text) -> None:
    console = Console(width=80, color_system="truecolor", force_terminal=True)
    options = console.options.update(width=80, height=None, highlight=False)
    by_rich = [Strip(Segment.simplify(line), 80) for line in console.render_lines(text, options)]
    assert unwrapped_lines(text, console, 80) == by_rich


def test_a_text_that_would_wrap_is_left_to_rich() -> None:
    console = Console(width=80)
    assert unwrapped_lines(Text("word " * 20), console, 80) is None
    assert unwrapped_lines(Text("centred", justify="center"), console, 80) is None
