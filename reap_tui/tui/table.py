"""The batch table: rows keyed by batch id, columns by name, updated by a keyed diff.

Only cells whose text changed are written (`update_cell`), so the cursor and the scroll
position never move under the reader. Rows move only when the user sorts or filters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.text import Text
from textual.widgets import DataTable

from reap_tui.engine.state import BatchState
from reap_tui.tui import cells
from reap_tui.tui.ordering import SortOrder, matches, ordered_ids


class BatchTable(DataTable[Text | cells.IdCell]):
    DEFAULT_CSS = """
    BatchTable { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        # What each shown cell currently says, to write only the ones that change.
        self._shown: dict[str, dict[str, Text]] = {}
        self.query_text = ""

    def on_mount(self) -> None:
        for column in cells.COLUMNS:
            self.add_column(Text(column.header, style="bold"), width=column.width, key=column.key)

    @property
    def shown_ids(self) -> list[str]:
        return [row.key.value for row in self.ordered_rows if row.key.value is not None]

    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def select(self, batch_id: str) -> bool:
        if batch_id not in self._shown:
            return False
        self.move_cursor(row=self.get_row_index(batch_id))
        return True

    def _add(self, state: BatchState, now: float) -> None:
        values = cells.row_cells(state, now)
        self._shown[state.batch_id] = {
            column.key: value
            for column, value in zip(cells.COLUMNS, values, strict=True)
            if isinstance(value, Text)
        }
        self.add_row(*values, key=state.batch_id)

    def _write(self, state: BatchState, now: float, columns: Iterable[str]) -> None:
        shown = self._shown[state.batch_id]
        for column in columns:
            text = cells.cell_text(column, state, now)
            if shown.get(column) != text:
                shown[column] = text
                self.update_cell(state.batch_id, column, text)

    def apply_changes(
        self, states: Mapping[str, BatchState], changed: Iterable[str], now: float
    ) -> None:
        """Bring the changed batches' rows up to date; a new batch that matches is appended."""
        for batch_id in changed:
            state = states.get(batch_id)
            if state is None:
                if batch_id in self._shown:
                    del self._shown[batch_id]
                    self.remove_row(batch_id)
            elif batch_id in self._shown:
                self._write(state, now, tuple(self._shown[batch_id]))
            elif matches(state, self.query_text):
                self._add(state, now)

    def refresh_times(self, states: Mapping[str, BatchState], now: float) -> None:
        """The once-a-second pass: the time-dependent columns of the rows on screen (a row
        scrolled into view catches up on the next pass), only what changed."""
        first = max(0, int(self.scroll_offset.y))
        for row in self.ordered_rows[first : first + self.size.height]:
            state = states.get(row.key.value) if row.key.value is not None else None
            if state is not None:
                self._write(state, now, cells.TIMED_COLUMNS)

    def show_batches(
        self,
        states: Mapping[str, BatchState],
        order: SortOrder,
        *,
        reverse: bool,
        now: float,
    ) -> None:
        """Show the batches matching `query_text` in `order`; the cursor stays on its batch."""
        selected = self.selected_id
        wanted = {b for b, state in states.items() if matches(state, self.query_text)}
        for batch_id in [b for b in self._shown if b not in wanted]:
            del self._shown[batch_id]
            self.remove_row(batch_id)
        for batch_id in wanted - self._shown.keys():
            self._add(states[batch_id], now)
        rank = {
            batch_id: index
            for index, batch_id in enumerate(
                ordered_ids((states[b] for b in wanted), order, reverse=reverse)
            )
        }
        self.sort("id", key=lambda cell: rank[cell.batch_id])
        if selected is not None and selected in self._shown:
            self.select(selected)
