"""Which columns a table shows at a width: the most important that fit, never a scrollbar.

Each column has a priority (lower is more important), a natural width (what its texts need)
and, for a column that may be narrowed, a smaller minimum. The columns kept are the longest run
by priority whose minimum widths fit; the space left widens narrowed columns back towards their
natural width, then goes to the flexible column (the label). Columns keep the order they are
given in, so a later column chooser only has to hand over its own list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

CELL_PADDING = 1  # blank cells on each side of every cell

Justify = Literal["left", "right"]


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int  # natural: what its texts need
    priority: int = 0  # lower shows first, and is the last to go when space is short
    min_width: int | None = None  # may be narrowed to this; None: never narrowed
    justify: Justify = "left"
    flex: bool = False  # takes every cell left over

    @property
    def narrowest(self) -> int:
        return self.width if self.min_width is None else min(self.min_width, self.width)


@dataclass(frozen=True)
class Placed:
    """A shown column: where its cell starts (after its padding) and how wide it is."""

    column: Column
    x: int
    width: int

    @property
    def key(self) -> str:
        return self.column.key


def fit_columns(columns: Sequence[Column], width: int) -> tuple[Placed, ...]:
    """The columns shown in `width` cells, in their given order, padding included.

    The first column by priority is always shown, cut to the space there is.
    """
    pad = 2 * CELL_PADDING
    by_priority = sorted(columns, key=lambda column: column.priority)
    widths: dict[str, int] = {}
    used = 0
    for column in by_priority:
        need = column.narrowest + pad
        if widths and used + need > width:
            break
        widths[column.key] = column.narrowest
        used += need
    if not widths:
        return ()
    spare = width - used
    for column in by_priority:
        if column.key in widths and spare > 0:
            grow = min(spare, column.width - widths[column.key])
            widths[column.key] += grow
            spare -= grow
    flexible = next((c for c in by_priority if c.flex and c.key in widths), None)
    if flexible is not None:
        widths[flexible.key] += spare
    placed: list[Placed] = []
    x = 0
    for column in columns:
        if column.key in widths:
            shown = max(0, min(widths[column.key], width - x - pad))
            placed.append(Placed(column, x + CELL_PADDING, shown))
            x += shown + pad
    return tuple(placed)
