"""The dashboard's batches as the table's rows: which are shown, in what order, what each says.

The table asks for a row's cells only when it draws the row; the time columns it drew are kept,
so the one-second tick redraws an on-screen row only when one of its time texts changed.
Imports are rows too, each above its batches (`import_rows.ImportRows` says which and what).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from reap_tui.clock import Clock
from reap_tui.engine.imports import ImportRules
from reap_tui.engine.state import BatchState
from reap_tui.tui import cells
from reap_tui.tui.batch_table import BatchTable
from reap_tui.tui.columns import Column, Placed
from reap_tui.tui.import_rows import (
    MEMBER_INDENT,
    ImportRows,
    import_key,
    name_of_key,
    rows_on_screen_estimate,
)
from reap_tui.tui.ordering import SortOrder, matches, ordered_ids


class GroupedTable(BatchTable):
    """The batch table, with → and ← to open and fold an import's row (the table never
    scrolls sideways, so the arrows are free)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right", "fold(False)", "Open import", show=False),
        Binding("left", "fold(True)", "Fold import", show=False),
    ]

    class Fold(BatchTable._TableMessage):
        """→ (`folded` False) or ← (True) on the row `key`."""

        def __init__(self, table: BatchTable, key: str, folded: bool) -> None:
            super().__init__(table)
            self.key = key
            self.folded = folded

    def action_fold(self, folded: bool) -> None:
        if self.cursor_key is not None:
            self.post_message(self.Fold(self, self.cursor_key, folded))


class BatchRows:
    def __init__(
        self,
        states: Mapping[str, BatchState],
        clock: Clock,
        columns: Sequence[Column] = cells.COLUMNS,
        *,
        imports: ImportRows | None = None,
        id: str | None = None,
    ) -> None:
        """`states` is the dashboard's own mapping, read when rows are drawn."""
        self._states = states
        self._clock = clock
        self.imports = imports or ImportRows(states, clock, ImportRules())
        self.table = GroupedTable(columns, self.render, id=id)
        self.query = ""  # the filter: only batches matching it are shown
        # The batches matching the filter, in the order shown (an import's batches folded
        # under its row included): what the header's totals count.
        self.shown_batches: list[str] = []
        # Each row as last drawn: the state it showed and its time-dependent cells.
        self._drawn: dict[str, tuple[BatchState, tuple[Text, ...]]] = {}

    def render(self, batch_id: str, columns: Sequence[Placed]) -> list[Text]:
        """The table's row renderer."""
        name = name_of_key(batch_id)
        if name is not None:
            return self.imports.render(name, columns)
        state = self._states.get(batch_id)
        if state is None:  # removed since the rows were set; gone at the next flush
            return [Text("") for _ in columns]
        keys = [placed.key for placed in columns]
        row = cells.row_cells(state, keys, self._clock.now())
        self._drawn[batch_id] = (
            state,
            tuple(text for key, text in zip(keys, row, strict=True) if key in cells.TIMED_COLUMNS),
        )
        if "label" in keys and self.imports.member_of(batch_id) is not None:
            index = keys.index("label")
            label = Text(end="", no_wrap=True)
            label.append(MEMBER_INDENT, style="dim")
            row[index] = label.append_text(row[index])
        return row

    def show(self, order: SortOrder, *, reverse: bool) -> None:
        """The batches matching `query`, in `order`, under their imports' rows; the cursor stays
        on its row."""
        wanted = (state for state in self._states.values() if matches(state, self.query))
        self.shown_batches = ordered_ids(wanted, order, reverse=reverse)
        self.rearrange()

    def fold(self, name: str, folded: bool) -> bool:
        """Fold or open the import `name`'s row; False if it already was."""
        if not self.imports.set_collapsed(name, folded):
            return False
        self.table.refresh_row(import_key(name))  # its arrow
        self.rearrange()
        return True

    def rearrange(self) -> None:
        """The rows again, the order of `shown_batches` kept (an import folded or opened)."""
        self._set_rows(self.imports.arrange(self.shown_batches, self.query, self._page()))

    def _page(self) -> int:
        """How many rows the table shows at once (estimated before it is laid out)."""
        height = self.table.scrollable_content_region.height - 1
        if height > 0:
            return height
        size = self.table.app.size
        return rows_on_screen_estimate(size.width, size.height)

    def apply_changes(self, changed: Iterable[str]) -> None:
        """Redraw the changed batches' rows (if on screen); a batch gone is removed, a new one
        that matches is appended. Rows move only when the user sorts or filters."""
        table = self.table
        changed = list(changed)
        listed = set(self.shown_batches)
        added: list[str] = []
        removed: set[str] = set()
        for batch_id in changed:
            state = self._states.get(batch_id)
            if state is None:
                if batch_id in listed:
                    removed.add(batch_id)
            elif batch_id in listed:
                drawn = self._drawn.get(batch_id)
                if table.row_index(batch_id) is not None and (
                    drawn is None or drawn[0] is not state
                ):
                    table.refresh_row(batch_id)
            elif matches(state, self.query):
                added.append(batch_id)
        for key in self.imports.keys_of(changed):
            table.refresh_row(key)
        if added or removed:
            self.shown_batches = [b for b in self.shown_batches if b not in removed] + added
            self.rearrange()

    def tick(self) -> None:
        """The once-a-second pass: the rows on screen whose time texts now read differently."""
        now = self._clock.now()
        timed = [placed.key for placed in self.table.shown_columns]
        timed = [key for key in timed if key in cells.TIMED_COLUMNS]
        for batch_id in self.table.visible_keys:
            if name_of_key(batch_id) is not None:
                self.table.refresh_row(batch_id)  # its ETA, rate and times: a row per import
                continue
            if not timed:
                continue
            state = self._states.get(batch_id)
            if state is None:
                continue
            texts = tuple(cells.cell_text(key, state, now) for key in timed)
            drawn = self._drawn.get(batch_id)
            if drawn is None or texts != drawn[1]:
                self.table.refresh_row(batch_id)

    def _set_rows(self, keys: Iterable[str]) -> None:
        self.table.set_rows(keys)
        for gone in self._drawn.keys() - set(self.table.row_keys):
            del self._drawn[gone]
