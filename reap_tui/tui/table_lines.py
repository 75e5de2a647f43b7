"""A table row as one line of cells, and what the table keeps of it between frames.

A row's line is drawn from its cells' `Text`s: each cut to its column (with an ellipsis),
justified and padded. `draw_line` takes the row's cells as last drawn (`memo`), so a cell whose
text and width are unchanged reuses its segments: a tick that changes one time column renders
one cell, not the row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from reap_tui.tui.columns import CELL_PADDING, Placed


@dataclass(frozen=True)
class CellSegments:
    """A cell as drawn: its text, its width, and the segments they made."""

    text: Text
    width: int
    segments: list[Segment]


@dataclass(frozen=True)
class RowLine:
    """A row's cached line, current while its revision and the layout are."""

    revision: int
    layout_version: int
    strip: Strip
    cells: dict[str, CellSegments]


def draw_line(
    cells: Sequence[Text],
    layout: Sequence[Placed],
    width: int,
    *,
    console: Console,
    cell_styles: Mapping[str, Style],
    memo: dict[str, CellSegments] | None = None,
) -> Strip:
    """One line of cells, `width` wide; `cell_styles` by column key (their click metadata)."""
    segments: list[Segment] = []
    padding = " " * CELL_PADDING
    used = 0
    for placed, cell in zip(layout, cells, strict=True):
        drawn = memo.get(placed.key) if memo is not None else None
        if drawn is None or drawn.width != placed.width or drawn.text != cell:
            shown = cell.copy()
            shown.truncate(placed.width, overflow="ellipsis")
            shown.align(placed.column.justify, placed.width)
            padded = Text.assemble(padding, shown, padding, no_wrap=True, end="")
            # Each cell its own segments (as in DataTable): a screenshot places every cell at
            # its column even where a viewer's fallback font draws a symbol wider.
            padded.stylize(cell_styles[placed.key])
            drawn = CellSegments(cell, placed.width, list(padded.render(console)))
            if memo is not None:
                memo[placed.key] = drawn
        segments.extend(drawn.segments)
        used += placed.width + 2 * CELL_PADDING
    if used < width:
        segments.append(Segment(" " * (width - used)))
    return Strip(segments, width)
