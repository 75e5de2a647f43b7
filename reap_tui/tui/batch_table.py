"""A table of keyed rows drawn line by line: a change costs the rows it touches on screen.

Rows are string keys in the order `set_rows` gives; what a row says comes from a callback the
owner supplies, asked only when that row is drawn and its cached line is stale. `refresh_row`
marks a row changed: off screen that costs nothing until the row scrolls into view; on screen
only its line is redrawn. The cached line of a row is its cells (keyed on the row's revision and
the column layout); zebra, hover and cursor styles are laid over it when the line is drawn, so a
cursor move or a re-sort renders no cell. Columns that fit the width are chosen by priority
(`columns.fit_columns`): there is no horizontal scrolling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import count
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reap_tui.tui.columns import CELL_PADDING, Column, Placed, fit_columns
from reap_tui.tui.table_lines import RowLine, draw_line

# (row key, the columns shown) -> one Text per shown column, in order. Texts are cut to their
# column (with an ellipsis) and justified by the table.
RowRenderer = Callable[[str, Sequence[Placed]], Sequence[Text]]

HEADER_HEIGHT = 1
LINE_CACHE_SIZE = 1024


class BatchTable(ScrollView, can_focus=True):
    ALLOW_SELECT = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first", "First row", show=False),
        Binding("end,ctrl+end", "last", "Last row", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "batch-table--header",
        "batch-table--cursor",
        "batch-table--even-row",
        "batch-table--hover",
    }
    DEFAULT_CSS = """
    BatchTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        scrollbar-size-vertical: 1;
        &:focus {
            background-tint: $foreground 5%;
            & > .batch-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .batch-table--header {
                background-tint: $foreground 5%;
            }
        }
        & > .batch-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .batch-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .batch-table--even-row {
            background: $surface-lighten-1 50%;
        }
        &:dark > .batch-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .batch-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .batch-table--hover {
            background: $block-hover-background;
        }
    }
    """

    class _TableMessage(Message):
        def __init__(self, table: BatchTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> BatchTable:
            return self.table

    class RowHighlighted(_TableMessage):
        """The cursor is on another row (`key` None: the table is empty)."""

        def __init__(self, table: BatchTable, key: str | None) -> None:
            super().__init__(table)
            self.key = key

    class RowSelected(_TableMessage):
        """Enter, or a click on the row under the cursor."""

        def __init__(self, table: BatchTable, key: str) -> None:
            super().__init__(table)
            self.key = key

    class HeaderSelected(_TableMessage):
        """A click on a column's header (the owner decides what it sorts)."""

        def __init__(self, table: BatchTable, column: str) -> None:
            super().__init__(table)
            self.column = column

    def __init__(
        self,
        columns: Sequence[Column],
        render_row: RowRenderer,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._columns = tuple(columns)
        self._render_row = render_row
        self._keys: list[str] = []
        self._index: dict[str, int] = {}
        # A row's revision changes with its content; a line cached at another one is stale.
        self._revisions: dict[str, int] = {}
        self._next_revision = count(1)
        self._lines: LRUCache[str, RowLine] = LRUCache(LINE_CACHE_SIZE)
        self._layout: tuple[Placed, ...] = ()
        self._cell_styles: dict[str, Style] = {}
        self._layout_width = -1
        self._layout_version = 0
        self._header: tuple[int, Strip] | None = None
        self._cursor = 0
        self._cursor_key: str | None = None
        self._hover: int | None = None
        self._line_styles: dict[tuple[bool, bool], Style] = {}
        self._screen_rows: int | None = None
        self.rows_rendered = 0
        """How many times a row's cells were rendered (cache misses): the cost of changes."""

    # -- what is shown -------------------------------------------------------------------------

    @property
    def row_keys(self) -> tuple[str, ...]:
        return tuple(self._keys)

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def cursor_key(self) -> str | None:
        return self._cursor_key

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    @property
    def shown_columns(self) -> tuple[Placed, ...]:
        """The columns that fit the current width, where each starts, how wide it is."""
        return self._current_layout()

    @property
    def visible_keys(self) -> list[str]:
        """The keys of the rows on screen now."""
        top = int(self.scroll_offset.y)
        return self._keys[top : top + self._rows_on_screen()]

    def row_index(self, key: str) -> int | None:
        return self._index.get(key)

    def cell_text(self, key: str, column: str) -> str:
        """The text a shown cell reads, as drawn (cut to its column), without its padding.
        KeyError for a row not shown or a column not shown at this width."""
        placed = {each.key: each for each in self._current_layout()}[column]
        strip = self._row_cells(self._index[key])
        return strip.crop(placed.x, placed.x + placed.width).text.strip()

    # -- changing it ---------------------------------------------------------------------------

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Another set or order of columns (the first by priority is always shown)."""
        self._columns = tuple(columns)
        self._layout_width = -1
        self.refresh()

    def set_rows(self, keys: Iterable[str], *, keep_line: bool = True) -> None:
        """Show these rows in this order. The cursor stays on its key: `keep_line`, on the same
        screen line when the scroll allows (a re-sort); else the view stays where it is unless
        the cursor's row left it (rows moving as they change: only lines that now show another
        row are drawn). If the cursor's row is gone it stays at the same index."""
        keys = list(keys)
        before_key, before_row = self._cursor_key, self._cursor
        before_keys, before_top, before_hover = self._keys, int(self.scroll_offset.y), self._hover
        self._keys = keys
        self._index = {key: index for index, key in enumerate(keys)}
        for gone in self._revisions.keys() - self._index.keys():
            del self._revisions[gone]
            self._lines.discard(gone)
        for key in keys:
            if key not in self._revisions:
                self._revisions[key] = next(self._next_revision)
        self.virtual_size = Size(0, len(keys) + HEADER_HEIGHT)
        self._hover = None
        if before_key is not None and before_key in self._index:
            row = self._index[before_key]
            if keep_line:
                self.scroll_to(y=self.scroll_offset.y + row - before_row, animate=False)
        else:
            row = before_row
        top = int(self.scroll_offset.y)
        if top != before_top or len(keys) != len(before_keys):
            self.refresh()
        else:  # rows moved in place: redraw the lines on screen that now show another row
            for index in range(top, min(len(keys), top + self._rows_on_screen())):
                if keys[index] != before_keys[index] or index == before_hover:
                    self.refresh_line(index + HEADER_HEIGHT)
        self.move_cursor(row)

    def refresh_row(self, key: str) -> None:
        """The row's content changed: redraw its line if on screen, else when it comes into view."""
        if key not in self._index:
            return
        self._revisions[key] = next(self._next_revision)
        self._refresh_index(self._index[key])

    def select(self, key: str) -> bool:
        """Put the cursor on `key`'s row (scrolled into view); False if there is no such row."""
        row = self._index.get(key)
        if row is None:
            return False
        self.move_cursor(row)
        return True

    # -- drawing -------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        layout = self._current_layout()
        width = self._layout_width
        if y < HEADER_HEIGHT:
            return self._header_line(layout, width)
        index = int(self.scroll_offset.y) + y - HEADER_HEIGHT
        if not 0 <= index < len(self._keys):
            return Strip.blank(width, self._line_style(False, False))
        return self._styled(self._row_cells(index), index)

    def _current_layout(self) -> tuple[Placed, ...]:
        width = self.scrollable_content_region.width
        if width != self._layout_width:
            self._layout_width = width
            self._layout = fit_columns(self._columns, width)
            self._cell_styles = {p.key: Style.from_meta({"column": p.key}) for p in self._layout}
            self._layout_version += 1
            self._header = None
        return self._layout

    def on_resize(self) -> None:
        self._screen_rows = None

    def _rows_on_screen(self) -> int:
        # Kept until the next resize: asked for each changed row, the region is costly to get.
        if self._screen_rows is None:
            self._screen_rows = max(0, self.scrollable_content_region.height - HEADER_HEIGHT)
        return self._screen_rows

    def _header_line(self, layout: tuple[Placed, ...], width: int) -> Strip:
        if self._header is None or self._header[0] != self._layout_version:
            titles = [Text(placed.column.header) for placed in layout]
            line = draw_line(
                titles, layout, width, console=self.app.console, cell_styles=self._cell_styles
            )
            self._header = (self._layout_version, line)
        style = self._line_style(False, False) + self.get_component_rich_style(
            "batch-table--header"
        )
        return self._header[1].apply_style(style)

    def _row_cells(self, index: int) -> Strip:
        """The row's cells as one unstyled line, from the cache when still current."""
        layout = self._current_layout()
        key = self._keys[index]
        revision = self._revisions[key]
        cached = self._lines.get(key)
        current = (revision, self._layout_version)
        if cached is not None and (cached.revision, cached.layout_version) == current:
            return cached.strip
        memo = cached.cells if cached is not None else {}
        self.rows_rendered += 1
        strip = draw_line(
            self._render_row(key, layout),
            layout,
            self._layout_width,
            console=self.app.console,
            cell_styles=self._cell_styles,
            memo=memo,
        )
        self._lines.discard(key)  # LRUCache.set keeps an existing entry's value
        self._lines[key] = RowLine(revision, self._layout_version, strip, memo)
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_styles.clear()

    def _line_style(self, even: bool, hover: bool) -> Style:
        """The style laid over a row's line; kept until the CSS that makes it changes (the
        widget's `rich_style` walks every ancestor: per line it was half of a line's cost)."""
        style = self._line_styles.get((even, hover))
        if style is None:
            style = self.rich_style
            if even:
                style += self.get_component_rich_style("batch-table--even-row")
            if hover:
                style += self.get_component_rich_style("batch-table--hover")
            self._line_styles[even, hover] = style
        return style

    def _styled(self, cells: Strip, index: int) -> Strip:
        style = self._line_style(index % 2 == 0, index == self._hover)
        if index != self._cursor:
            return cells.apply_style(style)
        cursor = self.get_component_rich_style("batch-table--cursor")
        # The cursor's colour wins over the cells' own, so the row stays readable.
        on_top = Style.from_color(color=cursor.color)
        return Strip(Segment.apply_style(cells, style + cursor, on_top), cells.cell_length)

    def _refresh_index(self, index: int) -> None:
        top = int(self.scroll_offset.y)
        if top <= index < top + self._rows_on_screen():
            self.refresh_line(index + HEADER_HEIGHT)

    # -- cursor --------------------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        """Put the cursor on the row at this index (clamped), scrolled into view."""
        before = self._cursor
        if not self._keys:
            self._cursor = 0
            key = None
        else:
            self._cursor = max(0, min(row, len(self._keys) - 1))
            key = self._keys[self._cursor]
            if self._cursor != before:
                self._refresh_index(before)
                self._refresh_index(self._cursor)
            self._scroll_to_cursor()
        if key != self._cursor_key:
            self._cursor_key = key
            self.post_message(self.RowHighlighted(self, key))

    def _scroll_to_cursor(self) -> None:
        shown = self._rows_on_screen()
        if shown <= 0:
            return
        top = int(self.scroll_offset.y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False)
        elif self._cursor >= top + shown:
            self.scroll_to(y=self._cursor - shown + 1, animate=False)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        page = max(1, self._rows_on_screen() - 1)
        self.scroll_to(y=self.scroll_offset.y - page, animate=False)
        self.move_cursor(self._cursor - page)

    def action_page_down(self) -> None:
        page = max(1, self._rows_on_screen() - 1)
        self.scroll_to(y=self.scroll_offset.y + page, animate=False)
        self.move_cursor(self._cursor + page)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._keys) - 1)

    def action_select_cursor(self) -> None:
        if self._cursor_key is not None:
            self.post_message(self.RowSelected(self, self._cursor_key))

    # -- mouse ---------------------------------------------------------------------------------

    def _row_at(self, y: int) -> int | None:
        index = int(self.scroll_offset.y) + y - HEADER_HEIGHT
        return index if y >= HEADER_HEIGHT and 0 <= index < len(self._keys) else None

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        event.stop()
        if offset.y < HEADER_HEIGHT:
            for placed in self._current_layout():
                if placed.x - CELL_PADDING <= offset.x < placed.x + placed.width + CELL_PADDING:
                    self.post_message(self.HeaderSelected(self, placed.key))
            return
        row = self._row_at(offset.y)
        if row is None:
            return
        if row == self._cursor and self._cursor_key is not None:
            self.post_message(self.RowSelected(self, self._cursor_key))
        else:
            self.move_cursor(row)

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        offset = event.get_content_offset(self)
        self._set_hover(None if offset is None else self._row_at(offset.y))

    def _on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def _set_hover(self, row: int | None) -> None:
        if row == self._hover:
            return
        for index in (self._hover, row):
            if index is not None:
                self._refresh_index(index)
        self._hover = row
